import type { FailPoint, OrderServiceConfig } from '../config.js';

/**
 * The order pipeline's settings, taken once from the validated configuration (the stock
 * capability has its own, see `stock/stock-settings.ts`).
 */
export interface OrderSettings {
  maxQuantity: number;
  /** `POST /api/orders` answers slower than this are logged (ms). */
  slowRequestMs: number;
  /** Share of the other `POST /api/orders` answers that are logged. */
  requestLogSample: number;
  maxWaitingInserts: number;
  maxInsertWaitMs: number;
  insertBatchMs: number;
  insertBatchSize: number;
  republishAfterMs: number;
  relayIntervalMs: number;
  relayLeaseMs: number;
  reservationTimeoutMs: number;
  idempotencyTtlSeconds: number;
  failPoint: FailPoint | undefined;
  failPointSkip: number;
}

export const ORDER_SETTINGS = Symbol('ORDER_SETTINGS');

export function orderSettingsFrom(config: OrderServiceConfig): OrderSettings {
  return {
    maxQuantity: config.ORDER_MAX_QUANTITY,
    slowRequestMs: config.ORDER_SLOW_REQUEST_MS,
    requestLogSample: config.ORDER_REQUEST_LOG_SAMPLE,
    maxWaitingInserts: config.ORDER_MAX_WAITING_INSERTS,
    maxInsertWaitMs: config.ORDER_MAX_INSERT_WAIT_MS,
    insertBatchMs: config.ORDER_INSERT_BATCH_MS,
    insertBatchSize: config.ORDER_INSERT_BATCH_SIZE,
    republishAfterMs: config.ORDER_REPUBLISH_AFTER_MS,
    relayIntervalMs: config.ORDER_RELAY_INTERVAL_MS,
    relayLeaseMs: config.ORDER_RELAY_LEASE_MS,
    reservationTimeoutMs: config.ORDER_RESERVATION_TIMEOUT_MS,
    idempotencyTtlSeconds: config.ORDER_IDEMPOTENCY_TTL_SECONDS,
    failPoint: config.ORDER_FAILPOINT,
    failPointSkip: config.ORDER_FAILPOINT_SKIP,
  };
}
