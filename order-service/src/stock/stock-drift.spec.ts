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
): StockSnapshot {
  return { productId, counter, ready: true, product: {}, reservations };
}

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
      { productId: 'A', counter: 90, mysqlStock: 100, inFlight: 7, expected: 93, drift: 3 },
      { productId: 'B', counter: 10, mysqlStock: 10, inFlight: 0, expected: 10, drift: 0 },
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
      { productId: 'A', counter: null, mysqlStock: 5, inFlight: 0, expected: 5, drift: 0 },
    ]);
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
