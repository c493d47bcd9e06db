import { Injectable, Logger } from '@nestjs/common';
import type { InventoryResponse } from '@flash-sale/contracts';
import { OrderSettlement } from '../orders/order-settlement.js';
import { canTransition } from '../orders/order-state.js';
import { OrderStatus, type Order } from '../orders/order.js';
import { OrdersRepository, type OrderChange } from '../orders/orders.repository.js';

/** An answer that does not describe its order: forged, or a bug. It changes nothing. */
export interface MismatchedAnswer<A> {
  answer: A;
  order: Order;
  /** Why, for the dead-letter header. */
  reason: string;
}

/** What one batch of answers changed (for tests and logs). */
export interface AnswersApplied {
  confirmed: Order[];
  failed: Order[];
  restored: Order[];
  /** Answers whose product or quantity differ from their order's: to be dead-lettered. */
  mismatched: MismatchedAnswer<InventoryResponse>[];
}

/**
 * Why `answer` cannot be about `order` (its product or quantity differ), or undefined when it
 * can. inventory-service answers from its record of the request, which order-service wrote from
 * the order, so any difference means the answer was not made from this order's request.
 */
export function mismatchOf(
  order: Pick<Order, 'id' | 'productId' | 'quantity'>,
  answer: { productId: string; quantity: number },
): string | undefined {
  if (answer.productId === order.productId && answer.quantity === order.quantity) return undefined;
  return (
    `order ${order.id} is ${order.quantity} x ${order.productId}; ` +
    `the answer names ${answer.quantity} x ${answer.productId}`
  );
}

/**
 * Applies inventory-service's answers. Each answer is first checked against its order: one whose
 * product or quantity differ changes nothing and is handed back as mismatched (the Kafka edge
 * dead-letters it), so a forged `success` cannot confirm an order. In one transaction the answered
 * orders are locked and each changes only as the state table allows: PENDING -> CONFIRMED on success, PENDING -> FAILED (with
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
    // Order ids are lower case (the schema refuses others), as order-service writes them.
    const byOrder = new Map<string, InventoryResponse[]>();
    for (const answer of answers) {
      const list = byOrder.get(answer.orderId);
      if (list) list.push(answer);
      else byOrder.set(answer.orderId, [answer]);
    }
    const applied: AnswersApplied = { confirmed: [], failed: [], restored: [], mismatched: [] };

    await this.orders.changeLocked([...byOrder.keys()], (orders) => {
      const changes: OrderChange[] = [];
      // Called again when the transaction is retried after a deadlock: start afresh each time.
      Object.assign(applied, { confirmed: [], failed: [], restored: [], mismatched: [] });
      for (const order of orders) {
        // The last matching answer per order wins (duplicates carry the same recorded outcome).
        let answer: InventoryResponse | undefined;
        for (const candidate of byOrder.get(order.id) ?? []) {
          const reason = mismatchOf(order, candidate);
          if (reason) applied.mismatched.push({ answer: candidate, order, reason });
          else answer = candidate;
        }
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
    for (const { reason } of applied.mismatched) {
      this.logger.warn(`refused an inventory answer: ${reason}`);
    }
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
  // Cancelled before the answer came, by an earlier version that did not always ask for a
  // restore: the deduction happened after all, so undo it in MySQL. Only once: a cancel of a
  // CONFIRMED order, or an earlier copy of this answer, already made the restore due.
  if (order.status === OrderStatus.Cancelled && answer.success && order.restore === null) {
    return { id: order.id, restoreDue: true };
  }
  return undefined;
}
