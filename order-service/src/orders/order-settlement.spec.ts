import { strictFake } from '../../test/support/strict-fake.js';
import type { ReleaseOutcome, ReservationStore } from '../stock/reservation.store.js';
import type { SoldOutMarks } from '../stock/sold-out-marks.js';
import type { InventoryRequests } from './order-pipeline.ports.js';
import { OrderSettlement } from './order-settlement.js';
import type { OrdersRepository } from './orders.repository.js';

function order(id: string, productId = 'SKU-1') {
  return { id, userId: '7', productId, quantity: 2, idempotencyKey: null };
}

function build(outcomes: ReleaseOutcome[], catalogueLoaded: boolean) {
  const orders = strictFake<OrdersRepository>('orders', {
    markStockReleased: () => Promise.resolve(),
  });
  const stock = strictFake<ReservationStore>('stock', {
    release: () => Promise.resolve(outcomes),
    isCatalogueLoaded: () => Promise.resolve(catalogueLoaded),
    publishStockChanged: () => Promise.resolve(),
  });
  const soldOut = strictFake<SoldOutMarks>('soldOut', { clear: () => undefined });
  const settlement = new OrderSettlement(
    orders,
    stock,
    soldOut,
    strictFake<InventoryRequests>('inventory'),
    { republishAfterMs: 1_000 },
  );
  return { settlement, orders, soldOut };
}

describe(OrderSettlement.name, () => {
  describe('giveBack', () => {
    it('marks done what was given back now or before, and a missing counter of a deleted product', async () => {
      const { settlement, orders, soldOut } = build(['released', 'already', 'no-counter'], true);
      await settlement.giveBack([order('a'), order('b', 'SKU-2'), order('c', 'SKU-3')], {
        dropIdempotencyKey: false,
      });
      expect(orders.markStockReleased).toHaveBeenCalledWith(['a', 'b', 'c']);
      expect(soldOut.clear).toHaveBeenCalledWith('SKU-1');
      expect(soldOut.clear).toHaveBeenCalledTimes(1);
    });

    it('keeps due a counter missing after Redis lost its data (catalogue not loaded)', async () => {
      const { settlement, orders } = build(['no-counter'], false);
      await settlement.giveBack([order('a')], { dropIdempotencyKey: false });
      expect(orders.markStockReleased).toHaveBeenCalledWith([]);
    });

    it('keeps due a counter that is not ready (stale or being rebuilt), catalogue loaded or not', async () => {
      // Marked done, its units would never come back: the rebuild counts them as still taken.
      const { settlement, orders } = build(['not-ready', 'released'], true);
      await settlement.giveBack([order('a'), order('b')], { dropIdempotencyKey: false });
      expect(orders.markStockReleased).toHaveBeenCalledWith(['b']);
    });
  });
});
