import type { InFlightOrder, UnsettledOrder } from './in-flight-orders.js';
import type { OrderMovement, QueuedCounterChange } from './inventory-catalogue.js';
import type { StockSnapshot } from './stock-counters.store.js';

/** One product's counter compared with what MySQL says it should be. */
export interface CounterCheck {
  productId: string;
  /** The Redis counter, null when missing. */
  counter: number | null;
  /** inventory-service's stock of record. */
  mysqlStock: number;
  /**
   * Units Redis has taken that MySQL has not (net: a cancelled order given back in Redis and not
   * yet restored in MySQL, as an earlier version did, counts negative).
   */
  inFlight: number;
  /** Admin deltas in MySQL stock not yet applied to the counter (queued in redis_outbox). */
  queued: number;
  /**
   * A queued admin change that sets or removes the counter (a product created, initialized or
   * deleted) is not applied yet: the counter is left to it, nothing is repaired or rebuilt.
   */
  awaitingAdmin: boolean;
  /** mysqlStock - inFlight - queued: what the counter should have held at the snapshot. */
  expected: number;
  /** expected - counter (0 when the counter is missing). */
  drift: number;
}

/**
 * What the reconciler read, in this order (each read's place matters, see {@link checkCounters}):
 * inventory-service's ledger mark, the unsettled orders, the Redis snapshot, inventory-service's
 * snapshot (stock, queued changes and ledger rows, one consistent read), then the order rows.
 */
export interface ReconcileInputs {
  /** Stock of record per product, from inventory-service's snapshot. */
  mysqlStock: Map<string, number>;
  snapshots: StockSnapshot[];
  /** Unsettled orders, read before the Redis snapshot. */
  unsettled: UnsettledOrder[];
  /**
   * Unsettled orders read again after inventory-service's snapshot (only while some counter is
   * not to be trusted: orders reserved just before Redis lost its data, or went back in time, may
   * be recorded late, and a reservation nobody recorded may be recorded by the sweeper meanwhile).
   */
  lateUnsettled?: InFlightOrder[];
  /** Ids of reservations that have an order row (any status). */
  recorded: Set<string>;
  /** inventory-service's ledger rows of the orders concerned (from its snapshot). */
  movements: Iterable<OrderMovement>;
  /** The reservation sequence of orders that have ledger rows and no reservation (null: none). */
  sequences: Map<string, number | null>;
  /** Admin changes queued for Redis, from the same snapshot as the stock. */
  queued?: QueuedCounterChange[];
}

/**
 * The expected counter of each product at its Redis snapshot, exactly or erring low, never high.
 *
 * For every order o, let r(o) be the units the Redis counter had taken for it at the snapshot
 * (its quantity while reserved and not given back, else 0) and m(o) the units MySQL holds for it
 * in inventory-service's snapshot (its deduction minus its restoration, from the ledger). MySQL
 * stock at the Redis snapshot was the stock read later plus whatever orders took since, so
 *
 *     expected = MySQL stock - sum over orders of (r(o) - m(o)) - admin deltas still queued.
 *
 * Orders with r = m (settled) add nothing; the others are found as follows.
 *
 * A trusted counter (present and ready) lists its reservations in the same Redis snapshot: each
 * has r = quantity. Among the other orders:
 * - a give-back due (read before the snapshot; a cancelled order's waits for its restore's
 *   answer): r = quantity, or 0 if given back since; taking the quantity errs low;
 * - a cancelled order given back whose restore MySQL has not confirmed (an earlier version gave
 *   back at cancel time; read before the snapshot, so given back before it): r = 0, so its
 *   units MySQL still holds count;
 * - any other order with ledger rows since inventory-service's mark (taken before the snapshot):
 *   reserved after the snapshot (a higher sequence) has r = 0, and its deduction, already in the
 *   stock read, is added back; otherwise r is taken as its quantity (exact for an order answered
 *   and forgotten before the snapshot, low for one given back).
 * Orders with no ledger row since the mark kept r = m across it.
 *
 * An untrusted counter (missing, or not ready: Redis lost data) has no reservations to believe:
 * every PENDING order and every give-back due has r = quantity, so do reservations without an
 * order row, and a cancelled order given back before the loss r = 0.
 *
 * This replaces "subtract every PENDING order": an order inventory-service has deducted and whose
 * answer is on its way is in the stock read and would be subtracted a second time.
 */
