import { Logger } from '@nestjs/common';
import { jest } from '@jest/globals';
import { DomainError } from '@flash-sale/common';
import { strictFake } from '../../test/support/strict-fake.js';
import type { ReservationStore, ReserveResult } from '../stock/reservation.store.js';
import { SoldOutMarks } from '../stock/sold-out-marks.js';
import type { StockReconciler } from '../stock/stock-reconciler.js';
import type { FailPoints } from '../fail-points.js';
import type { InsertOutcome, OrderInsertBatcher } from './order-insert-batcher.js';
import type { OrderSettings } from '../orders/order-settings.js';
import type { OrderSettlement } from '../orders/order-settlement.js';
import { OrderStatus, type NewOrder, type Order } from '../orders/order.js';
import type { OrderChange, OrdersRepository } from '../orders/orders.repository.js';
import { OrdersService } from './orders.service.js';
import type { PendingOrdersGauge } from './pending-orders.gauge.js';

const settings: OrderSettings = {
  maxQuantity: 10,
  slowRequestMs: 1_000,
  requestLogSample: 0,
  maxWaitingInserts: 100,
  maxInsertWaitMs: 2_000,
  insertBatchMs: 1,
  insertBatchSize: 10,
  republishAfterMs: 5_000,
  relayIntervalMs: 1_000,
  relayLeaseMs: 15_000,
  reservationTimeoutMs: 10_000,
  idempotencyTtlSeconds: 60,
  failPoint: undefined,
  failPointSkip: 0,
};

function storedOrder(overrides: Partial<Order> = {}): Order {
  return {
    id: '11111111-1111-4111-8111-111111111111',
    userId: '7',
    productId: 'SKU-1',
    quantity: 2,
    unitPriceCents: 500,
    totalCents: 1_000,
    status: OrderStatus.Pending,
    failureReason: null,
    idempotencyKey: null,
    stockRelease: null,
    restore: null,
    createdAt: new Date('2026-01-01T00:00:00Z'),
    updatedAt: new Date('2026-01-01T00:00:00Z'),
    ...overrides,
  };
}

function codeOf(promise: Promise<unknown>): Promise<string> {
  return promise.then(
    () => 'resolved',
    (error: unknown) =>
      error instanceof DomainError ? error.code : `not a DomainError: ${String(error)}`,
  );
}

interface Fakes {
  orders?: Partial<Record<keyof OrdersRepository, unknown>>;
  stock?: Partial<Record<keyof ReservationStore, unknown>>;
  batcher?: Partial<Record<keyof OrderInsertBatcher, unknown>>;
  settlement?: Partial<Record<keyof OrderSettlement, unknown>>;
  reconciler?: Partial<Record<keyof StockReconciler, unknown>>;
  overloaded?: boolean;
}

function build(fakes: Fakes = {}) {
  const soldOut = new SoldOutMarks(strictFake('redis'), { soldOutTtlMs: 60_000 });
  const accepted = jest.fn();
  const pending = strictFake<PendingOrdersGauge>('pending', { accepted });
  const failPoints = strictFake<FailPoints>('failPoints', { reached: () => undefined });
  const orders = strictFake<OrdersRepository>('orders', fakes.orders);
  const stock = strictFake<ReservationStore>('stock', fakes.stock);
  const batcher = strictFake<OrderInsertBatcher>('batcher', {
    isOverloaded: () => fakes.overloaded ?? false,
    ...fakes.batcher,
  });
  const settlement = strictFake<OrderSettlement>('settlement', fakes.settlement);
  const reconciler = strictFake<StockReconciler>('reconciler', fakes.reconciler);
  const service = new OrdersService(
    orders,
    stock,
    soldOut,
    pending,
    batcher,
    settlement,
    reconciler,
    failPoints,
    settings,
  );
  return { service, soldOut, accepted, orders, stock, batcher, settlement, reconciler };
}

