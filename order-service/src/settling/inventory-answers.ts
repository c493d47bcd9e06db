import { Injectable, Logger } from '@nestjs/common';
import type { InventoryResponse } from '@flash-sale/contracts';
import { OrderSettlement } from '../orders/order-settlement.js';
import { canTransition } from '../orders/order-state.js';
import { OrderStatus, type Order } from '../orders/order.js';
import { OrdersRepository, type OrderChange } from '../orders/orders.repository.js';

/** What one batch of answers changed (for tests and logs). */
export interface AnswersApplied {
  confirmed: Order[];
  failed: Order[];
  restored: Order[];
}

/**
 * Applies inventory-service's answers. In one transaction the answered orders are locked and each
 * changes only as the state table allows: PENDING -> CONFIRMED on success, PENDING -> FAILED (with
 * the reason, and its give-back due) on failure; a success for an order cancelled while it was
 * PENDING makes its restore due. Redelivered answers change nothing. After the commit, only the
 * orders that actually changed get their side effects; any that fail are retried by the relay.
 */
@Injectable()
export class InventoryAnswers {
  private readonly logger = new Logger(InventoryAnswers.name);

  constructor(
    private readonly orders: OrdersRepository,
    private readonly settlement: OrderSettlement,
  ) {}

  async apply(answers: InventoryResponse[]): Promise<AnswersApplied> {
    // The last answer per order wins (duplicates carry the same recorded outcome anyway).
    const byOrder = new Map<string, InventoryResponse>();
    for (const answer of answers) byOrder.set(answer.orderId.toLowerCase(), answer);
    const applied: AnswersApplied = { confirmed: [], failed: [], restored: [] };

    await this.orders.changeLocked([...byOrder.keys()], (orders) => {
      const changes: OrderChange[] = [];
      for (const order of orders) {
        const answer = byOrder.get(order.id);
        if (!answer) continue;
        const change = decide(order, answer);
        if (!change) continue;
        changes.push(change);
        if (change.status === OrderStatus.Confirmed) applied.confirmed.push(order);
        else if (change.status === OrderStatus.Failed) {
          applied.failed.push({ ...order, failureReason: change.failureReason ?? null });
        } else if (change.restoreDue) applied.restored.push(order);
      }
      return changes;
    });

    await this.settlement.bestEffort('forgetting confirmed reservations', () =>
      this.settlement.forgetReservations(applied.confirmed),
    );
    await this.settlement.bestEffort('giving back failed orders', () =>
      this.settlement.giveBack(applied.failed, { dropIdempotencyKey: false }),
    );
    await this.settlement.bestEffort('restoring cancelled orders', () =>
      this.settlement.sendRestores(applied.restored),
    );
    if (applied.confirmed.length + applied.failed.length + applied.restored.length > 0) {
      this.logger.debug(
        `answers: ${applied.confirmed.length} confirmed, ${applied.failed.length} failed, ` +
          `${applied.restored.length} restores`,
      );
    }
    return applied;
  }
}

/** The change one answer makes to one order, per the state table; undefined for none. */
export function decide(order: Order, answer: InventoryResponse): OrderChange | undefined {
  if (order.status === OrderStatus.Pending) {
    if (answer.success) {
      return canTransition(order.status, OrderStatus.Confirmed)
        ? { id: order.id, status: OrderStatus.Confirmed }
        : undefined;
    }
    return canTransition(order.status, OrderStatus.Failed)
      ? {
          id: order.id,
          status: OrderStatus.Failed,
          failureReason: answer.reason ?? 'UNKNOWN',
          stockReleaseDue: true,
        }
      : undefined;
  }
  // Cancelled before the answer came: the deduction happened after all, so undo it in MySQL
  // (its Redis units went back at cancel time). Only once: a cancel of a CONFIRMED order, or an
  // earlier copy of this answer, already made the restore due.
  if (order.status === OrderStatus.Cancelled && answer.success && order.restore === null) {
    return { id: order.id, restoreDue: true };
  }
  return undefined;
}
