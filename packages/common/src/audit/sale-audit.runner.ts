import mysql from 'mysql2/promise';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  createRedisClient,
  parseRedisClusterNodes,
  type RedisConnectionSettings,
} from '../redis/redis-client.js';
import { auditSale, type SaleAudit } from './sale-audit.js';
import { loadSaleFacts, type SaleAuditSources, type SqlRows } from './sale-audit.loader.js';

/** Where the stores of record are, for a process outside the services (CLI, benchmark, tests). */
export interface SaleAuditConnection {
  db: { host: string; port: number; user: string; password: string };
  orderDatabase: string;
  inventoryDatabase: string;
  redis: RedisConnectionSettings;
}

/**
 * The connection from the variables the services and scripts use (`DB_*`, `REDIS_*`), with their
 * localhost defaults (a Redis Cluster when `REDIS_CLUSTER_NODES` is set); `ORDER_DB_DATABASE` / `INVENTORY_DB_DATABASE` name the two schemas.
 */
export function saleAuditConnectionFromEnv(env: NodeJS.ProcessEnv): SaleAuditConnection {
  return {
    db: {
      host: env.DB_HOST ?? '127.0.0.1',
      port: Number(env.DB_PORT ?? 3306),
      user: env.DB_USERNAME ?? 'root',
      password: env.DB_PASSWORD ?? '',
    },
    orderDatabase: env.ORDER_DB_DATABASE ?? 'order_service',
    inventoryDatabase: env.INVENTORY_DB_DATABASE ?? 'inventory_service',
    redis: {
      REDIS_HOST: env.REDIS_HOST ?? '127.0.0.1',
      REDIS_PORT: Number(env.REDIS_PORT ?? 6379),
      REDIS_PASSWORD: env.REDIS_PASSWORD || undefined,
      REDIS_CLUSTER_NODES:
        env.REDIS_CLUSTER_NODES === undefined
          ? undefined
          : parseRedisClusterNodes(env.REDIS_CLUSTER_NODES),
    },
  };
}

export interface SaleAuditOptions {
  /** How long to wait for an unquiet sale (PENDING orders, give-backs due) to settle. */
  waitForQuietMs?: number;
  pollMs?: number;
}

/**
 * Audits one product from a separate process: opens read-only connections, reads the facts until
 * the sale is quiet or `waitForQuietMs` passes (a breach that cannot clear by waiting ends the wait
 * at once), and closes them again.
 */
export async function runSaleAudit(
  connection: SaleAuditConnection,
  productId: string,
  { waitForQuietMs = 30_000, pollMs = 250 }: SaleAuditOptions = {},
): Promise<SaleAudit> {
  const pool = (database: string) =>
    mysql.createPool({ ...connection.db, database, connectionLimit: 2, dateStrings: false });
  const orderDb = pool(connection.orderDatabase);
  const inventoryDb = pool(connection.inventoryDatabase);
  const redis = createRedisClient(connection.redis, {
    lazyConnect: true,
    maxRetriesPerRequest: 1,
    connectTimeout: 5_000,
  });
  const rows =
    (db: mysql.Pool): SqlRows =>
    async (sql, params) => {
      const [result] = await db.query(sql, params);
      return result as Record<string, unknown>[];
    };
  try {
    await redis.connect();
    const sources: SaleAuditSources = {
      orders: rows(orderDb),
      inventory: rows(inventoryDb),
      redisGet: (key) => redis.get(key),
    };
    const deadline = Date.now() + waitForQuietMs;
    for (;;) {
      const audit = auditSale(await loadSaleFacts(sources, productId));
      if (audit.ok || audit.breaches.some((b) => !b.transient) || Date.now() >= deadline) {
        return audit;
      }
      await sleep(pollMs);
    }
  } finally {
    await Promise.allSettled([orderDb.end(), inventoryDb.end(), redis.quit()]);
  }
}
