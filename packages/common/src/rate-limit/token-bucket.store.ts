import { readFileSync } from 'node:fs';
import { Inject, Injectable } from '@nestjs/common';
import type { RedisClient } from '../redis/redis-client.js';
import { REDIS_CLIENT } from '../redis/redis.module.js';
import type { TokenBucket } from './rate-limit.policy.js';

/** What one take from a bucket answered. */
export interface BucketAnswer {
  taken: boolean;
  /** Whole tokens left after this request. */
  remaining: number;
  /** Taken: ms until the bucket is full again. Refused: ms until one token is back. */
  waitMs: number;
}

/** Next to this file; `npm run build` copies it into dist/ (scripts/copy-assets.mjs). */
const SCRIPT_URL = new URL('./token-bucket.lua', import.meta.url);
const COMMAND = 'rateLimitTakeToken';

type TakeCommand = (
  key: string,
  burst: number,
  perSecond: number,
) => Promise<[number, number, number]>;

/**
 * Token buckets in Redis, shared by every instance of a service. One EVALSHA per bucket, run
 * through ioredis' `defineCommand` (EVALSHA, EVAL on NOSCRIPT), as inventory-service runs its
 * script: order-service's LuaScript helper lives in order-service, and this store serves
 * user-service too. With auto-pipelining, the per-user and per-address takes of one request,
 * issued in the same tick, go to Redis in one write and come back in one read: one round trip.
 *
 * Why a script and not a library: rate-limiter-flexible and @nestjs/throttler's Redis stores count
 * fixed windows (a burst at a window's edge doubles the rate) and @nestjs/throttler takes a
 * round trip per limit; a token bucket needs the read-refill-take step to be atomic, which is this
 * 30-line script. Each bucket is one key, so the script stays in one Redis Cluster slot.
 */
@Injectable()
export class TokenBucketStore {
  private readonly take: TakeCommand;

  constructor(@Inject(REDIS_CLIENT) redis: RedisClient) {
    redis.defineCommand(COMMAND, { numberOfKeys: 1, lua: readFileSync(SCRIPT_URL, 'utf8') });
    const command = (redis as unknown as Record<string, TakeCommand>)[COMMAND];
    if (!command) throw new Error(`Redis command ${COMMAND} was not defined`);
    this.take = command.bind(redis);
  }

  /** Takes one token from the bucket at `key` (created full on first use). */
  async takeToken(key: string, bucket: TokenBucket): Promise<BucketAnswer> {
    const [taken, remaining, waitMs] = await this.take(key, bucket.burst, bucket.perSecond);
    return { taken: taken === 1, remaining, waitMs };
  }
}
