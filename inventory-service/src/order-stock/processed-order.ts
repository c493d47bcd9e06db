import type { InventoryFailureReason } from '@flash-sale/contracts';

/** What inventory-service recorded for an order id. */
export const OrderOutcome = {
  /** The units were deducted; the order may be confirmed. */
  Deducted: 'DEDUCTED',
  /** Nothing was deducted; `reason` says why. */
  Refused: 'REFUSED',
  /**
   * The order was cancelled (a restore arrived) before its request: nothing was deducted, and a
   * late request for it deducts nothing either.
   */
  Cancelled: 'CANCELLED',
} as const;
export type OrderOutcome = (typeof OrderOutcome)[keyof typeof OrderOutcome];

/** A row of `processed_orders`. */
export interface ProcessedOrder {
  orderId: string;
  productId: string;
  quantity: number;
  outcome: OrderOutcome;
  reason: InventoryFailureReason | null;
  processedAt: Date;
  /** When a restore for the order was handled (whether or not it gave units back). */
  restoredAt: Date | null;
  /** Units the restore gave back: the order's quantity after a deduction, else 0. */
  restoredQuantity: number | null;
  /** The buyer; null on rows recorded before the per-user backstop existed. */
  userId: string | null;
  /**
   * Whether the deduction raised the buyer's `user_product_units` (a capped product's): a restore
   * lowers them again only then.
   */
  userCounted: boolean;
}
