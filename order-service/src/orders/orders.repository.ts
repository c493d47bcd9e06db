import type { NewOrder, Order, OrderStatus } from './order.js';

/** A row the hot path could not insert because a unique key already holds it. */
export type InsertConflict = 'duplicate-idempotency-key' | 'duplicate-id';

/** The database refused a batch because of a duplicate key (one of the rows, unknown which). */
export class DuplicateOrderError extends Error {
  override name = 'DuplicateOrderError';
}

/** A change to one locked order, decided by the caller from the state table. */
export interface OrderChange {
  id: string;
  status?: OrderStatus;
  failureReason?: string;
  /** The order's Redis units must now go back. */
  stockReleaseDue?: boolean;
  /** inventory-service must now put the order's units back in MySQL. */
  restoreDue?: boolean;
}

/** What the relay needs to (re)publish an inventory request. */
export interface PendingOrder {
  id: string;
  userId: string;
  productId: string;
  quantity: number;
  requestId: string | null;
  createdAt: Date;
}

export interface OrderPage {
  orders: Order[];
  /** Position after the last order, when there may be more. */
  next: { createdAt: Date; id: string } | null;
}

/**
 * Storage of orders, which is also the pipeline's outbox (see the migration). An abstract class
 * so it doubles as the injection token; the services depend on this, never on the driver.
 */
export abstract class OrdersRepository {
  /** One multi-row INSERT of PENDING orders; {@link DuplicateOrderError} if a key is taken. */
  abstract insertMany(orders: NewOrder[]): Promise<void>;

  /** Inserts one PENDING order; reports which unique key refused it, if one did. */
  abstract insertOne(order: NewOrder): Promise<InsertConflict | null>;

  /**
   * Records abandoned reservations as FAILED orders (with their give-back due) unless a row with
   * the id exists; returns the ids that were recorded now. The row is the arbiter: whoever
   * inserts the id first (the hot path or this) decides what happens to the units.
   */
  abstract insertAbandoned(
    orders: Omit<NewOrder, 'requestId' | 'nextPublishAt'>[],
  ): Promise<string[]>;

  abstract findById(id: string): Promise<Order | null>;

  abstract findByIdempotencyKey(userId: string, key: string): Promise<Order | null>;

  /** The statuses of whichever of `ids` exist. */
  abstract findStatuses(ids: string[]): Promise<Map<string, OrderStatus>>;

  /** A user's orders, newest first, after `after` when given. */
  abstract listByUser(
    userId: string,
    limit: number,
    after?: { createdAt: Date; id: string },
  ): Promise<OrderPage>;

  /**
   * Locks the orders among `ids` (in id order) for one transaction, lets `decide` look at them,
   * applies its changes and commits. Returns the orders as they were before the changes.
   */
  abstract changeLocked(
    ids: string[],
    decide: (orders: Order[]) => OrderChange[],
  ): Promise<Order[]>;

  abstract markStockReleased(ids: string[]): Promise<void>;

  /**
   * Records restores as sent (unless already answered) and when to send them again if no answer
   * comes: `resendAfterMs` doubled per attempt, at most a minute.
   */
  abstract markRestoreSent(ids: string[], resendAfterMs: number): Promise<void>;

  /** Records restores as answered by inventory-service; returns the ids that changed now. */
  abstract markRestoreDone(ids: string[]): Promise<string[]>;

  /** The orders among `ids` that exist. */
  abstract findByIds(ids: string[]): Promise<Order[]>;

  /**
   * Claims PENDING orders whose (re)publish is due, oldest first: rows no other relay holds a
   * live lease on are leased to `lease.owner` for `lease.leaseMs` (see {@link RelayLease}).
   */
  abstract claimDueForPublish(lease: RelayLease, limit: number): Promise<PendingOrder[]>;

  /** Pushes the next publish back: `baseDelayMs` doubled per attempt, at most a minute. */
  abstract reschedulePublish(ids: string[], baseDelayMs: number): Promise<void>;

  /** Claims orders whose Redis give-back is due and was not done within `graceMs` of the change. */
  abstract claimStockReleaseDue(
    lease: RelayLease,
    graceMs: number,
    limit: number,
  ): Promise<Order[]>;

  /**
   * Claims cancelled orders whose restore is to be sent: due and not sent within `graceMs` of the
   * change, or sent and not answered by their `next_restore_at`.
   */
  abstract claimRestoreDue(lease: RelayLease, graceMs: number, limit: number): Promise<Order[]>;

  /** Ends `owner`'s leases on `ids` (the work is done, or failed and may be retried at once). */
  abstract releaseClaims(owner: string, ids: string[]): Promise<void>;
}

/**
 * A relay's claim on outbox rows. While the lease lasts no other relay takes the rows, so N
 * instances share the backlog and each row is published once per lease; if the owner dies, the
 * rows are taken over when the lease expires.
 */
export interface RelayLease {
  /** Unique per relay instance (host, pid, random part). */
  owner: string;
  leaseMs: number;
}
