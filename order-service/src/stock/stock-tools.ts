import { Logger } from '@nestjs/common';
import { createRedisClient, utcSessions } from '@flash-sale/common';
import { createPool } from 'mysql2/promise';
import type { DataSource } from 'typeorm';
import { loadOrderServiceConfig } from '../config.js';
import { stockSettingsFrom } from './stock-settings.js';
import { SqlInFlightOrders } from './in-flight-orders.js';
import { InventoryCatalogue } from './inventory-catalogue.js';
import { StockCountersStore } from './stock-counters.store.js';
import { StockReconciler, type ReconcileMode, type ReconcileResult } from './stock-reconciler.js';

/**
 * The reconciler outside Nest, for `scripts/check-redis-stock.js` and `scripts/init-redis-stock.js`:
 * the same code the service runs, on its own connections, configured from the same environment
 * (order-service's variables; run from the repository root or with them exported).
 */
export async function runReconciliation(mode: ReconcileMode): Promise<{
  results: ReconcileResult[] | null;
  catalogueLoaded: boolean;
}> {
  Logger.overrideLogger(['error', 'warn']);
  const config = loadOrderServiceConfig({ ...process.env });
  // A Redis Cluster client when REDIS_CLUSTER_NODES is set, like the service's.
  const redis = createRedisClient(config, { maxRetriesPerRequest: 1, enableAutoPipelining: true });
  const pool = createPool({
    host: config.DB_HOST,
    port: config.DB_PORT,
    user: config.DB_USERNAME,
    password: config.DB_PASSWORD,
    database: config.DB_DATABASE,
    timezone: 'Z',
    connectionLimit: 2,
  });
  // The in-flight queries compare with NOW(3): in UTC, like the service's connections.
  utcSessions(pool.pool);
  // The in-flight queries only need `query(sql, params)`, which a mysql2 pool provides.
  const db = {
    query: async (sql: string, params?: unknown[]) => (await pool.query(sql, params))[0],
  } as unknown as DataSource;
  try {
    const settings = stockSettingsFrom(config);
    const store = new StockCountersStore(redis);
    const reconciler = new StockReconciler(
      store,
      new SqlInFlightOrders(db),
      new InventoryCatalogue(settings),
      settings,
    );
    const results =
      mode === 'check' ? await reconciler.pass('check') : await reconciler.reconcile(mode);
    return { results, catalogueLoaded: await store.isCatalogueLoaded() };
  } finally {
    redis.disconnect();
    await pool.end();
  }
}

/** The results as an aligned text table. */
export function formatResults(results: ReconcileResult[]): string {
  const header = [
    'product',
    'counter',
    'mysql',
    'in-flight',
    'queued',
    'expected',
    'drift',
    'action',
  ];
  const rows = results.map((r) => [
    r.productId,
    r.counter === null ? 'missing' : String(r.counter),
    String(r.mysqlStock),
    String(r.inFlight),
    String(r.queued),
    String(r.expected),
    String(r.drift),
    r.action,
  ]);
  const widths = header.map((h, i) =>
    Math.max(h.length, ...rows.map((row) => (row[i] ?? '').length)),
  );
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ');
  return [line(header), ...rows.map(line)].join('\n');
}
