import { ProductHashFields, RedisKeys, STOCK_CHANGED_CHANNEL } from '@flash-sale/contracts';
import { eventually } from '@flash-sale/common/testing';
import { Redis } from 'ioredis';
import { RedisCatalogueStore, syncMarkerKey } from '../src/redis-sync/redis-catalogue.store.js';
import type { RedisUpdate } from '../src/redis-sync/redis-update.js';
import { testConfig, uniqueProductId } from './support/test-app.js';

/** The Lua script that applies queued admin changes, against the real Redis. */
describe(`${RedisCatalogueStore.name} (integration)`, () => {
  const config = testConfig();
  let redis: Redis;
  let subscriber: Redis;
  let store: RedisCatalogueStore;
  const heard: string[] = [];
  let productId: string;
  let nextId = 1;

  const entry = { name: 'Phone', priceCents: 4_990, maxPerUser: 2 };
  const apply = (change: Omit<RedisUpdate, 'productId'>, id = nextId++) =>
    store.applyOnce({ ...change, productId, id: String(id) });
  const counter = () => redis.get(RedisKeys.stock(productId));

  beforeAll(async () => {
    redis = new Redis({ host: config.REDIS_HOST, port: config.REDIS_PORT });
    subscriber = redis.duplicate();
    subscriber.on('message', (_channel: string, message: string) => heard.push(message));
    await subscriber.subscribe(STOCK_CHANGED_CHANNEL);
    store = new RedisCatalogueStore(redis);
  });

  beforeEach(() => {
    productId = uniqueProductId('lua');
    nextId = 1;
  });

  afterAll(async () => {
    subscriber?.disconnect();
    await redis?.quit();
  });

  it('sets the counter and the catalogue hash, and announces the stock change', async () => {
    await expect(
      apply({ counter: { op: 'SET', amount: 10 }, catalogue: { op: 'PUT', entry } }),
    ).resolves.toBe(true);
    expect(await counter()).toBe('10');
    expect(await redis.hgetall(RedisKeys.product(productId))).toEqual({
      [ProductHashFields.Name]: 'Phone',
      [ProductHashFields.PriceCents]: '4990',
      [ProductHashFields.MaxPerUser]: '2',
    });
    await eventually(() => (heard.includes(productId) ? true : undefined), 5_000);
  });

  it('applies an update once: a replay or an older update is skipped', async () => {
    await apply({ counter: { op: 'SET', amount: 10 }, catalogue: { op: 'PUT', entry } }, 1);
    const adjust = {
      counter: { op: 'ADJUST', amount: -3 },
      catalogue: { op: 'PUT', entry },
    } as const;
    await expect(apply(adjust, 5)).resolves.toBe(true);
    await expect(apply(adjust, 5)).resolves.toBe(false);
    await expect(apply(adjust, 4)).resolves.toBe(false);
    expect(await counter()).toBe('7');
    expect(await redis.get(syncMarkerKey(productId))).toBe('5');
  });

  it('adds a delta to a live counter, keeping what orders reserved meanwhile', async () => {
    await apply({ counter: { op: 'SET', amount: 10 }, catalogue: { op: 'PUT', entry } });
    await redis.decrby(RedisKeys.stock(productId), 4);
    await apply({ counter: { op: 'ADJUST', amount: 5 }, catalogue: { op: 'PUT', entry } });
    expect(await counter()).toBe('11');
  });

  it('never creates a missing counter from a delta', async () => {
    await apply({ counter: { op: 'ADJUST', amount: 5 }, catalogue: { op: 'PUT', entry } });
    expect(await counter()).toBeNull();
  });

  it('sets a missing counter on SET_IF_MISSING, and leaves a live one alone', async () => {
    await apply({ counter: { op: 'SET_IF_MISSING', amount: 8 }, catalogue: { op: 'PUT', entry } });
    expect(await counter()).toBe('8');
    await redis.decrby(RedisKeys.stock(productId), 3);
    await apply({ counter: { op: 'SET_IF_MISSING', amount: 8 }, catalogue: { op: 'PUT', entry } });
    expect(await counter()).toBe('5');
  });

  it('drops the per-user cap field when the cap is removed', async () => {
    await apply({ counter: { op: 'NONE' }, catalogue: { op: 'PUT', entry } });
    await apply({
      counter: { op: 'NONE' },
      catalogue: { op: 'PUT', entry: { ...entry, maxPerUser: null } },
    });
    expect(await redis.hgetall(RedisKeys.product(productId))).not.toHaveProperty(
      ProductHashFields.MaxPerUser,
    );
  });

  it('removes the counter and the hash of a deleted product', async () => {
    await apply({ counter: { op: 'SET', amount: 10 }, catalogue: { op: 'PUT', entry } });
    await apply({ counter: { op: 'REMOVE' }, catalogue: { op: 'REMOVE' } });
    expect(await counter()).toBeNull();
    expect(await redis.exists(RedisKeys.product(productId))).toBe(0);
  });

  it('keeps the product index that GET /api/stock lists: in on PUT (replays too), out on REMOVE', async () => {
    const indexed = () => redis.sismember(RedisKeys.productIndex, productId);
    await apply({ counter: { op: 'SET', amount: 10 }, catalogue: { op: 'PUT', entry } }, 1);
    expect(await indexed()).toBe(1);
    // A crash between the script and the index: the replay (skipped by the script) adds it.
    await redis.srem(RedisKeys.productIndex, productId);
    await expect(
      apply({ counter: { op: 'SET', amount: 10 }, catalogue: { op: 'PUT', entry } }, 1),
    ).resolves.toBe(false);
    expect(await indexed()).toBe(1);

    await apply({ counter: { op: 'REMOVE' }, catalogue: { op: 'REMOVE' } }, 2);
    expect(await indexed()).toBe(0);
  });
});
