import { DynamicModule, Global, Module, RequestMethod } from '@nestjs/common';
import { CoreModule, RateLimitModule, type ServiceInfo } from '@flash-sale/common';
import { Topics } from '@flash-sale/contracts';
import { SaleAuditModule } from './audit/sale-audit.module.js';
import type { OrderServiceConfig } from './config.js';
import { migrations } from './database/migrations/index.js';
import { OrderMetricsModule } from './metrics/order-metrics.module.js';
import { ORDER_SETTINGS, orderSettingsFrom } from './orders/order-settings.js';
import { OrdersModule } from './orders/orders.module.js';
import { ORDERS_RATE_LIMIT } from './placing/orders.controller.js';
import { SaleModule } from './sale/sale.module.js';
import { STOCK_SETTINGS, stockSettingsFrom } from './stock/stock-settings.js';

/** The order pipeline's and the stock capability's settings, injectable everywhere. */
@Global()
@Module({})
class SettingsModule {
  static register(config: OrderServiceConfig): DynamicModule {
    return {
      module: SettingsModule,
      providers: [
        { provide: ORDER_SETTINGS, useValue: orderSettingsFrom(config) },
        { provide: STOCK_SETTINGS, useValue: stockSettingsFrom(config) },
      ],
      exports: [ORDER_SETTINGS, STOCK_SETTINGS],
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
          // Served by PlaceOrderRoute, which logs errors and slow answers itself: a pino child
          // logger per order cost ~5% of order-service's CPU at 2,000 orders/s.
          withoutRequestLogger: [{ path: 'orders', method: RequestMethod.POST }],
          kafka: {
            groupId: config.ORDER_KAFKA_GROUP_ID,
            startFrom: config.ORDER_KAFKA_START_FROM,
            topics: [
              Topics.InventoryRequest,
              Topics.InventoryResponse,
              Topics.InventoryRestore,
              Topics.InventoryRestoreResponse,
            ],
            // Answers are applied a batch per transaction. Under HTTP load each await of a batch
            // waits a full event-loop turn, so a batch costs about the same whatever its size:
            // at 500 the answers fell behind (settle p99 8.7 s, then 503s); at 5,000 they keep up
            // (settle p99 0.6 s) at 500 connections.
            maxBatchSize: 5_000,
          },
        }),
        SettingsModule.register(config),
        RateLimitModule.forRoot({
          [ORDERS_RATE_LIMIT]: {
            perUser: config.RATE_LIMIT_ORDERS_PER_USER,
            perAddress: config.RATE_LIMIT_ORDERS_PER_ADDRESS,
          },
        }),
        OrderMetricsModule,
        OrdersModule,
        SaleModule,
        SaleAuditModule,
      ],
    };
  }
}
