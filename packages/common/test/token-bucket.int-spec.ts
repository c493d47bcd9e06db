import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { TokenBucketStore } from '../src/index.js';

/** The token-bucket script against the real Redis on this machine, each test on its own key. */
describe(TokenBucketStore.name, () => {
  const redis = new Redis({
    host: process.env.REDIS_HOST ?? '127.0.0.1',
    port: Number(process.env.REDIS_PORT ?? 6379),
    enableAutoPipelining: true,
  });
  const store = new TokenBucketStore(redis);
  const keys: string[] = [];
  const newKey = () => {
    const key = `ratelimit:{test:${randomUUID()}}`;
    keys.push(key);
    return key;
  };

  afterAll(async () => {
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
  });

  it('gives a burst at once, then refuses with the wait until the next token', async () => {
    const key = newKey();
    const bucket = { burst: 5, perSecond: 1 };

    const answers = await Promise.all(
      Array.from({ length: 8 }, () => store.takeToken(key, bucket)),
    );

    expect(answers.filter((a) => a.taken)).toHaveLength(5);
    expect(answers.map((a) => a.remaining).slice(0, 5)).toEqual([4, 3, 2, 1, 0]);
    const refusal = answers[7];
    expect(refusal?.taken).toBe(false);
    expect(refusal?.waitMs).toBeGreaterThan(0);
    expect(refusal?.waitMs).toBeLessThanOrEqual(1_000);
  });

  it('refills at its rate', async () => {
    const key = newKey();
    const bucket = { burst: 2, perSecond: 20 };
    await store.takeToken(key, bucket);
    await store.takeToken(key, bucket);
    const empty = await store.takeToken(key, bucket);
    expect(empty.taken).toBe(false);

    // One token is back after waitMs (50 ms at 20/s): wait on that condition, not a fixed time.
    const deadline = Date.now() + 2_000;
    let again = await store.takeToken(key, bucket);
    while (!again.taken && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, again.waitMs));
      again = await store.takeToken(key, bucket);
    }
    expect(again.taken).toBe(true);
  });

  it('keeps each key apart and lets an idle bucket expire when full again', async () => {
    const a = newKey();
    const b = newKey();
    const bucket = { burst: 1, perSecond: 1 };
    expect((await store.takeToken(a, bucket)).taken).toBe(true);
    expect((await store.takeToken(a, bucket)).taken).toBe(false);
    expect((await store.takeToken(b, bucket)).taken).toBe(true);

    const ttl = await redis.pttl(a);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(2_000);
  });
});
