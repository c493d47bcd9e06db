import { RedisKeys } from '@flash-sale/contracts';
import type { AuditedOrder, LedgerEntry, SaleFacts } from './sale-audit.js';

/** Runs one SQL statement and gives back its rows (mysql2's `[rows]`, TypeORM's `query`). */
export type SqlRows = (sql: string, params: unknown[]) => Promise<Record<string, unknown>[]>;

/** Where the audit reads from. The two schemas may be on one server (as here) or read apart. */
export interface SaleAuditSources {
  /** Reads `order_service.orders`. */
  orders: SqlRows;
  /** Reads `inventory_service.products` and `stock_movements`. */
  inventory: SqlRows;
  /** GET of a Redis key. */
  redisGet: (key: string) => Promise<string | null>;
}

/** inventory-service's half of the {@link SaleFacts}: the stock of record and its ledger. */
export type InventorySaleFacts = Pick<SaleFacts, 'product' | 'ledger'>;

const toNumber = (value: unknown): number => Number(value);
const toDate = (value: unknown): Date => (value instanceof Date ? value : new Date(String(value)));

/**
 * order-service's half of the {@link SaleFacts}: every stored order of the product, read from
 * `order_service.orders` through `orders`. Read-only.
 */
export async function loadOrderSaleFacts(
  orders: SqlRows,
  productId: string,
): Promise<AuditedOrder[]> {
  const rows = await orders(
    `SELECT id, user_id, quantity, status, created_at, stock_release, restore
     FROM orders WHERE product_id = ?`,
    [productId],
  );
  return rows.map((r) => ({
    id: String(r.id),
    userId: String(r.user_id),
    quantity: toNumber(r.quantity),
    status: r.status as AuditedOrder['status'],
    createdAt: toDate(r.created_at),
    stockRelease: (r.stock_release ?? null) as AuditedOrder['stockRelease'],
    restore: (r.restore ?? null) as AuditedOrder['restore'],
  }));
}

/**
 * inventory-service's half of the {@link SaleFacts}: the product's `products` row (null when it
 * never existed or was deleted) and its `stock_movements` ledger in order, read through
 * `inventory`. Read-only.
 */
export async function loadInventorySaleFacts(
  inventory: SqlRows,
  productId: string,
): Promise<InventorySaleFacts> {
  const [productRows, ledgerRows] = await Promise.all([
    inventory('SELECT stock FROM products WHERE product_id = ?', [productId]),
    inventory(
      'SELECT kind, delta, order_id FROM stock_movements WHERE product_id = ? ORDER BY id',
      [productId],
    ),
  ]);
  const ledger: LedgerEntry[] = ledgerRows.map((r) => ({
    kind: r.kind as LedgerEntry['kind'],
    delta: toNumber(r.delta),
    orderId: typeof r.order_id === 'string' ? r.order_id : null,
  }));
  return {
    product: productRows.length > 0 ? { stock: toNumber(productRows[0].stock) } : null,
    ledger,
  };
}

/** The Redis counter `stock:{productId}` as the audit reads it: null when the key is missing. */
export async function loadRedisStock(
  redisGet: SaleAuditSources['redisGet'],
  productId: string,
): Promise<number | null> {
  const value = await redisGet(RedisKeys.stock(productId));
  return value === null ? null : Number(value);
}

/**
 * Reads one product's {@link SaleFacts}: its orders, its products row, its ledger and its Redis
 * counter. Read-only. Each store is read once; read a quiet sale for a consistent picture.
 */
export async function loadSaleFacts(
  sources: SaleAuditSources,
  productId: string,
): Promise<SaleFacts> {
  const [orders, inventory, redisStock] = await Promise.all([
    loadOrderSaleFacts(sources.orders, productId),
    loadInventorySaleFacts(sources.inventory, productId),
    loadRedisStock(sources.redisGet, productId),
  ]);
  return { productId, ...inventory, orders, redisStock };
}
