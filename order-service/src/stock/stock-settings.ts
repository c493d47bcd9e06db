import type { OrderServiceConfig } from '../config.js';

/** The stock capability's settings, taken once from the validated configuration. */
export interface StockSettings {
  /** How long a local sold-out mark lasts at most without a stock-change message. */
  soldOutTtlMs: number;
  reconcileIntervalMs: number;
  rebuildGraceMs: number;
  repairQuietMs: number;
  /** How often Redis's reservation sequences are compared with MySQL's (0 = never). */
  staleCheckIntervalMs: number;
  /** Per-user cap of a product that sets none (0 = none). */
  defaultMaxPerUser: number;
  /** inventory-service's HTTP API, without a trailing slash (the reconciler's catalogue). */
  inventoryServiceUrl: string;
}

export const STOCK_SETTINGS = Symbol('STOCK_SETTINGS');

export function stockSettingsFrom(config: OrderServiceConfig): StockSettings {
  return {
    soldOutTtlMs: config.ORDER_SOLD_OUT_TTL_MS,
    reconcileIntervalMs: config.STOCK_RECONCILE_INTERVAL_MS,
    rebuildGraceMs: config.STOCK_REBUILD_GRACE_MS,
    repairQuietMs: config.STOCK_REPAIR_QUIET_MS,
    staleCheckIntervalMs: config.STOCK_STALE_CHECK_INTERVAL_MS,
    defaultMaxPerUser: config.ORDER_DEFAULT_MAX_PER_USER,
    inventoryServiceUrl: config.INVENTORY_SERVICE_URL.replace(/\/+$/, ''),
  };
}
