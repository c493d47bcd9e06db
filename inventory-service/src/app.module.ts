import { DynamicModule, Module } from '@nestjs/common';
import { CoreModule, type ServiceInfo } from '@flash-sale/common';
import { Topics } from '@flash-sale/contracts';
import type { InventoryServiceConfig } from './config.js';
import { migrations } from './database/migrations/index.js';

@Module({})
export class AppModule {
  static register(config: InventoryServiceConfig, info: ServiceInfo): DynamicModule {
    return {
      module: AppModule,
      imports: [
        CoreModule.forRoot({
          info,
          config,
          database: { entities: [], migrations },
          kafka: {
            groupId: 'inventory-service',
            topics: [Topics.InventoryRequest, Topics.InventoryResponse, Topics.InventoryRestore],
          },
        }),
      ],
    };
  }
}
