import { randomUUID } from 'node:crypto';
import { createRedisClient, isCluster, type RedisClient } from '@flash-sale/common';
import { loadOrderServiceConfig } from '../src/config.js';
import { KnownSequences } from '../src/stock/known-sequences.js';
import { ReservationStore, type ReserveRequest } from '../src/stock/reservation.store.js';
import { StockCountersStore } from '../src/stock/stock-counters.store.js';
import { StockKeys } from '../src/stock/stock-keys.js';
import { ThrowawayRedisCluster } from './support/throwaway-redis-cluster.js';

/**
 * The Lua scripts on the real Redis (scripts/infra.sh up), and the same tests again on a 3-master
 * Redis Cluster of the test's own (redis-server --cluster-enabled yes). Every test uses its own
 * product id, and deletes exactly its own keys afterwards (the Redis is shared; never FLUSHALL
 * here).
 */
const config = loadOrderServiceConfig({ ...process.env });

/** Where the scripts run: how to open a client there, and how to let go of it. */
interface Target {
  connect: () => RedisClient;
  stop: () => Promise<void>;
  /** The Cluster masters (their ports) that hold these keys; none on a stand-alone Redis. */
  mastersOf?: (keys: string[]) => Promise<Set<number>>;
  masters?: number;
}

const targets: [string, () => Promise<Target>][] = [
  [
    'stand-alone Redis',
    () =>
      Promise.resolve({
        connect: () => createRedisClient({ ...config, REDIS_CLUSTER_NODES: undefined }),
        stop: () => Promise.resolve(),
      }),
  ],
  [
    '3-master Redis Cluster',
    async () => {
      const cluster = await ThrowawayRedisCluster.start();
      return {
        connect: () =>
          createRedisClient(
            {
              ...config,
              REDIS_CLUSTER_NODES: cluster.ports.map((port) => ({ host: '127.0.0.1', port })),
            },
            { enableAutoPipelining: true },
          ),
        stop: () => cluster.stop(),
        mastersOf: async (keys) => new Set(await Promise.all(keys.map((k) => cluster.masterOf(k)))),
        masters: cluster.ports.length,
      };
    },
  ],
];

/** The hot path's and the reconciler's stores on one connection: their scripts meet on the keys. */
function storesOn(redis: RedisClient) {
  const reservations = new ReservationStore(redis);
  const counters = new StockCountersStore(redis);
  return {
    reserve: reservations.reserve.bind(reservations),
    release: reservations.release.bind(reservations),
    releaseUserUnits: reservations.releaseUserUnits.bind(reservations),
    readAllReservations: reservations.readAllReservations.bind(reservations),
    snapshot: counters.snapshot.bind(counters),
    adjustCounter: counters.adjustCounter.bind(counters),
    rebuildProduct: counters.rebuildProduct.bind(counters),
    onModuleInit: () => Promise.all([reservations.onModuleInit(), counters.onModuleInit()]),
  };
}