export function checkCounters(input: ReconcileInputs): CounterCheck[] {
  const net = new Map<string, number>();
  const sizeOf = new Map<string, number>();
  const moversOf = new Map<string, Set<string>>();
  for (const movement of input.movements) {
    net.set(movement.orderId, (net.get(movement.orderId) ?? 0) - movement.delta);
    sizeOf.set(
      movement.orderId,
      Math.max(sizeOf.get(movement.orderId) ?? 0, Math.abs(movement.delta)),
    );
    const movers = moversOf.get(movement.productId) ?? new Set<string>();
    movers.add(movement.orderId);
    moversOf.set(movement.productId, movers);
  }
  const unsettledOf = groupBy(input.unsettled);
  const lateOf = groupBy(input.lateUnsettled ?? []);

  const checks: CounterCheck[] = [];
  for (const snapshot of input.snapshots) {
    const mysqlStock = input.mysqlStock.get(snapshot.productId);
    if (mysqlStock === undefined) continue;
    const unsettled = unsettledOf.get(snapshot.productId) ?? [];
    /** r(o) of the orders that may differ from m(o). */
    const held = new Map<string, number>();
    if (snapshot.counter !== null && snapshot.ready) {
      for (const r of snapshot.reservations) held.set(r.orderId, r.quantity);
      for (const order of unsettled) {
        if (held.has(order.id) || order.kind === 'pending') continue;
        held.set(order.id, order.kind === 'restore-due' ? 0 : order.quantity);
      }
      for (const orderId of moversOf.get(snapshot.productId) ?? []) {
        if (held.has(orderId)) continue;
        const sequence = input.sequences.get(orderId) ?? null;
        held.set(
          orderId,
          sequence !== null && sequence > snapshot.sequence ? 0 : (sizeOf.get(orderId) ?? 0),
        );
      }
    } else {
      for (const order of [...unsettled, ...(lateOf.get(snapshot.productId) ?? [])]) {
        if (held.has(order.id)) continue;
        held.set(order.id, 'kind' in order && order.kind === 'restore-due' ? 0 : order.quantity);
      }
      for (const r of snapshot.reservations) {
        if (!held.has(r.orderId) && !input.recorded.has(r.orderId)) held.set(r.orderId, r.quantity);
      }
    }
    let inFlight = 0;
    for (const [orderId, units] of held) inFlight += units - (net.get(orderId) ?? 0);

    // Only changes the counter did not hold when it was read (ids above the applied marker): one
    // applied since moved the marker, and the repair is then refused (adjust-counter.lua).
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

function groupBy<T extends { productId: string }>(items: T[]): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const group = groups.get(item.productId) ?? [];
    group.push(item);
    groups.set(item.productId, group);
  }
  return groups;
}

/** Reservation ids of the snapshots that are not among the unsettled orders. */
export function unexplainedReservations(
  snapshots: StockSnapshot[],
  unsettled: InFlightOrder[],
): string[] {
  const known = new Set(unsettled.map((o) => o.id));
  return snapshots.flatMap((s) =>
    s.reservations.filter((r) => !known.has(r.orderId)).map((r) => r.orderId),
  );
}

/** Order ids with ledger rows that are neither reserved nor among the unsettled orders. */
export function movedOutsideSnapshot(
  snapshots: StockSnapshot[],
  unsettled: InFlightOrder[],
  movements: Iterable<OrderMovement>,
): string[] {
  const known = new Set(unsettled.map((o) => o.id));
  for (const s of snapshots) for (const r of s.reservations) known.add(r.orderId);
  const ids = new Set<string>();
  for (const m of movements) if (!known.has(m.orderId)) ids.add(m.orderId);
  return [...ids];
}
