import { checkCounters, unexplainedReservations } from './stock-drift.js';
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
  appliedChangeId = 0,
): StockSnapshot {
  return { productId, counter, ready: true, product: {}, reservations, appliedChangeId };
}

const untouched = { queued: 0, awaitingAdmin: false };

describe(checkCounters.name, () => {
  it('expects MySQL stock minus in-flight orders and unrecorded reservations', () => {
    const checks = checkCounters({
      mysqlStock: new Map([
        ['A', 100],
        ['B', 10],
      ]),
      snapshots: [
        snapshot('A', 90, [reservation('o1', 2), reservation('o2', 3), reservation('o3', 4)]),
        snapshot('B', 10),
      ],
      inFlight: [
        { id: 'o1', productId: 'A', quantity: 2 },
        { id: 'o1', productId: 'A', quantity: 2 },
        { id: 'o9', productId: 'A', quantity: 1 },
      ],
      // o2 has a row (CONFIRMED, already in MySQL stock); o3 has none.
      recorded: new Set(['o2']),
    });
    expect(checks).toEqual([
      {
        productId: 'A',
        counter: 90,
        mysqlStock: 100,
        inFlight: 7,
        ...untouched,
        expected: 93,
        drift: 3,
      },
      {
        productId: 'B',
        counter: 10,
        mysqlStock: 10,
        inFlight: 0,
        ...untouched,
        expected: 10,
        drift: 0,
      },
    ]);
  });

  it('reports a missing counter without drift and skips products MySQL does not know', () => {
    expect(
      checkCounters({
        mysqlStock: new Map([['A', 5]]),
        snapshots: [snapshot('A', null), snapshot('GONE', 3)],
        inFlight: [],
        recorded: new Set(),
      }),
    ).toEqual([
      {
        productId: 'A',
        counter: null,
        mysqlStock: 5,
        inFlight: 0,
        ...untouched,
        expected: 5,
        drift: 0,
      },
    ]);
  });

  it('counts admin deltas MySQL holds and the counter does not yet, never one it already holds', () => {
    // MySQL 130 = 100 + 20 (change 7, applied to Redis) + 10 (change 9, still queued).
    const [check] = checkCounters({
      mysqlStock: new Map([['A', 130]]),
      snapshots: [snapshot('A', 120, [], 7)],
      inFlight: [],
      recorded: new Set(),
      queued: [
        { id: 7, productId: 'A', counterOp: 'ADJUST', amount: 20 },
        { id: 9, productId: 'A', counterOp: 'ADJUST', amount: 10 },
        { id: 10, productId: 'A', counterOp: 'NONE', amount: null },
        { id: 11, productId: 'B', counterOp: 'ADJUST', amount: 50 },
      ],
    });
    expect(check).toMatchObject({ queued: 10, awaitingAdmin: false, expected: 120, drift: 0 });
  });

  it('leaves a counter to a queued admin change that sets or removes it', () => {
    const [check] = checkCounters({
      mysqlStock: new Map([['A', 40]]),
      snapshots: [snapshot('A', null, [], 3)],
      inFlight: [],
      recorded: new Set(),
      queued: [{ id: 4, productId: 'A', counterOp: 'SET', amount: 40 }],
    });
    expect(check).toMatchObject({ awaitingAdmin: true });
  });

  it('lists the reservations that in-flight orders do not explain', () => {
    expect(
      unexplainedReservations(
        [snapshot('A', 1, [reservation('o1', 1), reservation('o2', 1)])],
        [{ id: 'o1', productId: 'A', quantity: 1 }],
      ),
    ).toEqual(['o2']);
  });
});
