import {
  applyDecorators,
  CanActivate,
  ExecutionContext,
  Inject,
  Injectable,
  Logger,
  SetMetadata,
  UseGuards,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ApiTooManyRequestsResponse } from '@nestjs/swagger';
import { ErrorCode } from '@flash-sale/contracts';
import type { FastifyReply } from 'fastify';
import type { AuthenticatedRequest } from '../auth/auth.decorators.js';
import { DomainError } from '../errors/domain-error.js';
import { clientNetworkOf } from './client-network.js';
import {
  limitItem,
  policyItem,
  type RateLimitRule,
  type RateLimitRules,
  type TokenBucket,
} from './rate-limit.policy.js';
import { TokenBucketStore, type BucketAnswer } from './token-bucket.store.js';

/** Injection token of the service's {@link RateLimitRules}. */
export const RATE_LIMIT_RULES = Symbol('RATE_LIMIT_RULES');

const RATE_LIMIT_KEY = 'rateLimit:rule';

/** While Redis fails, one warning per this many ms (not one per request). */
const FAILURE_LOG_INTERVAL_MS = 10_000;

/** One bucket of a rule, with what every request would otherwise rebuild. */
interface PreparedBucket {
  bucket: TokenBucket;
  /** The Redis key up to the caller's id; the key is `${keyPrefix}${id}}`. */
  keyPrefix: string;
  /** The policy's name in the RateLimit fields. */
  name: string;
}

interface PreparedRule {
  perUser: PreparedBucket | null;
  perAddress: PreparedBucket | null;
  userOf: (request: AuthenticatedRequest) => string | undefined;
  /** The whole `RateLimit-Policy` value: it never changes. */
  policyHeader: string;
}

const tokenSubject = (request: AuthenticatedRequest): string | undefined => request.user?.sub;

function prepare(ruleName: string, rule: RateLimitRule): PreparedRule {
  const bucketOf = (kind: 'user' | 'address', bucket: TokenBucket | null) =>
    bucket && { bucket, keyPrefix: `ratelimit:{${ruleName}:${kind}:`, name: `${ruleName}-${kind}` };
  const perUser = bucketOf('user', rule.perUser);
  const perAddress = bucketOf('address', rule.perAddress);
  const items = [perUser, perAddress].flatMap((b) => (b ? [policyItem(b.name, b.bucket)] : []));
  return {
    perUser,
    perAddress,
    userOf: rule.userOf ?? tokenSubject,
    policyHeader: items.join(', '),
  };
}

/**
 * Token buckets per user and per client address on the routes marked `@RateLimit(name)`. An empty
 * bucket answers 429 RATE_LIMITED with `Retry-After`; every answer of such a route carries
 * `RateLimit-Policy` and `RateLimit` (draft-ietf-httpapi-ratelimit-headers-09). It runs after the
 * global JWT guard, so the per-user bucket is the token's subject.
 *
 * When Redis fails the request is let through (and logged): a limiter that is down should not
 * take the sale down with it, and the order path needs Redis anyway.
 */
@Injectable()
export class RateLimitGuard implements CanActivate {
  private readonly logger = new Logger('RateLimit');
  private readonly rules = new Map<string, PreparedRule>();
  private lastFailureLogAt = 0;

  constructor(
    private readonly reflector: Reflector,
    private readonly store: TokenBucketStore,
    @Inject(RATE_LIMIT_RULES) rules: RateLimitRules,
  ) {
    for (const [name, rule] of Object.entries(rules)) this.rules.set(name, prepare(name, rule));
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const name = this.reflector.get<string | undefined>(RATE_LIMIT_KEY, context.getHandler());
    const http = context.switchToHttp();
    await this.check(
      name,
      http.getRequest<AuthenticatedRequest>(),
      http.getResponse<FastifyReply>(),
    );
    return true;
  }

  /**
   * Takes a token from the rule's buckets and sets the RateLimit headers; throws RATE_LIMITED
   * when a bucket is empty. For routes served outside Nest's guards (order-service's order
   * route), which must apply the same rule the same way.
   */
  async check(
    name: string | undefined,
    request: AuthenticatedRequest,
    reply: FastifyReply,
  ): Promise<void> {
    const rule = name === undefined ? undefined : this.rules.get(name);
    if (!rule) throw new Error(`@RateLimit('${name}') names no configured rate-limit rule`);
    if (!rule.perUser && !rule.perAddress) return;

    const user = rule.perUser ? rule.userOf(request) : undefined;
    let answers: [BucketAnswer | null, BucketAnswer | null];
    try {
      // Both commands leave in the same tick: one pipelined write, one round trip.
      answers = await Promise.all([
        rule.perUser && user !== undefined
          ? this.store.takeToken(`${rule.perUser.keyPrefix}${user}}`, rule.perUser.bucket)
          : null,
        rule.perAddress
          ? this.store.takeToken(
              `${rule.perAddress.keyPrefix}${clientNetworkOf(request.ip)}}`,
              rule.perAddress.bucket,
            )
          : null,
      ]);
    } catch (error) {
      this.logFailure(error);
      return;
    }
    const [userAnswer, addressAnswer] = answers;

    void reply.header('ratelimit-policy', rule.policyHeader);
    void reply.header('ratelimit', rateLimitValue(rule, userAnswer, addressAnswer));
    const refusedMs = Math.max(refusalWait(userAnswer), refusalWait(addressAnswer));
    if (refusedMs < 0) return;
    const retryAfterSeconds = Math.max(1, Math.ceil(refusedMs / 1_000));
    throw new DomainError(
      ErrorCode.RateLimited,
      `Too many requests; try again in ${retryAfterSeconds} s`,
      { retryAfterSeconds },
    );
  }

  private logFailure(error: unknown): void {
    const now = Date.now();
    if (now - this.lastFailureLogAt < FAILURE_LOG_INTERVAL_MS) return;
    this.lastFailureLogAt = now;
    const message = error instanceof Error ? error.message : String(error);
    this.logger.warn(`rate limits not checked (requests let through): ${message}`);
  }
}

/** -1 when the bucket gave a token (or was not asked), else ms until it has one. */
function refusalWait(answer: BucketAnswer | null): number {
  return answer && !answer.taken ? answer.waitMs : -1;
}

function rateLimitValue(
  rule: PreparedRule,
  user: BucketAnswer | null,
  address: BucketAnswer | null,
): string {
  const userItem =
    user && rule.perUser && limitItem(rule.perUser.name, user.remaining, user.waitMs);
  const addressItem =
    address &&
    rule.perAddress &&
    limitItem(rule.perAddress.name, address.remaining, address.waitMs);
  if (userItem && addressItem) return `${userItem}, ${addressItem}`;
  return userItem || addressItem || '';
}

/**
 * Limits a route with the service's rule `name` (see {@link RateLimitModule}): a token per
 * request from the caller's user bucket and address bucket.
 */
export const RateLimit = (name: string) =>
  applyDecorators(
    SetMetadata(RATE_LIMIT_KEY, name),
    UseGuards(RateLimitGuard),
    ApiTooManyRequestsResponse({
      description: 'RATE_LIMITED, with Retry-After, RateLimit and RateLimit-Policy',
    }),
  );
