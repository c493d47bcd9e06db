import { Injectable, Logger } from '@nestjs/common';
import { FailPoints } from '../fail-points.js';
import type { NewOrder } from '../orders/order.js';
import { AfterOrdersCommitted, InventoryRequests } from '../orders/order-pipeline.ports.js';

/**
 * Publishes a committed insert batch's inventory requests at once (one producer call), without
 * making the requests wait for Kafka. If that fails, the rows are the outbox: the relay
 * publishes them when their time comes.
 */
@Injectable()
export class PublishAfterCommit extends AfterOrdersCommitted {
  private readonly logger = new Logger(PublishAfterCommit.name);

  constructor(
    private readonly inventory: InventoryRequests,
    private readonly failPoints: FailPoints,
  ) {
    super();
  }

  committed(orders: NewOrder[]): void {
    this.failPoints.reached('after-insert');
    this.inventory
      .requestDeductions(orders)
      .then(() => this.failPoints.reached('after-publish'))
      .catch((error: Error) => {
        this.logger.warn(
          `publishing ${orders.length} inventory request(s) failed: ${error.message}`,
        );
      });
  }
}
