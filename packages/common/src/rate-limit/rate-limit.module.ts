import { DynamicModule, Global, Module } from '@nestjs/common';
import type { RateLimitRules } from './rate-limit.policy.js';
import { RATE_LIMIT_RULES, RateLimitGuard } from './rate-limit.guard.js';
import { TokenBucketStore } from './token-bucket.store.js';

/**
 * The token buckets behind `@RateLimit(name)`: a service registers its rules once, by name, from
 * its config (see {@link tokenBucketEnv}).
 */
@Global()
@Module({})
export class RateLimitModule {
  static forRoot(rules: RateLimitRules): DynamicModule {
    return {
      module: RateLimitModule,
      global: true,
      providers: [{ provide: RATE_LIMIT_RULES, useValue: rules }, TokenBucketStore, RateLimitGuard],
      exports: [RATE_LIMIT_RULES, TokenBucketStore, RateLimitGuard],
    };
  }
}
