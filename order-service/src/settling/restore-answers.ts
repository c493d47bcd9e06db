import { Injectable, Logger } from '@nestjs/common';
import type { InventoryRestoreResponse } from '@flash-sale/contracts';
import { OrderSettlement } from '../orders/order-settlement.js';
import { OrderStatus } from '../orders/order.js';
import { OrdersRepository } from '../orders/orders.repository.js';
import { mismatchOf, type MismatchedAnswer } from './inventory-answers.js';

/** What one batch of restore answers did (for tests and logs). */
export interface RestoreAnswersApplied {
  /** Orders whose restore is recorded as done now. */
  done: string[];
  /** Answers that do not describe their order, or name one no restore was asked for. */
  mismatched: MismatchedAnswer<InventoryRestoreResponse>[];
}

/**
 * Applies inventory-service's answers to restores (`inventory-restore-response`): the order's
 * restore becomes `DONE`, and the relay stops resending it. Whatever the outcome (restored, nothing
 * was deducted, product deleted), the stock of record is settled for that order, so its units go
 * back to Redis now, counter and buyer's total at once: not before (see OrdersService.cancel). An
 * order cancelled by an earlier version, whose stock went back at cancel time, has only its
 * buyer's total left to give back. An answer whose product or quantity differ from the order's,
 * or for an order that asked for no restore, changes nothing and is handed back to be
 * dead-lettered. Answers for unknown orders and repeats are ignored.
 */
@Injectable()
export class RestoreAnswers {
  private readonly logger = new Logger(RestoreAnswers.name);

  constructor(
    private readonly orders: OrdersRepository,
    private readonly settlement: OrderSettlement,
  ) {}

  async apply(answers: InventoryRestoreResponse[]): Promise<RestoreAnswersApplied> {
    const orders = new Map(
      (await this.orders.findByIds(answers.map((a) => a.orderId))).map((o) => [o.id, o]),
    );
    const matching: string[] = [];
    const mismatched: MismatchedAnswer<InventoryRestoreResponse>[] = [];
    for (const answer of answers) {
      const order = orders.get(answer.orderId);
      if (!order) continue;
      const reason =
        mismatchOf(order, answer) ??
        (order.restore === null
          ? `order ${order.id} is ${order.status} and asked for no restore`
          : undefined);
      if (reason) mismatched.push({ answer, order, reason });
      else matching.push(order.id);
    }
    const done = await this.settlement.restoresAnswered(matching);
    // Only the answers that made the restore done now: once per order.
    const answered = [...new Set(done)].flatMap((id) => {
      const order = orders.get(id);
      return order && order.status === OrderStatus.Cancelled ? [order] : [];
    });
    // Read before the restore became done; no give-back of a cancelled order runs before that
    // (claimStockReleaseDue waits for it too), so DONE here means "given back at cancel time".
    const givenBackEarlier = answered.filter((o) => o.stockRelease === 'DONE');
    const toGiveBack = answered.filter((o) => o.stockRelease === 'DUE');
    // If either fails, the order row says so and the relay finishes the give-back (the buyer's
    // total alone is not retried: it stays too high, refusing early, until the next rebuild).
    await this.settlement.bestEffort('giving back cancelled orders', () =>
      this.settlement.giveBack(toGiveBack, { dropIdempotencyKey: false }),
    );
    await this.settlement.bestEffort("taking cancelled orders off their buyers' totals", () =>
      this.settlement.userUnitsBack(givenBackEarlier),
    );
    for (const { reason } of mismatched) this.logger.warn(`refused a restore answer: ${reason}`);
    if (done.length > 0) this.logger.debug(`restores answered: ${done.length}`);
    return { done, mismatched };
  }
}
