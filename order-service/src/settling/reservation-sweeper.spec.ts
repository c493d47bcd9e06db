import { strictFake } from '../../test/support/strict-fake.js';
import type { ReservationStore, Reservation } from '../stock/reservation.store.js';
import type { OrderSettlement } from '../orders/order-settlement.js';
import { OrderStatus } from '../orders/order.js';
import type { OrdersRepository } from '../orders/orders.repository.js';
import { LockLostError, type FencedLease } from '@flash-sale/common';
import { ReservationSweeper, type SweeperLock } from './reservation-sweeper.js';

const NOW = 1_000_000;
const LEASE: FencedLease = { token: 't', fence: 7 };

/** A lock this instance gets, held throughout. */
function grantedLock(): SweeperLock {
  return strictFake<SweeperLock>('lock', {
    tryAcquire: () => Promise.resolve(LEASE),
    confirm: () => Promise.resolve(),
    release: () => Promise.resolve(true),
  });
}

function reservation(orderId: string, ageMs: number): Reservation {
  return {
    orderId,
    productId: 'SKU-1',
    userId: '7',
    quantity: 2,
    reservedAtMs: NOW - ageMs,
    unitPriceCents: 150,
    idempotencyKey: 'k',
  };
}

describe(ReservationSweeper.name, () => {
  it('records abandoned reservations as FAILED and gives them back; forgets settled ones; leaves the rest', async () => {
    const reservations = [
      reservation('fresh', 1_000),
      reservation('pending', 20_000),
      reservation('confirmed', 20_000),
      reservation('lost', 20_000),
      reservation('raced', 20_000),
    ];
    const stock = strictFake<ReservationStore>('stock', {
      readAllReservations: () => Promise.resolve(reservations),
      dropReservations: () => Promise.resolve(),
    });
    const orders = strictFake<OrdersRepository>('orders', {
      findStatuses: () =>
        Promise.resolve(
          new Map([
            ['pending', OrderStatus.Pending],
            ['confirmed', OrderStatus.Confirmed],
          ]),
        ),
      // 'raced': the hot path's insert landed between the lookup and this insert.
      insertAbandoned: () => Promise.resolve(['lost']),
    });
    const settlement = strictFake<OrderSettlement>('settlement', {
      giveBack: () => Promise.resolve(),
    });
    const lock = grantedLock();
    const sweeper = new ReservationSweeper(
      stock,
      orders,
      settlement,
      { reservationTimeoutMs: 10_000 },
      lock,
    );

    await expect(sweeper.sweepOnce(NOW)).resolves.toEqual(['lost']);
    expect(orders.findStatuses).toHaveBeenCalledWith(['pending', 'confirmed', 'lost', 'raced']);
    expect(stock.dropReservations).toHaveBeenCalledWith([reservations[2]]);
    expect(orders.insertAbandoned).toHaveBeenCalledWith([
      expect.objectContaining({ id: 'lost', totalCents: 300, idempotencyKey: null }),
      expect.objectContaining({ id: 'raced' }),
    ]);
    expect(settlement.giveBack).toHaveBeenCalledWith(
      [{ id: 'lost', userId: '7', productId: 'SKU-1', quantity: 2, idempotencyKey: 'k' }],
      { dropIdempotencyKey: true },
    );
    // The lease was confirmed before each of the three writes, and released at the end.
    expect(lock.confirm).toHaveBeenCalledTimes(3);
    expect(lock.release).toHaveBeenCalledWith(LEASE);
  });

  it('does nothing when no reservation is old enough', async () => {
    const stock = strictFake<ReservationStore>('stock', {
      readAllReservations: () => Promise.resolve([reservation('fresh', 10)]),
    });
    const sweeper = new ReservationSweeper(
      stock,
      strictFake('orders'),
      strictFake('settlement'),
      { reservationTimeoutMs: 10_000 },
      grantedLock(),
    );
    await expect(sweeper.sweepOnce(NOW)).resolves.toEqual([]);
  });

  it('does nothing while another instance holds the lock', async () => {
    const lock = strictFake<SweeperLock>('lock', { tryAcquire: () => Promise.resolve(null) });
    const sweeper = new ReservationSweeper(
      strictFake('stock'),
      strictFake('orders'),
      strictFake('settlement'),
      { reservationTimeoutMs: 10_000 },
      lock,
    );
    await expect(sweeper.sweepOnce(NOW)).resolves.toEqual([]);
  });

  it('stops before writing once its lease is lost, and releases only its own lease', async () => {
    const stock = strictFake<ReservationStore>('stock', {
      readAllReservations: () => Promise.resolve([reservation('lost', 20_000)]),
    });
    const orders = strictFake<OrdersRepository>('orders', {
      findStatuses: () => Promise.resolve(new Map()),
    });
    const lock = strictFake<SweeperLock>('lock', {
      tryAcquire: () => Promise.resolve(LEASE),
      confirm: () => Promise.reject(new LockLostError('lost')),
      release: () => Promise.resolve(false),
    });
    const sweeper = new ReservationSweeper(
      stock,
      orders,
      strictFake('settlement'),
      { reservationTimeoutMs: 10_000 },
      lock,
    );
    // No insertAbandoned, no give-back: the strict fakes would fail on either.
    await expect(sweeper.sweepOnce(NOW)).rejects.toBeInstanceOf(LockLostError);
    expect(lock.release).toHaveBeenCalledWith(LEASE);
  });
});
