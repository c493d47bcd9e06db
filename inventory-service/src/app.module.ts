import { DynamicModule, Module } from '@nestjs/common';
import { CoreModule, type KafkaModuleOptions, type ServiceInfo } from '@flash-sale/common';
import { Topics } from '@flash-sale/contracts';
import type { InventoryServiceConfig } from './config.js';
import { migrations } from './database/migrations/index.js';
import { OrderStockModule } from './order-stock/order-stock.module.js';
import { ProductsModule } from './products/products.module.js';
import { StockLedgerModule } from './stock-ledger/stock-ledger.module.js';

/** Settings tests and benchmarks change: their own consumer group, starting at the newest offset. */
export interface AppModuleOverrides {
  kafka?: Partial<Pick<KafkaModuleOptions, 'groupId' | 'startFrom' | 'maxBatchSize'>>;
  /**
   * Leaves out the Kafka consumers (tests of the HTTP side only). The shared consumer cannot stop
   * while it still waits for Kafka to come up for the first time, so an app started with Kafka
   * unreachable would never finish closing.
   */
  withoutConsumers?: boolean;
}

@Module({})
export class AppModule {
  static register(
    config: InventoryServiceConfig,
    info: ServiceInfo,
    overrides: AppModuleOverrides = {},
  ): DynamicModule {
    return {
      module: AppModule,
      imports: [
        CoreModule.forRoot({
          info,
          config,
          database: { entities: [], migrations },
          kafka: {
            groupId: config.INVENTORY_KAFKA_GROUP_ID,
            startFrom: config.INVENTORY_KAFKA_START_FROM,
            topics: [
              Topics.InventoryRequest,
              Topics.InventoryResponse,
              Topics.InventoryRestore,
              Topics.InventoryRestoreResponse,
            ],
            ...overrides.kafka,
          },
        }),
        ProductsModule,
        StockLedgerModule,
        ...(overrides.withoutConsumers ? [] : [OrderStockModule]),
      ],
    };
  }
}
