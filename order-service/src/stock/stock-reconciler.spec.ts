import { jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { MetricsService } from '@flash-sale/common';
import { strictFake } from '../../test/support/strict-fake.js';
import type { InFlightOrders, UnsettledOrder } from './in-flight-orders.js';
import type {
  CatalogueProduct,
  InventoryCatalogue,
  OrderMovement,
  QueuedCounterChange,
} from './inventory-catalogue.js';
import type { DriftMemory, StockCountersStore, StockSnapshot } from './stock-counters.store.js';
import { KnownSequences } from './known-sequences.js';
import { SEQUENCE_GAP, StockReconciler } from './stock-reconciler.js';

function reservation(orderId: string, quantity: number) {
  return {
    orderId,
    productId: 'A',
    userId: '1',
    quantity,
    reservedAtMs: 0,
    unitPriceCents: 100,
    idempotencyKey: null,
  };
}

const product: CatalogueProduct = {
  productId: 'A',
  name: 'a',
  priceCents: 100,
  stock: 50,
  maxPerUser: null,
};

function build(options: {
  loaded: boolean;
  snapshot: Partial<StockSnapshot>;
  unsettled?: UnsettledOrder[];
  /** What a second read of the unsettled orders finds (default: the same as the first). */
  lateUnsettled?: UnsettledOrder[];
  /** Reservation ids that have an order row. */
  existing?: string[];
  movements?: OrderMovement[];
  /** The drift memory in "Redis", shared by the reconcilers built on it. */
  memory?: { value: DriftMemory };
  catalogue?: CatalogueProduct;
  busy?: boolean;
  metrics?: MetricsService;
  /** Highest sequence per product recorded by the order rows. */
  recorded?: Map<string, number>;
  stale?: string[];
  defaultMaxPerUser?: number;
  queued?: QueuedCounterChange[];
}) {
  const snap: StockSnapshot = {
    productId: 'A',
    counter: 50,
    ready: true,
    product: { priceCents: '100' },
    reservations: [],
    appliedChangeId: 0,
    sequence: 0,
    ...options.snapshot,
  };
  const memory = options.memory ?? { value: { drifts: new Map(), missing: new Set() } };
  const store = strictFake<StockCountersStore>('store', {
    isCatalogueLoaded: () => Promise.resolve(options.loaded),
    indexProducts: () => Promise.resolve(),
    snapshot: () => Promise.resolve([snap]),
    adjustCounter: (_p: string, _applied: number, delta: number) =>
      Promise.resolve({ kind: 'adjusted' as const, counter: (snap.counter ?? 0) + delta }),
    readDriftMemory: () => Promise.resolve(memory.value),
    writeDriftMemory: (value: DriftMemory) => {
      memory.value = value;
      return Promise.resolve();
    },
    resetProduct: () => Promise.resolve(true),
    markStale: () => Promise.resolve(options.stale ?? []),
    rebuildProduct: () => Promise.resolve(true),
    ensureProduct: () => Promise.resolve(true),
    publishStockChanged: () => Promise.resolve(),
    markCatalogueLoaded: () => Promise.resolve(),
  });
  const orders = strictFake<InFlightOrders>('orders', {
    findUnsettled: (() => {
      let reads = 0;
      return () =>
        Promise.resolve(
          reads++ === 0
            ? (options.unsettled ?? [])
            : (options.lateUnsettled ?? options.unsettled ?? []),
        );
    })(),
    sequencesOf: () => Promise.resolve(new Map<string, number | null>()),
    existing: (ids: string[]) =>
      Promise.resolve(new Set(ids.filter((id) => (options.existing ?? []).includes(id)))),
    heldByUser: () => Promise.resolve(new Map([['7', 2]])),
    changedRecently: () => Promise.resolve(options.busy ?? false),
    countPending: () => Promise.resolve(0),
    countRecentPending: () => Promise.resolve(0),
    highestSequences: () => Promise.resolve(options.recorded ?? new Map<string, number>()),
  });
  const catalogue = strictFake<InventoryCatalogue>('catalogue', {
    fetchAll: () => Promise.resolve([options.catalogue ?? product]),
    fetchLedgerPosition: () => Promise.resolve('10'),
    fetchSnapshot: () =>
      Promise.resolve({
        stock: new Map([[product.productId, (options.catalogue ?? product).stock]]),
        queued: options.queued ?? [],
        movements: new Map((options.movements ?? []).map((m) => [m.id, m])),
      }),
  });
  const sequences = new KnownSequences();
  const reconciler = new StockReconciler(
    store,
    orders,
    catalogue,
    {
      reconcileIntervalMs: 0,
      rebuildGraceMs: 0,
      repairQuietMs: 30_000,
      staleCheckIntervalMs: 0,
      defaultMaxPerUser: options.defaultMaxPerUser ?? 0,
    },
    options.metrics,
    sequences,
  );
  return { reconciler, store, orders, sequences, memory };
}

describe(StockReconciler.name, () => {
  beforeAll(() => {
    Logger.overrideLogger(false);
  });

  it('leaves a counter alone when it matches MySQL minus the orders in flight', async () => {
    const { reconciler, store } = build({
      loaded: true,
      snapshot: { counter: 47, reservations: [reservation('o1', 3)] },
    });
    const [result] = await reconciler.pass('periodic', 1);
    expect(result).toMatchObject({ expected: 47, drift: 0, action: 'none' });
    expect(store.adjustCounter).not.toHaveBeenCalled();
  });

  it('repairs a drift only when the same drift is seen twice in a row, by the delta, fenced', async () => {
    const { reconciler, store } = build({ loaded: true, snapshot: { counter: 40 } });
    expect((await reconciler.pass('periodic', 1))[0]?.action).toBe('drift-seen');
    expect(store.adjustCounter).not.toHaveBeenCalled();
    expect((await reconciler.pass('periodic', 1))[0]?.action).toBe('repaired');
    expect(store.adjustCounter).toHaveBeenCalledWith('A', 0, 10, 1);
    expect(store.publishStockChanged).toHaveBeenCalledWith(['A']);
  });

  it('does not repair while the product is busy or has orders in flight', async () => {
    const busy = build({ loaded: true, snapshot: { counter: 40 }, busy: true });
    await busy.reconciler.pass('periodic', 1);
    expect((await busy.reconciler.pass('periodic', 1))[0]?.action).toBe('drift-seen');
    const inFlight = build({
      loaded: true,
      snapshot: { counter: 40, reservations: [reservation('o1', 1)] },
    });
    await inFlight.reconciler.pass('periodic', 1);
    expect((await inFlight.reconciler.pass('periodic', 1))[0]?.action).toBe('drift-seen');
    expect(busy.store.adjustCounter).not.toHaveBeenCalled();
    expect(inFlight.store.adjustCounter).not.toHaveBeenCalled();
  });

  it('repairs at once on demand, and only reports in check mode', async () => {
    const repair = build({ loaded: true, snapshot: { counter: 40 } });
    expect((await repair.reconciler.pass('repair', 1))[0]?.action).toBe('repaired');
    const check = build({ loaded: true, snapshot: { counter: 40 } });
    expect((await check.reconciler.pass('check'))[0]).toMatchObject({
      drift: 10,
      action: 'drift-seen',
    });
    expect(check.store.adjustCounter).not.toHaveBeenCalled();
  });

  it('exports the drift as totals, with no per-product series', async () => {
    const metrics = new MetricsService();
    const { reconciler } = build({ loaded: true, snapshot: { counter: 40 }, metrics });
    await reconciler.pass('check');
    const read = async (name: string) =>
      (await metrics.registry.getSingleMetric(name)?.get())?.values ?? [];
    expect(await read('stock_counter_drift')).toEqual([{ value: 10, labels: {} }]);
    expect(await read('stock_counter_drift_products')).toEqual([{ value: 1, labels: {} }]);
  });

  it('rebuilds lost counters at once, with per-user totals, then marks the catalogue loaded', async () => {
    const { reconciler, store } = build({
      loaded: false,
      snapshot: { counter: null, ready: false, product: {} },
      unsettled: [{ id: 'o1', productId: 'A', quantity: 5, kind: 'pending' }],
      catalogue: { ...product, maxPerUser: 3 },
    });
    const [result] = await reconciler.pass('periodic', 1);
    expect(result).toMatchObject({ expected: 45, action: 'rebuilt' });
    expect(store.rebuildProduct).toHaveBeenCalledWith(
      expect.objectContaining({ productId: 'A', maxPerUser: 3 }),
      45,
      new Map([['7', 2]]),
      SEQUENCE_GAP,
    );
    expect(store.markCatalogueLoaded).toHaveBeenCalled();
  });

  it('rebuilds a counter missing while the catalogue is loaded only on the second sighting', async () => {
    const { reconciler, store } = build({ loaded: true, snapshot: { counter: null } });
    expect((await reconciler.pass('periodic', 1))[0]?.action).toBe('missing');
    expect(store.rebuildProduct).not.toHaveBeenCalled();
    expect((await reconciler.pass('periodic', 1))[0]?.action).toBe('rebuilt');
  });

  it('sets a counter that is not marked ready right away (compare-and-set)', async () => {
    const { reconciler, store } = build({ loaded: true, snapshot: { counter: 50, ready: false } });
    expect((await reconciler.pass('periodic', 1))[0]?.action).toBe('repaired');
    expect(store.resetProduct).toHaveBeenCalledWith('A', 50, 50, new Map(), null);
  });

  it('counts a reservation recorded between its reads when it resets a counter not ready', async () => {
    // A new product (loaded catalogue, counter not ready yet) with 2 units reserved by a request
    // that died: the sweeper records the FAILED order right after the first read of the unsettled
    // orders. Its units are still taken in Redis and its give-back is due: 50 - 2.
    const { reconciler, store } = build({
      loaded: true,
      snapshot: { counter: 48, ready: false, reservations: [reservation('o1', 2)] },
      unsettled: [],
      existing: ['o1'],
      lateUnsettled: [{ id: 'o1', productId: 'A', quantity: 2, kind: 'release-due' }],
    });
    expect((await reconciler.pass('periodic', 1))[0]).toMatchObject({
      expected: 48,
      action: 'repaired',
    });
    expect(store.resetProduct).toHaveBeenCalledWith('A', 48, 48, new Map(), null);
  });

  it('resets a stale counter from MySQL: counter, per-user totals (default cap) and a sequence above the recorded ones', async () => {
    const { reconciler, store } = build({
      loaded: true,
      snapshot: { counter: 30, ready: false },
      unsettled: [{ id: 'o1', productId: 'A', quantity: 5, kind: 'pending' }],
      recorded: new Map([['A', 120]]),
      defaultMaxPerUser: 10,
    });
    expect((await reconciler.pass('periodic', 1))[0]).toMatchObject({
      expected: 45,
      action: 'repaired',
    });
    expect(store.resetProduct).toHaveBeenCalledWith(
      'A',
      30,
      45,
      new Map([['7', 2]]),
      120 + SEQUENCE_GAP,
    );
    expect(store.publishStockChanged).toHaveBeenCalledWith(['A']);
  });

  it('stale check: compares Redis with the sequences MySQL recorded, learns them, and asks for a rebuild', async () => {
    const recorded = new Map([
      ['A', 120],
      ['B', 7],
    ]);
    const { reconciler, store, sequences } = build({
      loaded: true,
      snapshot: {},
      recorded,
      stale: ['B'],
    });
    const rebuild = jest.spyOn(reconciler, 'requestRebuild').mockImplementation(() => undefined);
    await expect(reconciler.checkStale()).resolves.toEqual(['B']);
    expect(store.markStale).toHaveBeenCalledWith(recorded);
    expect(sequences.lowest('A')).toBe(120);
    expect(sequences.lowest('B')).toBe(7);
    expect(rebuild).toHaveBeenCalledTimes(1);
  });

  it('stale check: asks for nothing when Redis is not behind, and never throws', async () => {
    const { reconciler, store } = build({ loaded: true, snapshot: {}, recorded: new Map() });
    const rebuild = jest.spyOn(reconciler, 'requestRebuild').mockImplementation(() => undefined);
    await expect(reconciler.checkStale()).resolves.toEqual([]);
    (store.markStale as unknown as jest.Mock).mockImplementation(() =>
      Promise.reject(new Error('Redis is down')),
    );
    await expect(reconciler.checkStale()).resolves.toEqual([]);
    expect(rebuild).not.toHaveBeenCalled();
  });

  it('does not mark the catalogue loaded while a counter could not be set', async () => {
    const { reconciler, store } = build({ loaded: false, snapshot: { counter: 7, ready: false } });
    (store.resetProduct as unknown as jest.Mock).mockImplementation(() => Promise.resolve(false));
    expect((await reconciler.pass('periodic', 1))[0]?.action).toBe('repair-skipped');
    expect(store.markCatalogueLoaded).not.toHaveBeenCalled();
  });

  it('repairs on demand to MySQL minus the admin deltas still queued, so none is applied twice', async () => {
    // MySQL 50 holds an admin +20 that Redis will still get: the counter must be set to 30.
    const { reconciler, store } = build({
      loaded: true,
      snapshot: { counter: 25, appliedChangeId: 4 },
      queued: [{ id: 5, productId: 'A', counterOp: 'ADJUST', amount: 20 }],
    });
    expect((await reconciler.pass('repair', 1))[0]).toMatchObject({
      queued: 20,
      expected: 30,
      action: 'repaired',
    });
    expect(store.adjustCounter).toHaveBeenCalledWith('A', 4, 5, 1);
  });

  it('touches no counter that a queued admin change sets or removes', async () => {
    const { reconciler, store } = build({
      loaded: true,
      snapshot: { counter: null },
      queued: [{ id: 5, productId: 'A', counterOp: 'SET', amount: 50 }],
    });
    expect((await reconciler.pass('repair', 1))[0]?.action).toBe('awaiting-admin');
    expect(store.rebuildProduct).not.toHaveBeenCalled();
  });

  it('writes a missing catalogue entry', async () => {
    const { reconciler, store } = build({ loaded: true, snapshot: { product: {} } });
    await reconciler.pass('periodic', 1);
    expect(store.ensureProduct).toHaveBeenCalledWith(product);
  });
  it('remembers a drift in Redis: a second instance (or a restarted one) repairs on its first pass', async () => {
    const memory = { value: { drifts: new Map<string, number>(), missing: new Set<string>() } };
    const first = build({ loaded: true, snapshot: { counter: 40 }, memory });
    expect((await first.reconciler.pass('periodic', 1))[0]?.action).toBe('drift-seen');
    expect(memory.value.drifts).toEqual(new Map([['A', 10]]));
    const second = build({ loaded: true, snapshot: { counter: 40 }, memory });
    expect((await second.reconciler.pass('periodic', 2))[0]?.action).toBe('repaired');
    expect(second.store.adjustCounter).toHaveBeenCalledWith('A', 0, 10, 2);
    expect(memory.value.drifts.size).toBe(0);
  });

  it('does not subtract a deduction inventory-service already made whose answer is on its way', async () => {
    // o1 (3 units) is reserved and PENDING, but MySQL's 50 already lacks its units: the counter
    // at 50 - 3 = 47 is right, and so is nothing to repair.
    const { reconciler, store } = build({
      loaded: true,
      catalogue: { ...product, stock: 47 },
      snapshot: { counter: 47, reservations: [reservation('o1', 3)] },
      unsettled: [{ id: 'o1', productId: 'A', quantity: 3, kind: 'pending' }],
      movements: [{ id: '11', orderId: 'o1', productId: 'A', kind: 'ORDER_DEDUCTION', delta: -3 }],
    });
    expect((await reconciler.pass('repair', 1))[0]).toMatchObject({
      inFlight: 0,
      expected: 47,
      drift: 0,
    });
    expect(store.adjustCounter).not.toHaveBeenCalled();
  });

  it('refuses to write without the lock', async () => {
    const { reconciler } = build({ loaded: true, snapshot: { counter: 40 } });
    await expect(reconciler.pass('repair')).rejects.toThrow('needs the lock');
  });

  it('reports a repair refused by the fence as skipped', async () => {
    const { reconciler, store } = build({ loaded: true, snapshot: { counter: 40 } });
    (store.adjustCounter as unknown as jest.Mock).mockImplementation(() =>
      Promise.resolve({ kind: 'fenced' }),
    );
    expect((await reconciler.pass('repair', 1))[0]?.action).toBe('repair-skipped');
    expect(store.publishStockChanged).not.toHaveBeenCalled();
  });
});
