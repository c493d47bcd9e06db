import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { loadOrderServiceConfig } from '../src/config.js';
import { ReservationStore, type ReserveRequest } from '../src/stock/reservation.store.js';
import { StockCountersStore } from '../src/stock/stock-counters.store.js';
import { StockKeys } from '../src/stock/stock-keys.js';

/**
 * The Lua scripts on the real Redis (scripts/infra.sh up). Every test uses its own product id,
 * and deletes exactly its own keys afterwards (the Redis is shared; never FLUSHALL here).
 */
const config = loadOrderServiceConfig({ ...process.env });
const connect = () =>
  new Redis({ host: config.REDIS_HOST, port: config.REDIS_PORT, password: config.REDIS_PASSWORD });

/** The hot path's and the reconciler's stores on one connection: their scripts meet on the keys. */
function storesOn(redis: Redis) {
  const reservations = new ReservationStore(redis);
  const counters = new StockCountersStore(redis);
  return {
    reserve: reservations.reserve.bind(reservations),
    release: reservations.release.bind(reservations),
    readAllReservations: reservations.readAllReservations.bind(reservations),
    snapshot: counters.snapshot.bind(counters),
    repairCounter: counters.repairCounter.bind(counters),
    rebuildProduct: counters.rebuildProduct.bind(counters),
    onModuleInit: () => Promise.all([reservations.onModuleInit(), counters.onModuleInit()]),
  };
}

describe('stock Lua scripts (real Redis)', () => {
  let redis: Redis;
  let store: ReturnType<typeof storesOn>;
  const products: string[] = [];

  beforeAll(async () => {
    redis = connect();
    store = storesOn(redis);
    await store.onModuleInit();
  });

  afterAll(async () => {
    for (const p of products) {
      const keys = [...(await redis.keys(`*{${p}}*`)), StockKeys.stock(p)];
      await redis.del(...keys);
    }
    await redis.quit();
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
        await Promise.all(clients.map((c) => (c as unknown as { redis: Redis }).redis.quit()));
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
      expect(await store.release([release])).toEqual(['no-counter']);
      await redis.del(StockKeys.stock(p));
      expect(await store.release([release])).toEqual(['no-counter']);
      expect(await redis.exists(StockKeys.released(p, r.orderId))).toBe(0);
      // Rebuilt from MySQL with this order still counted as taken: 4 - 2.
      expect(
        await store.rebuildProduct(
          { productId: p, name: 'x', priceCents: 1, maxPerUser: null },
          2,
          new Map(),
        ),
      ).toBe(true);
      expect(await store.release([release])).toEqual(['released']);
      expect(await redis.get(StockKeys.stock(p))).toBe('4');
    });
  });

  describe('rebuild and repair', () => {
    it('rebuilds a missing counter with its catalogue entry and per-user totals, once', async () => {
      const p = `T-os-lua-${randomUUID().slice(0, 18)}`;
      products.push(p);
      const entry = { productId: p, name: 'Phone', priceCents: 999, maxPerUser: 2 };
      expect(await store.rebuildProduct(entry, 7, new Map([['3', 2]]))).toBe(true);
      expect(await redis.get(StockKeys.stock(p))).toBe('7');
      expect(await redis.hgetall(StockKeys.product(p))).toEqual({
        name: 'Phone',
        priceCents: '999',
        maxPerUser: '2',
      });
      expect(await redis.hget(StockKeys.bought(p), '3')).toBe('2');
      expect(await redis.exists(StockKeys.ready(p))).toBe(1);
      expect(await store.reserve(request(p, { userId: '3' }))).toMatchObject({ kind: 'limit' });
      expect(await store.rebuildProduct(entry, 100, new Map())).toBe(false);
      expect(await redis.get(StockKeys.stock(p))).toBe('7');
    });

    it('repairs a counter only if it still holds the observed value', async () => {
      const p = await product(5, { ready: false });
      expect(await store.repairCounter(p, 4, 9)).toBe(false);
      expect(await redis.get(StockKeys.stock(p))).toBe('5');
      expect(await store.repairCounter(p, 5, 9)).toBe(true);
      expect(await redis.get(StockKeys.stock(p))).toBe('9');
      expect(await redis.exists(StockKeys.ready(p))).toBe(1);
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
    });
  });
});
