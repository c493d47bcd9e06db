import type { InFlightOrder } from './in-flight-orders.js';
import type { QueuedCounterChange } from './inventory-catalogue.js';
import type { StockSnapshot } from './stock-counters.store.js';

/** One product's counter compared with what MySQL says it should be. */
export interface CounterCheck {
  productId: string;
  /** The Redis counter, null when missing. */
  counter: number | null;
  /** inventory-service's stock of record. */
  mysqlStock: number;
  /** Units taken in Redis and not yet applied in MySQL. */
  inFlight: number;
  /** Admin deltas in MySQL stock not yet applied to the counter (queued in redis_outbox). */
  queued: number;
  /**
   * A queued admin change that sets or removes the counter (a product created, initialized or
   * deleted) is not applied yet: the counter is left to it, nothing is repaired or rebuilt.
   */
  awaitingAdmin: boolean;
  /** mysqlStock - inFlight - queued. */
  expected: number;
  /** expected - counter (0 when the counter is missing). */
  drift: number;
}

/**
 * Expected counter = MySQL stock - units in flight - admin deltas still queued for Redis, where "in flight" are the orders whose units
 * Redis has taken and MySQL has not: PENDING orders, orders whose give-back is due, and
 * reservations that have no order row yet. Inputs must be read in this order: the Redis snapshot,
 * then the orders, then MySQL stock; every race then makes `expected` too low, never too high
 * (an order applied between two reads is subtracted twice; a reservation made after the snapshot
 * is in neither the counter nor the reservations but, once recorded, in the orders).
 */
export function checkCounters(input: {
  mysqlStock: Map<string, number>;
  snapshots: StockSnapshot[];
  inFlight: InFlightOrder[];
  /** Ids of reservations that have an order row (any status). */
  recorded: Set<string>;
  /** Admin changes queued for Redis, read after the MySQL stock. */
  queued?: QueuedCounterChange[];
}): CounterCheck[] {
  const inFlightIds = new Set<string>();
  const units = new Map<string, number>();
  const add = (productId: string, quantity: number) =>
    units.set(productId, (units.get(productId) ?? 0) + quantity);
  for (const order of input.inFlight) {
    if (inFlightIds.has(order.id)) continue;
    inFlightIds.add(order.id);
    add(order.productId, order.quantity);
  }
  for (const snapshot of input.snapshots) {
    for (const r of snapshot.reservations) {
      // Recorded orders are counted (or not) by their row; only unrecorded ones count here.
      if (inFlightIds.has(r.orderId) || input.recorded.has(r.orderId)) continue;
      add(snapshot.productId, r.quantity);
    }
  }
  const checks: CounterCheck[] = [];
  for (const snapshot of input.snapshots) {
    const mysqlStock = input.mysqlStock.get(snapshot.productId);
    if (mysqlStock === undefined) continue;
    const inFlight = units.get(snapshot.productId) ?? 0;
    // Only changes the counter did not hold when it was read (ids above the applied marker): one
    // applied since is not in the snapshot's counter either, and counted here; the repair's
    // compare-and-set then fails on the counter it moved.
    let queued = 0;
    let awaitingAdmin = false;
    for (const change of input.queued ?? []) {
      if (change.productId !== snapshot.productId || change.id <= snapshot.appliedChangeId) {
        continue;
      }
      if (change.counterOp === 'ADJUST') queued += change.amount ?? 0;
      else if (change.counterOp !== 'NONE') awaitingAdmin = true;
    }
    const expected = mysqlStock - inFlight - queued;
    checks.push({
      productId: snapshot.productId,
      counter: snapshot.counter,
      mysqlStock,
      inFlight,
      queued,
      awaitingAdmin,
      expected,
      drift: snapshot.counter === null ? 0 : expected - snapshot.counter,
    });
  }
  return checks;
}

/** Reservation ids of the snapshots that are not among the in-flight orders. */
export function unexplainedReservations(
  snapshots: StockSnapshot[],
  inFlight: InFlightOrder[],
): string[] {
  const known = new Set(inFlight.map((o) => o.id));
  return snapshots.flatMap((s) =>
    s.reservations.filter((r) => !known.has(r.orderId)).map((r) => r.orderId),
  );
}
