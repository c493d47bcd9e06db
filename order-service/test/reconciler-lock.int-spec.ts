import { Redis } from 'ioredis';
import { StockCountersStore } from '../src/stock/stock-counters.store.js';
import { StockKeys } from '../src/stock/stock-keys.js';
import { ThrowawayRedis } from './support/throwaway-redis.js';

/**
 * The reconciler's lock, fence tokens and drift memory on a real Redis of this test's own (the
 * lock is a global key: on the shared Redis it would meet the reconcilers of running services).
 * Each store stands for one order-service instance.
 */
describe('reconciler lock, fencing and drift memory (real Redis)', () => {
  let redis: ThrowawayRedis;
  const clients: Redis[] = [];

  async function instance(): Promise<StockCountersStore> {
    const client = new Redis({ host: '127.0.0.1', port: redis.port });
    clients.push(client);
    const store = new StockCountersStore(client);
    await store.onModuleInit();
    return store;
  }

  beforeAll(async () => {
    const port = process.env.THROWAWAY_REDIS_PORT;
    redis = await ThrowawayRedis.start(port ? Number(port) : undefined);
  });

  afterAll(async () => {
    for (const client of clients) client.disconnect();
    await redis?.stop();
  });

  it('lets one instance at a time hold the lock, each new holder with a higher fence token', async () => {
    const [a, b] = [await instance(), await instance()];
    const [first, second] = await Promise.all([
      a.acquireReconcilerLock(60_000),
      b.acquireReconcilerLock(60_000),
    ]);
    // Exactly one of two simultaneous takers wins.
    expect([first, second].filter((fence) => fence !== null)).toHaveLength(1);
    const holder = first !== null ? a : b;
    const fence = (first ?? second) as number;
    await holder.releaseReconcilerLock(fence);
    const next = await b.acquireReconcilerLock(60_000);
    expect(next).not.toBeNull();
    expect(next as number).toBeGreaterThan(fence);
    await b.releaseReconcilerLock(next as number);
  });

  it('refuses the writes of a holder whose lock expired and was taken by another', async () => {
    const p = `T-os-fence-${Date.now().toString(36)}`;
    await redis.client.set(StockKeys.stock(p), '10');
    await redis.client.set(StockKeys.ready(p), '1');
    const [paused, live] = [await instance(), await instance()];
    const old = (await paused.acquireReconcilerLock(100)) as number;
    expect(old).not.toBeNull();
    // The paused holder's lock runs out; the other instance takes it and repairs.
    while ((await redis.client.exists(StockKeys.reconcilerLock)) === 1) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const current = (await live.acquireReconcilerLock(60_000)) as number;
    expect(current).toBeGreaterThan(old);
    expect(await live.adjustCounter(p, 0, -2, current)).toEqual({ kind: 'adjusted', counter: 8 });
    // The paused one wakes up and writes what it computed long ago: refused.
    expect(await paused.adjustCounter(p, 0, 5, old)).toEqual({ kind: 'fenced' });
    expect(await redis.client.get(StockKeys.stock(p))).toBe('8');
    // Its release does not free the lock the other holds.
    await paused.releaseReconcilerLock(old);
    expect(await redis.client.get(StockKeys.reconcilerLock)).toBe(String(current));
    await live.releaseReconcilerLock(current);
  });

  it('extends only its own lease: a renewed lock outlives its first TTL, a lost one is not renewed', async () => {
    const [holder, other] = [await instance(), await instance()];
    const fence = (await holder.acquireReconcilerLock(300)) as number;
    expect(fence).not.toBeNull();
    expect(await holder.extendReconcilerLock(fence, 60_000)).toBe(true);
    expect(await redis.client.pttl(StockKeys.reconcilerLock)).toBeGreaterThan(1_000);
    // Taken from it (as after its lease ran out): its renewal must not keep the new holder's lock.
    await redis.client.del(StockKeys.reconcilerLock);
    const next = (await other.acquireReconcilerLock(300)) as number;
    expect(next).toBeGreaterThan(fence);
    expect(await holder.extendReconcilerLock(fence, 60_000)).toBe(false);
    expect(await redis.client.pttl(StockKeys.reconcilerLock)).toBeLessThanOrEqual(300);
    await other.releaseReconcilerLock(next);
  });

  it('keeps the drift memory in Redis: a restarted instance reads what another wrote', async () => {
    const before = await instance();
    await before.writeDriftMemory(
      { drifts: new Map([['A', -3]]), missing: new Set(['B']) },
      60_000,
    );
    const restarted = await instance();
    expect(await restarted.readDriftMemory()).toEqual({
      drifts: new Map([['A', -3]]),
      missing: new Set(['B']),
    });
    await restarted.writeDriftMemory({ drifts: new Map(), missing: new Set() }, 60_000);
    expect(await before.readDriftMemory()).toEqual({ drifts: new Map(), missing: new Set() });
    expect(await redis.client.pttl(StockKeys.reconcilerDrift)).toBe(-2);
  });
});
