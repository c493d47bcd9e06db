import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { KafkaClient } from '@flash-sale/common';
import { Topics } from '@flash-sale/contracts';
import { InventoryRequests, type InventoryRequestOrder } from '../orders/order-pipeline.ports.js';
import { STOCK_SETTINGS, type StockSettings } from '../stock/stock-settings.js';

/**
 * {@link InventoryRequests} over Kafka, keyed by product id (so one product's requests stay in
 * order on one partition). One producer call per batch.
 */
@Injectable()
export class InventoryPublisher extends InventoryRequests {
  constructor(
    private readonly kafka: KafkaClient,
    @Inject(STOCK_SETTINGS) private readonly settings: Pick<StockSettings, 'defaultMaxPerUser'>,
  ) {
    super();
  }

  async requestDeductions(orders: InventoryRequestOrder[]): Promise<void> {
    const requestedAt = new Date().toISOString();
    await this.kafka.publish(
      Topics.InventoryRequest,
      orders.map((o) => ({
        key: o.productId,
        requestId: o.requestId ?? undefined,
        value: {
          schemaVersion: 1 as const,
          messageId: randomUUID(),
          orderId: o.id,
          userId: o.userId,
          productId: o.productId,
          quantity: o.quantity,
          requestedAt,
          // The cap Redis applies to a product without its own, so that inventory-service holds
          // the buyer to the same cap at the stock of record (the backstop when Redis lost count).
          defaultMaxPerUser: this.settings.defaultMaxPerUser,
        },
      })),
    );
  }

  async requestRestores(
    orders: { id: string; productId: string; quantity: number }[],
  ): Promise<void> {
    const requestedAt = new Date().toISOString();
    await this.kafka.publish(
      Topics.InventoryRestore,
      orders.map((o) => ({
        key: o.productId,
        value: {
          schemaVersion: 1 as const,
          messageId: randomUUID(),
          orderId: o.id,
          productId: o.productId,
          quantity: o.quantity,
          requestedAt,
        },
      })),
    );
  }
}
