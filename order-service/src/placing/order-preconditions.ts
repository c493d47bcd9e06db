import { isCustomerId } from '../orders/order.js';

/** Why an order is refused before any stock is reserved. */
export type EarlyRefusal = 'not-a-customer' | 'overloaded' | 'sold-out';

/** The in-memory state the early checks read (no I/O). */
export interface EarlyCheckState {
  /** MySQL not keeping up with the inserts (see OrderInsertBatcher.isOverloaded). */
  backpressure: { isOverloaded(): boolean };
  soldOut: { isSoldOut(productId: string): boolean };
}

/**
 * The checks {@link OrdersService.place} makes before touching Redis, in its order: a token that
 * names a customer (else 401), MySQL keeping up with the inserts (else 503), and, only without an
 * Idempotency-Key (a retry may be for an order accepted before the sell-out: Redis answers it with
 * that order), no sold-out mark (else 409). The sold-out gate refuses exactly when this answers
 * `sold-out`, so both give the same answer.
 */
export function earlyRefusal(
  order: { userId: string; productId: string; hasIdempotencyKey: boolean },
  state: EarlyCheckState,
): EarlyRefusal | undefined {
  if (!isCustomerId(order.userId)) return 'not-a-customer';
  if (state.backpressure.isOverloaded()) return 'overloaded';
  if (!order.hasIdempotencyKey && state.soldOut.isSoldOut(order.productId)) return 'sold-out';
  return undefined;
}
