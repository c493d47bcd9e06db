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
