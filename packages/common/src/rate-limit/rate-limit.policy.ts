import { z } from 'zod';
import type { AuthenticatedRequest } from '../auth/auth.decorators.js';

/**
 * A token bucket: a caller starts with `burst` tokens, each request takes one, and tokens come
 * back at `perSecond` up to `burst` again. So a caller may click `burst` times at once and then
 * keep going at `perSecond`.
 */
export interface TokenBucket {
  burst: number;
  perSecond: number;
}

/**
 * The buckets of one named limit (`@RateLimit(name)`). A request takes a token from each bucket
 * the rule has and is refused (429) when any of them is empty.
 */
export interface RateLimitRule {
  /** One bucket per user: see {@link userOf}. `null` turns it off. */
  perUser: TokenBucket | null;
  /** One bucket per client network (an IPv4 address, an IPv6 /64). `null` turns it off. */
  perAddress: TokenBucket | null;
  /**
   * Who "the user" is. By default the subject of the access token (the global JWT guard runs
   * first); a public route gives its own (login: the account asked for, with the address).
   * `undefined` skips the user bucket for that request.
   */
  userOf?: (request: AuthenticatedRequest) => string | undefined;
}

/** The rules of a service by name; `@RateLimit(name)` on a route picks one. */
export type RateLimitRules = Record<string, RateLimitRule>;

const BUCKET_FORMAT = 'must be "<burst>,<per second>" (e.g. "10,2") or "off"';

/**
 * An env variable holding a token bucket as `"<burst>,<per second>"` (`"10,2"`: 10 at once, then
 * 2 a second), or `off`. Rates may be fractions (`"10,0.2"`: one every 5 s).
 */
export function tokenBucketEnv(fallback: string) {
  return z
    .string()
    .trim()
    .default(fallback)
    .transform((value, ctx): TokenBucket | null => {
      if (value === 'off') return null;
      const match = /^(\d{1,9})\s*,\s*(\d{1,9}(?:\.\d{1,6})?)$/.exec(value);
      const burst = Number(match?.[1]);
      const perSecond = Number(match?.[2]);
      if (!match || burst < 1 || perSecond <= 0) {
        ctx.addIssue({ code: 'custom', message: BUCKET_FORMAT });
        return z.NEVER;
      }
      return { burst, perSecond };
    });
}

/**
 * Seconds a full refill of the bucket takes: the window `w` of the policy as the IETF draft
 * describes it (`burst` requests per `w` seconds), at least 1.
 */
export function windowSecondsOf(bucket: TokenBucket): number {
  return Math.max(1, Math.ceil(bucket.burst / bucket.perSecond));
}

/**
 * One item of `RateLimit-Policy` (draft-ietf-httpapi-ratelimit-headers-09, §3): the policy's name
 * as a structured-field string, its quota `q` and window `w` in seconds.
 */
export function policyItem(name: string, bucket: TokenBucket): string {
  return `"${name}";q=${bucket.burst};w=${windowSecondsOf(bucket)}`;
}

/**
 * One item of `RateLimit` (draft-ietf-httpapi-ratelimit-headers-09, §4): what is left (`r`) of the
 * named policy and in how many seconds it is whole again (`t`).
 */
export function limitItem(name: string, remaining: number, resetMs: number): string {
  return `"${name}";r=${remaining};t=${Math.ceil(resetMs / 1_000)}`;
}