const place = { userId: '7', productId: 'SKU-1', quantity: 2 };
const reserved: ReserveResult = {
  kind: 'reserved',
  remaining: 8,
  unitPriceCents: 500,
  sequence: 41,
};

describe(OrdersService.name, () => {
  beforeAll(() => {
    Logger.overrideLogger(false);
  });

  describe('place', () => {
    it('reserves, stores the order as PENDING with the catalogue price and answers 201', async () => {
      let stored: NewOrder | undefined;
      const { service, accepted, stock } = build({
        stock: { reserve: () => Promise.resolve(reserved) },
        batcher: {
          insert: (order: NewOrder): Promise<InsertOutcome> => {
            stored = order;
            return Promise.resolve({ kind: 'inserted' });
          },
        },
      });
      const placed = await service.place({ ...place, idempotencyKey: 'k1', requestId: 'r1' });
      expect(placed.replayed).toBe(false);
      expect(placed.order).toMatchObject({
        userId: '7',
        productId: 'SKU-1',
        quantity: 2,
        status: 'PENDING',
        unitPriceCents: 500,
        totalCents: 1_000,
      });
      expect(stored).toMatchObject({ id: placed.order.id, idempotencyKey: 'k1', requestId: 'r1' });
      expect(stored!.nextPublishAt.getTime() - stored!.createdAt.getTime()).toBe(5_000);
      expect(stock.reserve).toHaveBeenCalledWith(
        expect.objectContaining({
          orderId: placed.order.id,
          fingerprint: 'SKU-1:2',
          idempotencyKey: 'k1',
        }),
      );
      expect(accepted).toHaveBeenCalledWith(1);
    });

    it('gives orders time-ordered ids, so new rows go to the end of the primary key', async () => {
      const { service } = build({
        stock: { reserve: () => Promise.resolve(reserved) },
        batcher: { insert: () => Promise.resolve<InsertOutcome>({ kind: 'inserted' }) },
      });
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) ids.push((await service.place(place)).order.id);

      expect(ids.every((id) => /^[0-9a-f]{8}-[0-9a-f]{4}-7/.test(id))).toBe(true);
      expect([...ids].sort()).toEqual(ids);
      expect(new Set(ids).size).toBe(5);
    });

    it('refuses a token whose subject is not a customer id', async () => {
      const { service } = build();
      await expect(codeOf(service.place({ ...place, userId: 'admin' }))).resolves.toBe(
        'UNAUTHORIZED',
      );
    });

    it('refuses with 503 before touching Redis when MySQL does not keep up with the inserts', async () => {
      const { service } = build({ overloaded: true });
      await expect(codeOf(service.place(place))).resolves.toBe('SERVICE_UNAVAILABLE');
    });

    it('rejects when stock is short, and marks the product sold out when it is empty', async () => {
      const { service, soldOut } = build({
        stock: { reserve: () => Promise.resolve({ kind: 'short', stock: 1 }) },
      });
      await expect(codeOf(service.place(place))).resolves.toBe('OUT_OF_STOCK');
      expect(soldOut.isSoldOut('SKU-1')).toBe(false);

      const empty = build({
        stock: { reserve: () => Promise.resolve({ kind: 'short', stock: 0 }) },
      });
      await expect(codeOf(empty.service.place(place))).resolves.toBe('OUT_OF_STOCK');
      expect(empty.soldOut.isSoldOut('SKU-1')).toBe(true);
      // The next order is refused without a Redis call (the fake counts calls).
      await expect(codeOf(empty.service.place(place))).resolves.toBe('OUT_OF_STOCK');
      expect(empty.stock.reserve).toHaveBeenCalledTimes(1);
    });

    it('marks the product sold out when its last units are taken', async () => {
      const { service, soldOut } = build({
        stock: {
          reserve: () => Promise.resolve({ kind: 'reserved', remaining: 0, unitPriceCents: 1 }),
        },
        batcher: { insert: () => Promise.resolve({ kind: 'inserted' }) },
      });
      await service.place(place);
      expect(soldOut.isSoldOut('SKU-1')).toBe(true);
    });

    it('rejects beyond the per-user cap', async () => {
      const { service } = build({
        stock: { reserve: () => Promise.resolve({ kind: 'limit', held: 2, maxPerUser: 3 }) },
      });
      await expect(codeOf(service.place(place))).resolves.toBe('PURCHASE_LIMIT_EXCEEDED');
    });

    it('answers 404 for a missing counter once the catalogue is loaded', async () => {
      const { service } = build({
        stock: {
          reserve: () => Promise.resolve({ kind: 'no-counter' }),
          isCatalogueLoaded: () => Promise.resolve(true),
        },
      });
      await expect(codeOf(service.place(place))).resolves.toBe('PRODUCT_NOT_FOUND');
    });

    it('answers 503 STOCK_UNAVAILABLE and asks for a rebuild while counters are lost', async () => {
      const { service, reconciler } = build({
        stock: {
          reserve: () => Promise.resolve({ kind: 'no-counter' }),
          isCatalogueLoaded: () => Promise.resolve(false),
        },
        reconciler: { requestRebuild: () => undefined },
      });
      await expect(codeOf(service.place(place))).resolves.toBe('STOCK_UNAVAILABLE');
      expect(reconciler.requestRebuild).toHaveBeenCalled();
    });

    it('trusts a new product counter while the catalogue is loaded, and retries once', async () => {
      const results: ReserveResult[] = [{ kind: 'not-ready' }, reserved];
      const { service, stock } = build({
        stock: {
          reserve: () => Promise.resolve(results.shift()),
          isCatalogueLoaded: () => Promise.resolve(true),
          markReady: () => Promise.resolve(true),
        },
        batcher: { insert: () => Promise.resolve({ kind: 'inserted' }) },
      });
      await service.place(place);
      expect(stock.markReady).toHaveBeenCalledWith('SKU-1');
      expect(stock.reserve).toHaveBeenCalledTimes(2);
    });

    it('never sells from a counter that is not rebuilt after a loss of Redis data', async () => {
      const { service, reconciler } = build({
        stock: {
          reserve: () => Promise.resolve({ kind: 'not-ready' }),
          isCatalogueLoaded: () => Promise.resolve(false),
        },
        reconciler: { requestRebuild: () => undefined },
      });
      await expect(codeOf(service.place(place))).resolves.toBe('STOCK_UNAVAILABLE');
      expect(reconciler.requestRebuild).toHaveBeenCalled();
    });

    it('answers 503 when Redis fails', async () => {
      const { service } = build({
        stock: { reserve: () => Promise.reject(new Error('ECONNREFUSED')) },
      });
      await expect(codeOf(service.place(place))).resolves.toBe('SERVICE_UNAVAILABLE');
    });

    it('returns the first order for a replayed key (200), taking nothing', async () => {
      const first = storedOrder({ idempotencyKey: 'k1', status: OrderStatus.Confirmed });
      const { service } = build({
        stock: {
          reserve: () =>
            Promise.resolve({ kind: 'replay', orderId: first.id, fingerprint: 'SKU-1:2' }),
        },
        orders: { findById: () => Promise.resolve(first) },
      });
      await expect(service.place({ ...place, idempotencyKey: 'k1' })).resolves.toEqual({
        order: first,
        replayed: true,
      });
    });

    it('answers a replayed key with its order even when the product is marked sold out', async () => {
      const first = storedOrder({ idempotencyKey: 'k1', status: OrderStatus.Confirmed });
      const { service, soldOut, stock } = build({
        stock: {
          reserve: () =>
            Promise.resolve({ kind: 'replay', orderId: first.id, fingerprint: 'SKU-1:2' }),
        },
        orders: { findById: () => Promise.resolve(first) },
      });
      soldOut.mark('SKU-1');

      await expect(service.place({ ...place, idempotencyKey: 'k1' })).resolves.toEqual({
        order: first,
        replayed: true,
      });
      expect(stock.reserve).toHaveBeenCalledTimes(1);
      // Without a key the mark still answers at once.
      await expect(codeOf(service.place(place))).resolves.toBe('OUT_OF_STOCK');
      expect(stock.reserve).toHaveBeenCalledTimes(1);
    });

    it("answers 503, never the order, when a replayed key finds the sweeper's abandoned record", async () => {
      // The first request's insert lost to the sweeper: it was never accepted, nor is its retry.
      const abandoned = storedOrder({
        status: OrderStatus.Failed,
        failureReason: 'RESERVATION_EXPIRED',
      });
      const { service } = build({
        stock: {
          reserve: () =>
            Promise.resolve({ kind: 'replay', orderId: abandoned.id, fingerprint: 'SKU-1:2' }),
        },
        orders: { findById: () => Promise.resolve(abandoned) },
      });
      await expect(codeOf(service.place({ ...place, idempotencyKey: 'k1' }))).resolves.toBe(
        'SERVICE_UNAVAILABLE',
      );
    });

    it('still answers a replay with an accepted order that failed later (its 201 was given)', async () => {
      const failed = storedOrder({
        status: OrderStatus.Failed,
        failureReason: 'INSUFFICIENT_STOCK',
      });
      const { service } = build({
        stock: {
          reserve: () =>
            Promise.resolve({ kind: 'replay', orderId: failed.id, fingerprint: 'SKU-1:2' }),
        },
        orders: { findById: () => Promise.resolve(failed) },
      });
      await expect(service.place({ ...place, idempotencyKey: 'k1' })).resolves.toEqual({
        order: failed,
        replayed: true,
      });
    });

    it('refuses a replayed key with another body with 422', async () => {
      const { service } = build({
        stock: {
          reserve: () => Promise.resolve({ kind: 'replay', orderId: 'x', fingerprint: 'SKU-1:3' }),
        },
      });
      await expect(codeOf(service.place({ ...place, idempotencyKey: 'k1' }))).resolves.toBe(
        'IDEMPOTENCY_KEY_REUSED',
      );
    });

    it('leaves the reservation to the sweeper when the insert outcome is unknown', async () => {
      const { service } = build({
        stock: { reserve: () => Promise.resolve(reserved) },
        batcher: { insert: () => Promise.reject(new Error('connection lost')) },
        // No settlement call is allowed: the strict fake would fail the test.
      });
      await expect(codeOf(service.place(place))).resolves.toBe('SERVICE_UNAVAILABLE');
    });

    it('gives the units back and returns the existing order when the key was used on another product', async () => {
      const existing = storedOrder({ idempotencyKey: 'k1' });
      const { service, settlement } = build({
        stock: { reserve: () => Promise.resolve(reserved) },
        batcher: {
          insert: () =>
            Promise.resolve({ kind: 'conflict', conflict: 'duplicate-idempotency-key' }),
        },
        settlement: { giveBack: () => Promise.resolve() },
        orders: { findByIdempotencyKey: () => Promise.resolve(existing) },
      });
      await expect(service.place({ ...place, idempotencyKey: 'k1' })).resolves.toEqual({
        order: existing,
        replayed: true,
      });
      expect(settlement.giveBack).toHaveBeenCalledWith(
        [expect.objectContaining({ productId: 'SKU-1', quantity: 2, idempotencyKey: 'k1' })],
        { dropIdempotencyKey: true },
      );

      const other = build({
        stock: { reserve: () => Promise.resolve(reserved) },
        batcher: {
          insert: () =>
            Promise.resolve({ kind: 'conflict', conflict: 'duplicate-idempotency-key' }),
        },
        settlement: { giveBack: () => Promise.resolve() },
        orders: {
          findByIdempotencyKey: () => Promise.resolve(storedOrder({ productId: 'SKU-2' })),
        },
      });
      await expect(codeOf(other.service.place({ ...place, idempotencyKey: 'k1' }))).resolves.toBe(
        'IDEMPOTENCY_KEY_REUSED',
      );
    });
  });

  describe('cancel', () => {
    function cancelWith(order: Order | undefined) {
      let changes: OrderChange[] = [];
      const built = build({
        orders: {
          changeLocked: (_ids: string[], decide: (orders: Order[]) => OrderChange[]) => {
            changes = decide(order ? [order] : []);
            return Promise.resolve(order ? [order] : []);
          },
          findById: () =>
            Promise.resolve(order ? { ...order, status: OrderStatus.Cancelled } : null),
        },
        settlement: {
          giveBack: () => Promise.resolve(),
          sendRestores: () => Promise.resolve(),
          bestEffort: (_what: string, effect: () => Promise<void>) => effect(),
        },
      });
      return { ...built, changes: () => changes };
    }

    it('cancels a PENDING order: a restore inventory-service decides on, the Redis units kept until it answers', async () => {
      const order = storedOrder();
      const { service, settlement, changes } = cancelWith(order);
      await expect(service.cancel('7', order.id)).resolves.toMatchObject({ status: 'CANCELLED' });
      expect(changes()).toEqual([
        { id: order.id, status: 'CANCELLED', stockReleaseDue: true, restoreDue: true },
      ]);
      // Given back now, the units would be sold again before MySQL has them back (the restore's
      // answer gives them back, see RestoreAnswers).
      expect(settlement.giveBack).not.toHaveBeenCalled();
      // Whether the deduction happened or not, and whatever becomes of its answer.
      expect(settlement.sendRestores).toHaveBeenCalledWith([order]);
    });

    it('cancels a CONFIRMED order: a restore for MySQL, the Redis units kept until it is answered', async () => {
      const order = storedOrder({ status: OrderStatus.Confirmed });
      const { service, settlement, changes } = cancelWith(order);
      await service.cancel('7', order.id);
      expect(changes()[0]).toMatchObject({ stockReleaseDue: true, restoreDue: true });
      expect(settlement.giveBack).not.toHaveBeenCalled();
      expect(settlement.sendRestores).toHaveBeenCalledWith([order]);
    });

    it('answers without waiting for Kafka: the restore is sent in the background', async () => {
      const order = storedOrder();
      const { service, settlement } = cancelWith(order);
      // A paused broker: the send never finishes (the relay resends it from the row).
      jest.mocked(settlement.sendRestores).mockReturnValue(new Promise<void>(() => undefined));
      await expect(service.cancel('7', order.id)).resolves.toMatchObject({ status: 'CANCELLED' });
      expect(settlement.sendRestores).toHaveBeenCalledWith([order]);
    });

    it.each([OrderStatus.Failed, OrderStatus.Cancelled])(
      'refuses a %s order with 409 and gives nothing back',
      async (status) => {
        const { service, settlement, changes } = cancelWith(storedOrder({ status }));
        await expect(codeOf(service.cancel('7', storedOrder().id))).resolves.toBe(
          'ORDER_NOT_CANCELLABLE',
        );
        expect(changes()).toEqual([]);
        expect(settlement.sendRestores).not.toHaveBeenCalled();
      },
    );

    it("answers 404 for someone else's order and changes nothing", async () => {
      const { service, changes } = cancelWith(storedOrder({ userId: '8' }));
      await expect(codeOf(service.cancel('7', storedOrder().id))).resolves.toBe('ORDER_NOT_FOUND');
      expect(changes()).toEqual([]);
    });

    it('answers 404 for an unknown order', async () => {
      const { service } = cancelWith(undefined);
      await expect(codeOf(service.cancel('7', 'nope'))).resolves.toBe('ORDER_NOT_FOUND');
    });
  });

  describe('get', () => {
    it("hides someone else's order as not found", async () => {
      const { service } = build({
        orders: { findById: () => Promise.resolve(storedOrder({ userId: '8' })) },
      });
      await expect(codeOf(service.get('7', storedOrder().id))).resolves.toBe('ORDER_NOT_FOUND');
    });
  });
});
