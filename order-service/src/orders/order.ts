/** The states of an order. */
export const OrderStatus = {
  Pending: 'PENDING',
  Confirmed: 'CONFIRMED',
  Failed: 'FAILED',
  Cancelled: 'CANCELLED',
} as const;
export type OrderStatus = (typeof OrderStatus)[keyof typeof OrderStatus];

/** An order as stored. */
export interface Order {
  id: string;
  userId: string;
  productId: string;
  quantity: number;
  unitPriceCents: number;
  totalCents: number;
  status: OrderStatus;
  failureReason: string | null;
  idempotencyKey: string | null;
  /** Whether the order's Redis units must go back (`DUE`) or went back (`DONE`). */
  stockRelease: 'DUE' | 'DONE' | null;
  /**
   * The restore of a cancelled order's units in MySQL: to send (`DUE`), sent and resent until
   * inventory-service answers (`SENT`), answered (`DONE`: given back, or nothing to give back).
   */
  restore: 'DUE' | 'SENT' | 'DONE' | null;
  createdAt: Date;
  updatedAt: Date;
}

/** A row the hot path inserts as PENDING. */
export interface NewOrder {
  id: string;
  userId: string;
  productId: string;
  quantity: number;
  unitPriceCents: number;
  totalCents: number;
  idempotencyKey: string | null;
  requestId: string | null;
  createdAt: Date;
  /** When the relay publishes it again if it is still unanswered. */
  nextPublishAt: Date;
  /**
   * The product's Redis reservation sequence this order's reservation got (see
   * StockKeys.sequence): MySQL's proof of how far Redis had gone, to catch a Redis that goes back.
   */
  stockSeq?: number | null;
}

/** A token subject that can own orders: user-service's numeric user id (BIGINT UNSIGNED). */
export function isCustomerId(subject: string): boolean {
  return /^[1-9][0-9]{0,19}$/.test(subject);
}
