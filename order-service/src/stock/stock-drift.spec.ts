import {
  checkCounters,
  movedOutsideSnapshot,
  unexplainedReservations,
  type ReconcileInputs,
} from './stock-drift.js';
import type { UnsettledOrder } from './in-flight-orders.js';
import type { OrderMovement } from './inventory-catalogue.js';
import type { Reservation } from './reservation.store.js';
import type { StockSnapshot } from './stock-counters.store.js';

function reservation(orderId: string, quantity: number, productId = 'A'): Reservation {
  return {
    orderId,
    productId,
    userId: '1',
    quantity,
    reservedAtMs: 0,
    unitPriceCents: 1,
    idempotencyKey: null,
  };
}

function snapshot(
  productId: string,
  counter: number | null,
  reservations: Reservation[] = [],
  options: Partial<StockSnapshot> = {},
): StockSnapshot {
  return {
    productId,
    counter,
    ready: true,
    product: {},
    reservations,
    appliedChangeId: 0,
    sequence: 100,
    ...options,
  };
}

let nextMovementId = 1;
function deducted(orderId: string, quantity: number, productId = 'A'): OrderMovement {
  nextMovementId += 1;
  return {
    id: String(nextMovementId),
    orderId,
    productId,
    kind: 'ORDER_DEDUCTION',
    delta: -quantity,
  };
}
function restored(orderId: string, quantity: number, productId = 'A'): OrderMovement {
  return { ...deducted(orderId, quantity, productId), kind: 'ORDER_RESTORATION', delta: quantity };
}

function unsettled(
  id: string,
  quantity: number,
  kind: UnsettledOrder['kind'],
  productId = 'A',
): UnsettledOrder {
  return { id, productId, quantity, kind };
}

function check(input: Partial<ReconcileInputs> & Pick<ReconcileInputs, 'snapshots'>) {
  return checkCounters({
    mysqlStock: new Map([['A', 100]]),
    unsettled: [],
    recorded: new Set(),
    movements: [],
    sequences: new Map(),
    ...input,
  });
}

