import type { ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ErrorCode } from '@flash-sale/contracts';
import { DomainError } from '../errors/domain-error.js';
import { RateLimit, RateLimitGuard } from './rate-limit.guard.js';
import type { RateLimitRules, TokenBucket } from './rate-limit.policy.js';
import type { BucketAnswer, TokenBucketStore } from './token-bucket.store.js';

class Routes {
  @RateLimit('orders')
  place(): void {}

  @RateLimit('login')
  login(): void {}

  @RateLimit('unknown')
  misnamed(): void {}
}

const rules: RateLimitRules = {
  orders: { perUser: { burst: 10, perSecond: 2 }, perAddress: { burst: 1000, perSecond: 500 } },
  login: {
    perUser: { burst: 5, perSecond: 1 },
    perAddress: null,
    userOf: (request) => (request.body as { username?: string }).username,
  },
};

/** A store that answers from a table by key and records every take; unknown keys fail. */
function storeAnswering(answers: Record<string, BucketAnswer | Error>) {
  const takes: { key: string; bucket: TokenBucket }[] = [];
  const store = {
    takeToken: (key: string, bucket: TokenBucket) => {
      takes.push({ key, bucket });
      const answer = answers[key];
      if (answer === undefined) throw new Error(`unexpected key ${key}`);
      return answer instanceof Error ? Promise.reject(answer) : Promise.resolve(answer);
    },
  };
  return { store: store as unknown as TokenBucketStore, takes };
}

function contextOf(handler: () => void, request: object) {
  const headers: Record<string, string> = {};
  const reply = {
    header: (name: string, value: string) => {
      headers[name] = value;
      return reply;
    },
  };
  const context = {
    getHandler: () => handler,
    switchToHttp: () => ({ getRequest: () => request, getResponse: () => reply }),
  } as unknown as ExecutionContext;
  return { context, headers };
}

const taken = (remaining: number, waitMs = 0): BucketAnswer => ({ taken: true, remaining, waitMs });
const refused = (waitMs: number): BucketAnswer => ({ taken: false, remaining: 0, waitMs });

const USER_KEY = 'ratelimit:{orders:user:u-1}';
const ADDRESS_KEY = 'ratelimit:{orders:address:203.0.113.7}';
const buyer = { user: { sub: 'u-1' }, ip: '203.0.113.7' };

describe(RateLimitGuard.name, () => {
  it('takes a token from the user and the address bucket and tells what is left', async () => {
    const { store, takes } = storeAnswering({
      [USER_KEY]: taken(9, 500),
      [ADDRESS_KEY]: taken(999, 2),
    });
    const guard = new RateLimitGuard(new Reflector(), store, rules);
    const { context, headers } = contextOf(Routes.prototype.place, buyer);

    await expect(guard.canActivate(context)).resolves.toBe(true);

    expect(takes.map((t) => t.key)).toEqual([USER_KEY, ADDRESS_KEY]);
    expect(headers).toEqual({
      'ratelimit-policy': '"orders-user";q=10;w=5, "orders-address";q=1000;w=2',
      ratelimit: '"orders-user";r=9;t=1, "orders-address";r=999;t=1',
    });
  });

  it('refuses with RATE_LIMITED and the wait of the emptiest bucket, headers included', async () => {
    const { store } = storeAnswering({ [USER_KEY]: refused(1_200), [ADDRESS_KEY]: taken(5, 10) });
    const guard = new RateLimitGuard(new Reflector(), store, rules);
    const { context, headers } = contextOf(Routes.prototype.place, buyer);

    const error = await guard.canActivate(context).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(DomainError);
    expect(error).toMatchObject({
      code: ErrorCode.RateLimited,
      details: { retryAfterSeconds: 2 },
    });
    expect(headers.ratelimit).toBe('"orders-user";r=0;t=2, "orders-address";r=5;t=1');
  });

  it('groups IPv6 callers by their /64', async () => {
    const key = 'ratelimit:{orders:address:2001:db8:1:2::/64}';
    const { store, takes } = storeAnswering({ [USER_KEY]: taken(1), [key]: taken(1) });
    const guard = new RateLimitGuard(new Reflector(), store, rules);

    await guard.canActivate(
      contextOf(Routes.prototype.place, { ...buyer, ip: '2001:db8:1:2:aaaa::1' }).context,
    );

    expect(takes.map((t) => t.key)).toContain(key);
  });

  it('uses the rule’s own idea of the user, and skips that bucket when there is none', async () => {
    const { store, takes } = storeAnswering({ 'ratelimit:{login:user:alice}': taken(4) });
    const guard = new RateLimitGuard(new Reflector(), store, rules);

    await guard.canActivate(
      contextOf(Routes.prototype.login, { body: { username: 'alice' } }).context,
    );
    const { context, headers } = contextOf(Routes.prototype.login, { body: {} });
    await expect(guard.canActivate(context)).resolves.toBe(true);

    expect(takes.map((t) => t.key)).toEqual(['ratelimit:{login:user:alice}']);
    expect(headers.ratelimit).toBe('');
  });

  it('lets the request through when Redis fails', async () => {
    const down = new Error('connection refused');
    const { store } = storeAnswering({ [USER_KEY]: down, [ADDRESS_KEY]: down });
    const guard = new RateLimitGuard(new Reflector(), store, rules);

    await expect(guard.canActivate(contextOf(Routes.prototype.place, buyer).context)).resolves.toBe(
      true,
    );
  });

  it('fails loudly on a route that names no configured rule', async () => {
    const { store } = storeAnswering({});
    const guard = new RateLimitGuard(new Reflector(), store, rules);

    await expect(
      guard.canActivate(contextOf(Routes.prototype.misnamed, buyer).context),
    ).rejects.toThrow("@RateLimit('unknown')");
  });
});
