import { strictFake } from '../../test/support/strict-fake.js';
import type { ReservationStore, Reservation } from '../stock/reservation.store.js';
import type { OrderSettlement } from '../orders/order-settlement.js';
import { OrderStatus } from '../orders/order.js';
import type { OrdersRepository } from '../orders/orders.repository.js';
import { ReservationSweeper } from './reservation-sweeper.js';

const NOW = 1_000_000;

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
    const sweeper = new ReservationSweeper(stock, orders, settlement, {
      reservationTimeoutMs: 10_000,
    });

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
  });

  it('does nothing when no reservation is old enough', async () => {
    const stock = strictFake<ReservationStore>('stock', {
      readAllReservations: () => Promise.resolve([reservation('fresh', 10)]),
    });
    const sweeper = new ReservationSweeper(stock, strictFake('orders'), strictFake('settlement'), {
      reservationTimeoutMs: 10_000,
    });
    await expect(sweeper.sweepOnce(NOW)).resolves.toEqual([]);
  });
});
