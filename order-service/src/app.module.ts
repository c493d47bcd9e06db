import { DynamicModule, Module } from '@nestjs/common';
import { CoreModule, type ServiceInfo } from '@flash-sale/common';
import { Topics } from '@flash-sale/contracts';
import type { OrderServiceConfig } from './config.js';
import { migrations } from './database/migrations/index.js';

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
            groupId: 'order-service',
            topics: [Topics.InventoryRequest, Topics.InventoryResponse, Topics.InventoryRestore],
          },
        }),
      ],
    };
  }
}