describe.each(targets)('stock Lua scripts (real Redis: %s)', (_name, startTarget) => {
  let target: Target;
  let connect: () => RedisClient;
  let redis: RedisClient;
  let store: ReturnType<typeof storesOn>;
  let counters: StockCountersStore;
  const products: string[] = [];

  beforeAll(async () => {
    target = await startTarget();
    connect = target.connect;
    redis = connect();
    store = storesOn(redis);
    await store.onModuleInit();
    counters = new StockCountersStore(redis);
  });

  afterAll(async () => {
    // The cluster is the test's own and goes whole; the shared Redis loses just our keys (KEYS is
    // fine in a test's clean-up of a stand-alone server, never on a request path).
    if (redis && !isCluster(redis)) {
      for (const p of products) {
        const keys = [...(await redis.keys(`*{${p}}*`)), StockKeys.stock(p)];
        await redis.del(...keys);
      }
      await redis.srem(StockKeys.productIndex, ...products, 'none');
    }
    await redis?.quit();
    await target?.stop();
  });

  async function product(
    stock: number,
    options: { maxPerUser?: number; ready?: boolean; price?: number } = {},
  ) {
    const p = `T-os-lua-${randomUUID().slice(0, 18)}`;
    products.push(p);
    await redis.set(StockKeys.stock(p), stock);
    await redis.hset(StockKeys.product(p), 'name', 'test', 'priceCents', options.price ?? 1_250);
    if (options.maxPerUser)
      await redis.hset(StockKeys.product(p), 'maxPerUser', options.maxPerUser);
    if (options.ready ?? true) await redis.set(StockKeys.ready(p), '1');
    // As inventory-service does when it writes a counter: the sweeper lists products from here.
    await redis.sadd(StockKeys.productIndex, p);
    return p;
  }

  function request(productId: string, overrides: Partial<ReserveRequest> = {}): ReserveRequest {
    const quantity = overrides.quantity ?? 1;
    return {
      orderId: randomUUID(),
      userId: '1',
      productId,
      quantity,
      nowMs: Date.now(),
      fingerprint: `${productId}:${quantity}`,
      idempotencyTtlSeconds: 60,
      ...overrides,
    };
  }

  describe('reserve-stock.lua', () => {
    it('lets exactly 100 of 1,000 concurrent calls through on a stock of 100', async () => {
      const p = await product(100);
      // Ten connections, so calls really interleave at the server.
      const clients = Array.from({ length: 10 }, () => new ReservationStore(connect()));
      try {
        const results = await Promise.all(
          Array.from({ length: 1_000 }, (_, i) =>
            clients[i % clients.length].reserve(request(p, { userId: String(i + 1) })),
          ),
        );
        const kinds = results.map((r) => r.kind);
        expect(kinds.filter((k) => k === 'reserved')).toHaveLength(100);
        expect(kinds.filter((k) => k === 'short')).toHaveLength(900);
        expect(await redis.get(StockKeys.stock(p))).toBe('0');
        expect(await redis.hlen(StockKeys.reservations(p))).toBe(100);
        // The remaining counts handed out are exactly 99..0, each once.
        const remaining = results.flatMap((r) => (r.kind === 'reserved' ? [r.remaining] : []));
        expect(remaining.sort((a, b) => a - b)).toEqual(Array.from({ length: 100 }, (_, i) => i));
      } finally {
        await Promise.all(
          clients.map((c) => (c as unknown as { redis: RedisClient }).redis.quit()),
        );
      }
    });

    it('takes several units at once, never more than there are', async () => {
      const p = await product(10);
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          store.reserve(request(p, { quantity: 3, userId: String(i + 1) })),
        ),
      );
      expect(results.filter((r) => r.kind === 'reserved')).toHaveLength(3);
      expect(await redis.get(StockKeys.stock(p))).toBe('1');
    });

    it('returns the price from the catalogue and records the reservation', async () => {
      const p = await product(5, { price: 4_999 });
      const r = request(p, { quantity: 2, userId: '42', idempotencyKey: 'key-1' });
      expect(await store.reserve(r)).toEqual({
        kind: 'reserved',
        remaining: 3,
        unitPriceCents: 4_999,
        sequence: 1,
      });
      const [entry] = await store
        .readAllReservations()
        .then((all) => all.filter((x) => x.orderId === r.orderId));
      expect(entry).toMatchObject({
        productId: p,
        userId: '42',
        quantity: 2,
        unitPriceCents: 4_999,
        idempotencyKey: 'key-1',
      });
    });

    it('answers a replayed key with the first order and takes nothing', async () => {
      const p = await product(10);
      const first = request(p, { quantity: 2, idempotencyKey: 'pay-1' });
      expect((await store.reserve(first)).kind).toBe('reserved');
      const again = await Promise.all(
        Array.from({ length: 20 }, () =>
          store.reserve(request(p, { quantity: 2, idempotencyKey: 'pay-1' })),
        ),
      );
      for (const result of again) {
        expect(result).toEqual({ kind: 'replay', orderId: first.orderId, fingerprint: `${p}:2` });
      }
      const other = await store.reserve(request(p, { quantity: 3, idempotencyKey: 'pay-1' }));
      expect(other).toEqual({ kind: 'replay', orderId: first.orderId, fingerprint: `${p}:2` });
      expect(await redis.get(StockKeys.stock(p))).toBe('8');
      // The key is the user's own: another user may use the same one.
      expect((await store.reserve(request(p, { userId: '2', idempotencyKey: 'pay-1' }))).kind).toBe(
        'reserved',
      );
    });

    it('holds the per-user cap across orders, also under concurrency', async () => {
      const p = await product(100, { maxPerUser: 3 });
      expect((await store.reserve(request(p, { quantity: 2, userId: '5' }))).kind).toBe('reserved');
      expect(await store.reserve(request(p, { quantity: 2, userId: '5' }))).toEqual({
        kind: 'limit',
        held: 2,
        maxPerUser: 3,
      });
      expect((await store.reserve(request(p, { quantity: 1, userId: '5' }))).kind).toBe('reserved');
      const burst = await Promise.all(
        Array.from({ length: 50 }, () => store.reserve(request(p, { userId: '6' }))),
      );
      expect(burst.filter((r) => r.kind === 'reserved')).toHaveLength(3);
      expect(await redis.hget(StockKeys.bought(p), '6')).toBe('3');
      expect(await redis.get(StockKeys.stock(p))).toBe(String(100 - 3 - 3));
    });

    it('refuses a missing counter, an unready counter and a missing catalogue entry, writing nothing', async () => {
      const missing = `T-os-lua-${randomUUID().slice(0, 18)}`;
      products.push(missing);
      expect(await store.reserve(request(missing, { idempotencyKey: 'k' }))).toEqual({
        kind: 'no-counter',
      });
      expect(await redis.exists(StockKeys.stock(missing), StockKeys.reservations(missing))).toBe(0);
      expect(await redis.exists(StockKeys.idempotency(missing, '1', 'k'))).toBe(0);

      const unready = await product(5, { ready: false });
      expect(await store.reserve(request(unready))).toEqual({ kind: 'not-ready' });
      expect(await redis.get(StockKeys.stock(unready))).toBe('5');

      const noEntry = await product(5);
      await redis.del(StockKeys.product(noEntry));
      expect(await store.reserve(request(noEntry))).toEqual({ kind: 'no-product' });
      expect(await redis.get(StockKeys.stock(noEntry))).toBe('5');
    });
  });

  describe('release-stock.lua', () => {
    it('gives an order back exactly once, however many paths ask at once', async () => {
      const p = await product(10, { maxPerUser: 5 });
      const r = request(p, { quantity: 3, userId: '9', idempotencyKey: 'k9' });
      await store.reserve(r);
      const release = {
        orderId: r.orderId,
        userId: '9',
        productId: p,
        quantity: 3,
        idempotencyKey: 'k9',
        dropIdempotencyKey: false,
      };
      const outcomes = (
        await Promise.all(Array.from({ length: 50 }, () => store.release([release])))
      ).flat();
      expect(outcomes.filter((o) => o === 'released')).toHaveLength(1);
      expect(outcomes.filter((o) => o === 'already')).toHaveLength(49);
      expect(await redis.get(StockKeys.stock(p))).toBe('10');
      expect(await redis.hexists(StockKeys.bought(p), '9')).toBe(0);
      expect(await redis.hexists(StockKeys.reservations(p), r.orderId)).toBe(0);
      // A failed or cancelled order keeps its key: a replay still answers with that order.
      expect(await redis.exists(StockKeys.idempotency(p, '9', 'k9'))).toBe(1);
    });

    it("gives the units back to the counter and to the buyer's total at once", async () => {
      const p = await product(10, { maxPerUser: 5 });
      const r = request(p, { quantity: 3, userId: '9' });
      await store.reserve(r);
      // The cap counts them: 3 + 3 > 5.
      expect(await store.reserve(request(p, { quantity: 3, userId: '9' }))).toMatchObject({
        kind: 'limit',
        held: 3,
      });
      const release = {
        orderId: r.orderId,
        userId: '9',
        productId: p,
        quantity: 3,
        idempotencyKey: null,
        dropIdempotencyKey: false,
      };
      expect(await store.release([release])).toEqual(['released']);
      expect(await redis.get(StockKeys.stock(p))).toBe('10');
      expect(await redis.hexists(StockKeys.bought(p), '9')).toBe(0);
      // Once: a second give-back changes neither.
      expect(await store.release([release])).toEqual(['already']);
      expect(await redis.get(StockKeys.stock(p))).toBe('10');
      expect(await store.reserve(request(p, { quantity: 3, userId: '9' }))).toMatchObject({
        kind: 'reserved',
      });
      expect(await redis.hget(StockKeys.bought(p), '9')).toBe('3');
    });

    it("release-user-units takes an order's units off its buyer's total only", async () => {
      // An order cancelled by an earlier version: its stock went back at cancel time.
      const p = await product(10, { maxPerUser: 5 });
      await redis.hset(StockKeys.bought(p), '9', '4');
      await store.releaseUserUnits([{ userId: '9', productId: p, quantity: 3 }]);
      expect(await redis.hget(StockKeys.bought(p), '9')).toBe('1');
      expect(await redis.get(StockKeys.stock(p))).toBe('10');
      await store.releaseUserUnits([{ userId: '9', productId: p, quantity: 1 }]);
      expect(await redis.hexists(StockKeys.bought(p), '9')).toBe(0);
    });

    it('release-user-units does nothing while the counter is not rebuilt', async () => {
      const p = await product(10, { maxPerUser: 5, ready: false });
      await redis.hset(StockKeys.bought(p), '9', '3');
      await store.releaseUserUnits([{ userId: '9', productId: p, quantity: 3 }]);
      expect(await redis.hget(StockKeys.bought(p), '9')).toBe('3');
    });

    it("forgets the idempotency key only when asked and only if it is still this order's", async () => {
      const p = await product(10);
      const mine = request(p, { idempotencyKey: 'k1' });
      await store.reserve(mine);
      const base = {
        userId: '1',
        productId: p,
        quantity: 1,
        idempotencyKey: 'k1',
        dropIdempotencyKey: true,
      };
      // Another order id holding the same key name: its key must stay.
      await store.release([{ ...base, orderId: randomUUID() }]);
      expect(await redis.exists(StockKeys.idempotency(p, '1', 'k1'))).toBe(1);
      await store.release([{ ...base, orderId: mine.orderId }]);
      expect(await redis.exists(StockKeys.idempotency(p, '1', 'k1'))).toBe(0);
    });

    it('does nothing while the counter is missing or not rebuilt, and gives back after the rebuild', async () => {
      const p = await product(4);
      const r = request(p, { quantity: 2 });
      await store.reserve(r);
      const release = {
        orderId: r.orderId,
        userId: '1',
        productId: p,
        quantity: 2,
        idempotencyKey: null,
        dropIdempotencyKey: false,
      };
      await redis.del(StockKeys.ready(p));
      expect(await store.release([release])).toEqual(['not-ready']);
      await redis.del(StockKeys.stock(p));
      expect(await store.release([release])).toEqual(['no-counter']);
      expect(await redis.exists(StockKeys.released(p, r.orderId))).toBe(0);
      // Rebuilt from MySQL with this order still counted as taken: 4 - 2.
      expect(
        await store.rebuildProduct(
          { productId: p, name: 'x', priceCents: 1, maxPerUser: null },
          2,
          new Map(),
          0,
        ),
      ).toBe(true);
      expect(await store.release([release])).toEqual(['released']);
      expect(await redis.get(StockKeys.stock(p))).toBe('4');
    });
  });

  describe('stale Redis (reservation sequence)', () => {
    it('hands out a growing sequence, and refuses (STALE) once Redis holds less than one handed out', async () => {
      const p = await product(10);
      const sequences = new KnownSequences();
      const hotPath = new ReservationStore(redis, sequences);
      const first = await hotPath.reserve(request(p));
      const second = await hotPath.reserve(request(p));
      expect(first).toMatchObject({ kind: 'reserved', sequence: 1 });
      expect(second).toMatchObject({ kind: 'reserved', sequence: 2 });
      expect(sequences.lowest(p)).toBe(2);

      // Redis goes back to the state after the first order (an older snapshot).
      await redis.set(StockKeys.sequence(p), '1');
      await redis.set(StockKeys.stock(p), '9');
      expect(await hotPath.reserve(request(p))).toEqual({ kind: 'stale', sequence: 1 });
      expect(await redis.get(StockKeys.stock(p))).toBe('9');
      expect(await redis.exists(StockKeys.ready(p))).toBe(0);
      expect(await redis.exists(StockKeys.stale(p))).toBe(1);
      // Every instance now stops, even one that never saw the higher sequence...
      expect(await store.reserve(request(p))).toEqual({ kind: 'not-ready' });
      // ...and none may mark the counter ready again but the rebuild.
      expect(await hotPath.markReady(p)).toBe(false);
      expect(await redis.exists(StockKeys.ready(p))).toBe(0);
    });

    it('the periodic check marks a product stale only when Redis is behind MySQL', async () => {
      const behind = await product(5);
      const level = await product(5);
      const missing = `T-os-lua-${randomUUID().slice(0, 18)}`;
      products.push(missing);
      await redis.set(StockKeys.sequence(behind), '3');
      await redis.set(StockKeys.sequence(level), '7');
      const stale = await counters.markStale(
        new Map([
          [behind, 4],
          [level, 7],
          [missing, 9],
        ]),
      );
      expect(stale).toEqual([behind]);
      expect(await redis.exists(StockKeys.ready(behind))).toBe(0);
      expect(await redis.exists(StockKeys.ready(level))).toBe(1);
      expect(await redis.exists(StockKeys.stale(missing))).toBe(0);
    });

    it('reset: counter by compare-and-set, per-user totals, sequence lifted, then sellable again', async () => {
      const p = await product(9, { maxPerUser: 3 });
      await redis.set(StockKeys.sequence(p), '1');
      await redis.hset(StockKeys.bought(p), '1', '1', '2', '3');
      await counters.markStale(new Map([[p, 5]]));
      expect(await counters.resetProduct(p, 8, 6, new Map([['1', 3]]), 1_000_005)).toBe(false);
      expect(await redis.exists(StockKeys.ready(p))).toBe(0);
      expect(await counters.resetProduct(p, 9, 6, new Map([['1', 3]]), 1_000_005)).toBe(true);
      expect(await redis.get(StockKeys.stock(p))).toBe('6');
      expect(await redis.hgetall(StockKeys.bought(p))).toEqual({ '1': '3' });
      expect(await redis.get(StockKeys.sequence(p))).toBe('1000005');
      expect(await redis.exists(StockKeys.stale(p))).toBe(0);
      // The cap comes from MySQL's totals now: user 1 holds 3 of 3, user 2 holds none.
      const hotPath = new ReservationStore(redis);
      expect(await hotPath.reserve(request(p, { userId: '1' }))).toMatchObject({ kind: 'limit' });
      expect(await hotPath.reserve(request(p, { userId: '2' }))).toMatchObject({
        kind: 'reserved',
        sequence: 1_000_006,
      });
    });
  });

  describe('default per-user cap', () => {
    it('caps a product that sets none; a product cap wins over it', async () => {
      const plain = await product(100);
      const capped = await product(100, { maxPerUser: 5 });
      const hotPath = new ReservationStore(redis, new KnownSequences(), { defaultMaxPerUser: 3 });
      expect(await hotPath.reserve(request(plain, { quantity: 2 }))).toMatchObject({
        kind: 'reserved',
      });
      expect(await hotPath.reserve(request(plain, { quantity: 2 }))).toEqual({
        kind: 'limit',
        held: 2,
        maxPerUser: 3,
      });
      expect(await hotPath.reserve(request(plain, { userId: '2', quantity: 3 }))).toMatchObject({
        kind: 'reserved',
      });
      expect(await hotPath.reserve(request(capped, { quantity: 5 }))).toMatchObject({
        kind: 'reserved',
      });
      // Without a default (0), an uncapped product keeps no per-user totals.
      const uncapped = await product(100);
      await new ReservationStore(redis).reserve(request(uncapped, { quantity: 50 }));
      expect(await redis.exists(StockKeys.bought(uncapped))).toBe(0);
    });
  });

  describe('many products at once', () => {
    it('reserves, snapshots, lists, sweeps and gives back products spread over every node', async () => {
      const ids = await Promise.all(Array.from({ length: 12 }, () => product(5)));
      const orders = ids.map((p, i) => request(p, { userId: String(i + 1), quantity: 2 }));
      const reserved = await Promise.all(orders.map((r) => store.reserve(r)));
      expect(reserved.map((r) => r.kind)).toEqual(ids.map(() => 'reserved'));

      // One call each across all products (different slots, so different nodes of a Cluster).
      const snapshots = await store.snapshot(ids);
      expect(snapshots.map((s) => [s.productId, s.counter, s.reservations.length])).toEqual(
        ids.map((p) => [p, 3, 1]),
      );
      const listed = await store.readAllReservations();
      expect(
        listed
          .filter((r) => ids.includes(r.productId))
          .map((r) => r.orderId)
          .sort(),
      ).toEqual(orders.map((r) => r.orderId).sort());
      const counted = (await counters.readAllCounters()).filter((c) => ids.includes(c.productId));
      expect(counted).toEqual(
        ids
          .map((p) => ({ productId: p, stock: 3 }))
          .sort((a, b) => a.productId.localeCompare(b.productId)),
      );
      const released = await store.release(
        orders.map((r) => ({ ...r, idempotencyKey: null, dropIdempotencyKey: false })),
      );
      expect(released).toEqual(ids.map(() => 'released'));
      expect(await Promise.all(ids.map((p) => redis.get(StockKeys.stock(p))))).toEqual(
        ids.map(() => '5'),
      );

      if (target.mastersOf && target.masters) {
        // The products' keys live on every master, each product's keys on one master.
        expect((await target.mastersOf(ids.map((p) => StockKeys.stock(p)))).size).toBe(
          target.masters,
        );
        for (const p of ids) {
          const keys = [
            StockKeys.stock(p),
            StockKeys.product(p),
            StockKeys.reservations(p),
            StockKeys.bought(p),
            StockKeys.idempotency(p, '1', 'k'),
            StockKeys.ready(p),
            StockKeys.sequence(p),
            StockKeys.stale(p),
            StockKeys.inventorySync(p),
            StockKeys.released(p, orders[0]?.orderId ?? ''),
          ];
          expect((await target.mastersOf(keys)).size).toBe(1);
        }
      }
    });
  });

  describe('rebuild and repair', () => {
    it('rebuilds a missing counter with its catalogue entry and per-user totals, once', async () => {
      const p = `T-os-lua-${randomUUID().slice(0, 18)}`;
      products.push(p);
      const entry = { productId: p, name: 'Phone', priceCents: 999, maxPerUser: 2 };
      expect(await store.rebuildProduct(entry, 7, new Map([['3', 2]]), 500)).toBe(true);
      expect(await redis.get(StockKeys.sequence(p))).toBe('500');
      expect(await redis.get(StockKeys.stock(p))).toBe('7');
      expect(await redis.hgetall(StockKeys.product(p))).toEqual({
        name: 'Phone',
        priceCents: '999',
        maxPerUser: '2',
      });
      expect(await redis.hget(StockKeys.bought(p), '3')).toBe('2');
      expect(await redis.exists(StockKeys.ready(p))).toBe(1);
      expect(await store.reserve(request(p, { userId: '3' }))).toMatchObject({ kind: 'limit' });
      expect(await store.rebuildProduct(entry, 100, new Map(), 0)).toBe(false);
      expect(await redis.get(StockKeys.stock(p))).toBe('7');
    });

    it('moves a ready counter by a delta, keeping what was reserved since the snapshot', async () => {
      const p = await product(10);
      const [before] = await store.snapshot([p]);
      await store.reserve(request(p, { quantity: 2 }));
      expect(await store.adjustCounter(p, before?.appliedChangeId ?? 0, 3, 1)).toEqual({
        kind: 'adjusted',
        counter: 11,
      });
      expect(await redis.get(StockKeys.stock(p))).toBe('11');
    });

    it('refuses the delta once an admin change was applied, or on a counter not ready', async () => {
      const p = await product(10);
      await redis.set(StockKeys.inventorySync(p), '41');
      expect(await store.adjustCounter(p, 40, 5, 1)).toEqual({ kind: 'outdated' });
      expect(await redis.get(StockKeys.stock(p))).toBe('10');
      const notReady = await product(10, { ready: false });
      expect(await store.adjustCounter(notReady, 0, 5, 1)).toEqual({ kind: 'outdated' });
      expect(await redis.get(StockKeys.stock(notReady))).toBe('10');
    });

    it('refuses a writer whose fence token is below one that wrote the counter', async () => {
      const p = await product(10);
      expect(await store.adjustCounter(p, 0, 1, 7)).toMatchObject({ kind: 'adjusted' });
      expect(await store.adjustCounter(p, 0, 1, 6)).toEqual({ kind: 'fenced' });
      expect(await store.adjustCounter(p, 0, 1, 7)).toMatchObject({ kind: 'adjusted' });
      expect(await redis.get(StockKeys.stock(p))).toBe('12');
    });

    it('snapshots counter, readiness, catalogue entry and reservations together', async () => {
      const p = await product(3);
      const r = request(p);
      await store.reserve(r);
      const [snapshot] = await store.snapshot([p]);
      expect(snapshot).toMatchObject({
        productId: p,
        counter: 2,
        ready: true,
        product: { priceCents: '1250' },
      });
      expect(snapshot?.reservations.map((x) => x.orderId)).toEqual([r.orderId]);
      expect(snapshot?.sequence).toBe(Number(await redis.get(StockKeys.sequence(p))));
    });
  });
});
