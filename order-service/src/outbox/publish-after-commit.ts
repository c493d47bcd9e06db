import { Injectable, Logger } from '@nestjs/common';
import { FailPoints } from '../fail-points.js';
import type { NewOrder } from '../orders/order.js';
import { AfterOrdersCommitted, InventoryRequests } from '../orders/order-pipeline.ports.js';

const WARN_EVERY_MS = 5_000;

/**
 * Publishes a committed insert batch's inventory requests at once (one producer call), without
 * making the requests wait for Kafka. If that fails, the rows are the outbox: the relay
 * publishes them when their time comes.
 */
@Injectable()
export class PublishAfterCommit extends AfterOrdersCommitted {
  private readonly logger = new Logger(PublishAfterCommit.name);
  private lastWarningAt = 0;
  private failedSinceWarning = 0;

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
      .catch((error: Error) => this.failed(orders.length, error));
  }

  /**
   * During a Kafka outage every batch fails (most at once, refused by the client's bounded send
   * queue): one warning per few seconds, with the count, instead of hundreds a second.
   */
  private failed(count: number, error: Error): void {
    this.failedSinceWarning += count;
    const now = Date.now();
    if (now - this.lastWarningAt < WARN_EVERY_MS) return;
    this.logger.warn(
      `publishing ${this.failedSinceWarning} inventory request(s) failed, the relay will ` +
        `republish them: ${error.message}`,
    );
    this.lastWarningAt = now;
    this.failedSinceWarning = 0;
  }
}
