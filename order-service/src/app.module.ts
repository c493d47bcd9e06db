import { DynamicModule, Global, Module } from '@nestjs/common';
import { CoreModule, type ServiceInfo } from '@flash-sale/common';
import { Topics } from '@flash-sale/contracts';
import type { OrderServiceConfig } from './config.js';
import { migrations } from './database/migrations/index.js';
import { ORDER_SETTINGS, orderSettingsFrom } from './orders/order-settings.js';
import { OrdersModule } from './orders/orders.module.js';

/** The order pipeline's settings, injectable everywhere. */
@Global()
@Module({})
class OrderSettingsModule {
  static register(config: OrderServiceConfig): DynamicModule {
    return {
      module: OrderSettingsModule,
      providers: [{ provide: ORDER_SETTINGS, useValue: orderSettingsFrom(config) }],
      exports: [ORDER_SETTINGS],
    };
  }
}

@Module({})
export class AppModule {
  static register(config: OrderServiceConfig, info: ServiceInfo): DynamicModule {
    return {
      module: AppModule,
      imports: [
        CoreModule.forRoot({
          info,
          config,
          database: { entities: [], migrations },
          kafka: {
            groupId: config.ORDER_KAFKA_GROUP_ID,
            topics: [Topics.InventoryRequest, Topics.InventoryResponse, Topics.InventoryRestore],
          },
        }),
        OrderSettingsModule.register(config),
        OrdersModule,
      ],
    };
  }
}
