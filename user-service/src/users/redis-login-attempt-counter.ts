import { Injectable } from '@nestjs/common';
import { InjectRedis, type RedisClient } from '@flash-sale/common';
import { LoginAttemptCounter, type AttemptCount } from './login-attempt-counter.js';

const KEY_PREFIX = 'user-service:login-attempts:';

type ExecResult = [Error | null, unknown][] | null;

function resultsOf(replies: ExecResult): unknown[] {
  if (!replies) throw new Error('Redis transaction was aborted');
  return replies.map(([error, value]) => {
    if (error) throw error;
    return value;
  });
}

/**
 * {@link LoginAttemptCounter} on Redis. Each operation is one MULTI on one key, so it is atomic
 * and stays on one slot of a Redis Cluster. `SET NX EX` starts the window only when the key is
 * absent, so a burst cannot keep a key alive forever.
 */
@Injectable()
export class RedisLoginAttemptCounter extends LoginAttemptCounter {
  constructor(@InjectRedis() private readonly redis: RedisClient) {
    super();
  }

  async increment(key: string, windowSeconds: number): Promise<AttemptCount> {
    const redisKey = KEY_PREFIX + key;
    const [, count, ttlMs] = resultsOf(
      await this.redis
        .multi()
        .set(redisKey, 0, 'EX', windowSeconds, 'NX')
        .incr(redisKey)
        .pttl(redisKey)
        .exec(),
    ) as [unknown, number, number];
    return { count, resetInMs: ttlMs > 0 ? ttlMs : windowSeconds * 1_000 };
  }

  async current(key: string): Promise<AttemptCount> {
    const redisKey = KEY_PREFIX + key;
    const [count, ttlMs] = resultsOf(
      await this.redis.multi().get(redisKey).pttl(redisKey).exec(),
    ) as [string | null, number];
    return { count: Number(count ?? 0), resetInMs: Math.max(0, ttlMs) };
  }

  async extend(key: string, seconds: number): Promise<void> {
    // GT: only ever lengthens, so concurrent extensions cannot shorten each other's backoff.
    await this.redis.pexpire(KEY_PREFIX + key, seconds * 1_000, 'GT');
  }

  async reset(key: string): Promise<void> {
    await this.redis.del(KEY_PREFIX + key);
  }
}
