import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { FencedLock, LockLostError } from '../src/index.js';

/** The fenced lock's scripts against the real Redis on this machine, each test on its own lock. */
describe(FencedLock.name, () => {
  const redis = new Redis({
    host: process.env.REDIS_HOST ?? '127.0.0.1',
    port: Number(process.env.REDIS_PORT ?? 6379),
    enableAutoPipelining: true,
  });
  const locks: FencedLock[] = [];
  const newLock = (leaseMs: number, name = `test-${randomUUID()}`) => {
    const lock = new FencedLock(redis, name, leaseMs);
    locks.push(lock);
    return lock;
  };

  afterAll(async () => {
    await redis.del(...locks.flatMap((l) => [l.key, l.fenceKey]));
    await redis.quit();
  });

  it('lets one of many concurrent holders in, with a fence larger than every earlier one', async () => {
    const name = `test-${randomUUID()}`;
    const instances = Array.from({ length: 5 }, () => newLock(10_000, name));
    const leases = await Promise.all(instances.map((l) => l.tryAcquire()));
    const holders = leases.filter((l) => l !== null);
    expect(holders).toHaveLength(1);
    const first = holders[0];
    const holder = instances[leases.indexOf(first)];

    await holder.confirm(first);
    expect(await holder.release(first)).toBe(true);
    const second = await instances[0].tryAcquire();
    expect(second?.fence).toBeGreaterThan(first.fence);
    // Both keys share the hash tag: one Redis Cluster slot.
    expect(holder.key).toBe(`lock:{${name}}`);
    expect(holder.fenceKey).toBe(`lock:{${name}}:fence`);
  });

  it('refuses a holder whose lease ran out once another took the lock, and never frees the other', async () => {
    const name = `test-${randomUUID()}`;
    const paused = newLock(200, name);
    const other = newLock(10_000, name);
    const stale = await paused.tryAcquire();
    expect(stale).not.toBeNull();
    await sleep(400);
    const fresh = await other.tryAcquire();
    expect(fresh).not.toBeNull();
    expect(fresh!.fence).toBeGreaterThan(stale!.fence);

    await expect(paused.confirm(stale!)).rejects.toBeInstanceOf(LockLostError);
    expect(await paused.release(stale!)).toBe(false);
    await other.confirm(fresh!);
    expect(await redis.get(other.key)).toBe(`${fresh!.token}|${fresh!.fence}`);
  });

  it('extends the lease on confirm, so a holder that keeps confirming keeps the lock', async () => {
    const name = `test-${randomUUID()}`;
    const holder = newLock(10_000, name);
    const rival = newLock(10_000, name);
    const lease = await holder.tryAcquire();
    // Nearly run out (as if most of the lease had passed), then confirmed: a full lease again.
    await redis.pexpire(holder.key, 50);
    await holder.confirm(lease!);
    expect(await redis.pttl(holder.key)).toBeGreaterThan(5_000);
    expect(await rival.tryAcquire()).toBeNull();
    expect(await holder.runExclusive(() => Promise.resolve('x'))).toEqual({ ran: false });
    await holder.release(lease!);
    expect(await rival.runExclusive(() => Promise.resolve('done'))).toEqual({
      ran: true,
      value: 'done',
    });
    // runExclusive released it again.
    expect(await redis.exists(rival.key)).toBe(0);
  });
});
