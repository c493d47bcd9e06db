import { Global, Inject, Module, OnApplicationShutdown } from '@nestjs/common';
import { APP_CONFIG } from '../config/config.module.js';
import type { BaseEnv } from '../config/env.schema.js';
import { createRedisClient, type RedisClient } from './redis-client.js';

/** Injection token of the service's ioredis client (a {@link RedisClient}). */
export const REDIS_CLIENT = Symbol('REDIS_CLIENT');

/** Injects the shared ioredis client. */
export const InjectRedis = () => Inject(REDIS_CLIENT);

/**
 * One ioredis client per service (a stand-alone connection, or a Cluster client when
 * REDIS_CLUSTER_NODES is set); concurrent commands are pipelined automatically (per node).
 */
@Global()
@Module({
  providers: [
    {
      provide: REDIS_CLIENT,
      inject: [APP_CONFIG],
      useFactory: (config: BaseEnv) =>
        createRedisClient(config, {
          // A command waits at most one reconnect, so callers see errors instead of hanging.
          maxRetriesPerRequest: 1,
          connectTimeout: 2_000,
          retryStrategy: (attempt) => Math.min(attempt * 200, 2_000),
          // Commands issued in the same tick go out in one write (one syscall, one read of the
          // replies): under load each order's Lua call otherwise paid its own socket write.
          enableAutoPipelining: true,
        }),
    },
  ],
  exports: [REDIS_CLIENT],
})
export class RedisModule implements OnApplicationShutdown {
  constructor(@Inject(REDIS_CLIENT) private readonly redis: RedisClient) {}

  async onApplicationShutdown(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}