describe(checkCounters.name, () => {
  describe('a trusted counter (present and ready)', () => {
    it('subtracts reserved orders MySQL has not deducted, and only those', () => {
      // MySQL 100 already lacks o2's 4 units (deducted, answer on its way); o1 (2) is not
      // deducted yet. Redis took both: 100 - 2 = 98 expected, whatever o2's answer does.
      const [result] = check({
        snapshots: [snapshot('A', 94, [reservation('o1', 2), reservation('o2', 4)])],
        unsettled: [unsettled('o1', 2, 'pending'), unsettled('o2', 4, 'pending')],
        movements: [deducted('o2', 4)],
      });
      expect(result).toMatchObject({ mysqlStock: 100, inFlight: 2, expected: 98, drift: 4 });
    });

    it('never subtracts a deduction twice: a counter that is right shows no drift', () => {
      // Initial 10; o1 (3) answered and forgotten before the snapshot; o2 (2) reserved and
      // deducted, its answer not consumed. Counter 10 - 3 - 2 = 5; MySQL 5.
      const [result] = check({
        mysqlStock: new Map([['A', 5]]),
        snapshots: [snapshot('A', 5, [reservation('o2', 2)], { sequence: 2 })],
        movements: [deducted('o1', 3), deducted('o2', 2)],
        sequences: new Map([['o1', 1]]),
      });
      expect(result).toMatchObject({ expected: 5, drift: 0 });
    });

    it('adds back the deduction of an order reserved after the Redis snapshot', () => {
      // Counter 10 read at sequence 7; then o8 (3) reserved (sequence 8) and deducted before
      // inventory-service's snapshot: MySQL 7, but the counter read never took those units.
      const [result] = check({
        mysqlStock: new Map([['A', 7]]),
        snapshots: [snapshot('A', 10, [], { sequence: 7 })],
        movements: [deducted('o8', 3)],
        sequences: new Map([['o8', 8]]),
      });
      expect(result).toMatchObject({ inFlight: -3, expected: 10, drift: 0 });
    });

    it('takes an order with ledger rows and no reservation as held unless reserved after the snapshot', () => {
      // o5: sequence unknown (no order row yet, or no sequence): counted as held (errs low).
      const [result] = check({
        mysqlStock: new Map([['A', 7]]),
        snapshots: [snapshot('A', 10, [], { sequence: 7 })],
        movements: [deducted('o5', 3)],
        sequences: new Map([['o5', null]]),
      });
      expect(result).toMatchObject({ inFlight: 0, expected: 7, drift: -3 });
    });

    it('counts units given back in Redis whose restore MySQL has not made', () => {
      // o1 (4) cancelled after its deduction; Redis took it back, MySQL not yet: 96 + 4.
      const [pendingRestore] = check({
        mysqlStock: new Map([['A', 96]]),
        snapshots: [snapshot('A', 100)],
        unsettled: [unsettled('o1', 4, 'restore-due')],
        movements: [deducted('o1', 4)],
      });
      expect(pendingRestore).toMatchObject({ inFlight: -4, expected: 100, drift: 0 });
      // Restored since (the answer not yet recorded): nothing left to count.
      const [done] = check({
        snapshots: [snapshot('A', 100)],
        unsettled: [unsettled('o1', 4, 'restore-due')],
        movements: [deducted('o1', 4), restored('o1', 4)],
      });
      expect(done).toMatchObject({ inFlight: 0, expected: 100, drift: 0 });
      // A cancelled order never deducted (the restore came first): nothing either.
      const [never] = check({
        snapshots: [snapshot('A', 100)],
        unsettled: [unsettled('o1', 4, 'restore-due')],
      });
      expect(never).toMatchObject({ inFlight: 0, expected: 100 });
    });

    it('subtracts a give-back still due of an order no longer reserved', () => {
      // o1 (2) confirmed (deducted, reservation forgotten), then cancelled; its restore went
      // through before Redis got the units back: Redis holds them, MySQL does not.
      const [result] = check({
        mysqlStock: new Map([['A', 100]]),
        snapshots: [snapshot('A', 98)],
        unsettled: [unsettled('o1', 2, 'release-due')],
        movements: [deducted('o1', 2), restored('o1', 2)],
      });
      expect(result).toMatchObject({ inFlight: 2, expected: 98, drift: 0 });
    });

    it('counts a cancelled order waiting for its restore as taken in Redis, and in MySQL as the ledger says', () => {
      // o1 (3) confirmed then cancelled: deducted, reservation forgotten, Redis keeps its units
      // until the restore is answered. Redis 97 and MySQL 97 agree.
      const [confirmed] = check({
        mysqlStock: new Map([['A', 97]]),
        snapshots: [snapshot('A', 97)],
        unsettled: [unsettled('o1', 3, 'release-due')],
        movements: [deducted('o1', 3)],
      });
      expect(confirmed).toMatchObject({ inFlight: 0, expected: 97, drift: 0 });
      // o2 (2) cancelled while PENDING, never deducted, its reservation still listed.
      const [pending] = check({
        snapshots: [snapshot('A', 98, [reservation('o2', 2)])],
        unsettled: [unsettled('o2', 2, 'release-due')],
      });
      expect(pending).toMatchObject({ inFlight: 2, expected: 98, drift: 0 });
      // o3 (4) cancelled while PENDING after inventory deducted it: the same as confirmed.
      const [deductedPending] = check({
        mysqlStock: new Map([['A', 96]]),
        snapshots: [snapshot('A', 96, [reservation('o3', 4)])],
        unsettled: [unsettled('o3', 4, 'release-due')],
        movements: [deducted('o3', 4)],
      });
      expect(deductedPending).toMatchObject({ inFlight: 0, expected: 96, drift: 0 });
    });

    it('ignores PENDING orders without a reservation (answered between the two reads)', () => {
      const [result] = check({
        snapshots: [snapshot('A', 100)],
        unsettled: [unsettled('o1', 2, 'pending')],
      });
      expect(result).toMatchObject({ inFlight: 0, expected: 100, drift: 0 });
    });

    it('counts a reservation without an order row (not deducted anywhere)', () => {
      const [result] = check({ snapshots: [snapshot('A', 99, [reservation('o1', 1)])] });
      expect(result).toMatchObject({ inFlight: 1, expected: 99, drift: 0 });
    });

    it("uses only a product's own ledger rows", () => {
      const [a, b] = check({
        mysqlStock: new Map([
          ['A', 10],
          ['B', 10],
        ]),
        snapshots: [
          snapshot('A', 8, [reservation('o1', 2)]),
          snapshot('B', 8, [reservation('o2', 2, 'B')]),
        ],
        movements: [deducted('o2', 2, 'B')],
      });
      expect(a).toMatchObject({ expected: 8, drift: 0 });
      expect(b).toMatchObject({ expected: 10, drift: 2 });
    });
  });

  describe('an untrusted counter (missing, or not ready)', () => {
    it('subtracts every PENDING order and give-back due less what MySQL deducted, and unrecorded reservations', () => {
      const [result] = check({
        snapshots: [
          snapshot('A', null, [reservation('o1', 2), reservation('o3', 4), reservation('o4', 5)], {
            ready: false,
          }),
        ],
        unsettled: [
          unsettled('o1', 2, 'pending'),
          unsettled('o2', 3, 'release-due'),
          unsettled('o5', 6, 'pending'),
          unsettled('o6', 1, 'restore-due'),
        ],
        lateUnsettled: [{ id: 'o7', productId: 'A', quantity: 2 }],
        // o3 has a row (CONFIRMED: in MySQL stock); o4 has none.
        recorded: new Set(['o3']),
        // o5 deducted, answer on its way: in MySQL stock already. o6 restored back.
        movements: [deducted('o5', 6), deducted('o6', 1), restored('o6', 1)],
      });
      // 2 (o1) + 3 (o2) + 0 (o5) + 0 (o6) + 2 (o7) + 5 (o4)
      expect(result).toMatchObject({ counter: null, inFlight: 12, expected: 88, drift: 0 });
    });

    it('skips products MySQL does not know', () => {
      expect(check({ snapshots: [snapshot('A', null), snapshot('GONE', 3)] })).toEqual([
        {
          productId: 'A',
          counter: null,
          mysqlStock: 100,
          inFlight: 0,
          queued: 0,
          awaitingAdmin: false,
          expected: 100,
          drift: 0,
        },
      ]);
    });
  });

  it('counts admin deltas MySQL holds and the counter does not yet, never one it already holds', () => {
    // MySQL 130 = 100 + 20 (change 7, applied to Redis) + 10 (change 9, still queued).
    const [result] = check({
      mysqlStock: new Map([['A', 130]]),
      snapshots: [snapshot('A', 120, [], { appliedChangeId: 7 })],
      queued: [
        { id: 7, productId: 'A', counterOp: 'ADJUST', amount: 20 },
        { id: 9, productId: 'A', counterOp: 'ADJUST', amount: 10 },
        { id: 10, productId: 'A', counterOp: 'NONE', amount: null },
        { id: 11, productId: 'B', counterOp: 'ADJUST', amount: 50 },
      ],
    });
    expect(result).toMatchObject({ queued: 10, awaitingAdmin: false, expected: 120, drift: 0 });
  });

  it('leaves a counter to a queued admin change that sets or removes it', () => {
    const [result] = check({
      mysqlStock: new Map([['A', 40]]),
      snapshots: [snapshot('A', null, [], { appliedChangeId: 3 })],
      queued: [{ id: 4, productId: 'A', counterOp: 'SET', amount: 40 }],
    });
    expect(result).toMatchObject({ awaitingAdmin: true });
  });
});

describe(unexplainedReservations.name, () => {
  it('lists the reservations that unsettled orders do not explain', () => {
    expect(
      unexplainedReservations(
        [snapshot('A', 1, [reservation('o1', 1), reservation('o2', 1)])],
        [{ id: 'o1', productId: 'A', quantity: 1 }],
      ),
    ).toEqual(['o2']);
  });
});

describe(movedOutsideSnapshot.name, () => {
  it('lists orders with ledger rows that are neither reserved nor unsettled, once', () => {
    expect(
      movedOutsideSnapshot(
        [snapshot('A', 1, [reservation('o1', 1)])],
        [unsettled('o2', 1, 'pending')],
        [deducted('o1', 1), deducted('o2', 1), deducted('o3', 1), restored('o3', 1)],
      ),
    ).toEqual(['o3']);
  });
});
