import { createRedisClient, parseRedisClusterNodes, type RedisClient } from '@flash-sale/common';

/**
 * Test-side settings. The service URLs and the admin come from `targets.mjs`, shared with the
 * global set-up; every value is env with the services' own defaults, so the suites work against a
 * system started by the global set-up or by `npm start` (then set ADMIN_USERNAME / ADMIN_PASSWORD
 * to the admin it was started with).
 */
export {
  ADMIN_PASSWORD,
  ADMIN_USERNAME,
  INVENTORY_URL,
  ORDER_URL,
  SERVICES,
  USER_URL,
} from './targets.mjs';

export type ServiceTarget = (typeof import('./targets.mjs').SERVICES)[number];

/** order-service's ORDER_MAX_QUANTITY (its default is 10). */
export const MAX_ORDER_QUANTITY = Number(process.env.ORDER_MAX_QUANTITY ?? 10);

/** Redis holding the `stock:{productId}` counters (only the drift test touches it directly). */
export const REDIS_HOST = process.env.REDIS_HOST ?? '127.0.0.1';
export const REDIS_PORT = Number(process.env.REDIS_PORT ?? 6379);

/**
 * A client of that Redis, as the services make theirs: a Redis Cluster client when
 * REDIS_CLUSTER_NODES is set (the suites then run against services started on the cluster).
 */
export function connectRedis(): RedisClient {
  return createRedisClient(
    {
      REDIS_HOST,
      REDIS_PORT,
      REDIS_PASSWORD: process.env.REDIS_PASSWORD || undefined,
      REDIS_CLUSTER_NODES:
        process.env.REDIS_CLUSTER_NODES === undefined
          ? undefined
          : parseRedisClusterNodes(process.env.REDIS_CLUSTER_NODES),
    },
    { lazyConnect: true },
  );
}
