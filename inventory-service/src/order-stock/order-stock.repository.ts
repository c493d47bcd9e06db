import { Injectable } from '@nestjs/common';
import type { InventoryFailureReason } from '@flash-sale/contracts';
import { DataSource } from 'typeorm';
import { affectedRows, inTransaction, type Sql } from '../database/transaction.js';
import { insertStockMovements, type StockMovement } from '../stock-ledger/stock-movement.js';
import type { OrderOutcome, ProcessedOrder } from './processed-order.js';

interface ProcessedOrderRow {
  order_id: string;
  product_id: string;
  quantity: number;
  outcome: OrderOutcome;
  reason: InventoryFailureReason | null;
  processed_at: Date;
  restored_at: Date | null;
  restored_quantity: number | null;
  user_id: string | null;
  user_counted: number | boolean;
}

/** Units to add to one user's count of a product, and the cap the sum may not exceed. */
export interface UserUnitsAddition {
  userId: string;
  units: number;
  cap: number;
}

/** The writes of one batch of order messages, all inside one transaction. */
export interface OrderStockTransaction {
  /**
   * The recorded orders among `orderIds`. With `lock`, their rows stay locked until the end of
   * the transaction (for a restore, which changes them).
   */
  findProcessed(orderIds: string[], lock: boolean): Promise<Map<string, ProcessedOrder>>;
  /**
   * `UPDATE products SET stock = stock - q WHERE product_id = ? AND stock >= q`: true when it
   * deducted, false when the product is missing or has fewer than `quantity` units.
   */
  deductIfAvailable(productId: string, quantity: number): Promise<boolean>;
  /** The product's stock with its row locked until the end of the transaction; null if missing. */
  lockStock(productId: string): Promise<number | null>;
  /**
   * The product's own per-user cap (null: none), or null for the whole when the product does not
   * exist. A plain read: the cap is an admin setting, not a counter.
   */
  readCap(productId: string): Promise<{ maxPerUser: number | null } | null>;
  /**
   * Each user's deducted-and-not-restored units of the product, with their `user_product_units`
   * rows created if missing and locked until the end of the transaction: one user's concurrent
   * deductions queue here, so the cap is checked against a count no one else can move meanwhile.
   * Rows are locked in key order (as every caller does), so two batches cannot deadlock on them.
   */
  lockUserUnits(productId: string, userIds: string[]): Promise<Map<string, number>>;
  /**
   * Adds each user's units, in one conditional statement (`... SET units = units + q WHERE
   * units + q <= cap`, q and cap per user); returns how many users' rows it changed (the rows must
   * exist: see {@link lockUserUnits}).
   */
  addUserUnits(productId: string, additions: UserUnitsAddition[]): Promise<number>;
  /** Gives a restored deduction's units back to the user's count (never below 0). */
  removeUserUnits(productId: string, userId: string, units: number): Promise<void>;
  /** Adds units back; false when the product no longer exists. */
  addStock(productId: string, quantity: number): Promise<boolean>;
  insertProcessed(orders: ProcessedOrder[]): Promise<void>;
  /** Records that a restore was handled for these orders, giving back their quantity or none. */
  markRestored(orderIds: string[], restoredAt: Date, gaveUnitsBack: boolean): Promise<void>;
  recordMovements(movements: StockMovement[]): Promise<void>;
}

/** The stock of record as Kafka order messages change it, with the record of processed orders. */
@Injectable()
export class OrderStockRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Runs `work` in one transaction: it commits when `work` resolves, rolls back when it throws. */
  transaction<T>(work: (tx: OrderStockTransaction) => Promise<T>): Promise<T> {
    return inTransaction(this.dataSource, (sql) => work(new SqlOrderStockTransaction(sql)));
  }
}

class SqlOrderStockTransaction implements OrderStockTransaction {
  constructor(private readonly sql: Sql) {}

  async findProcessed(orderIds: string[], lock: boolean): Promise<Map<string, ProcessedOrder>> {
    if (orderIds.length === 0) return new Map();
    const rows = (await this.sql.query(
      `SELECT order_id, product_id, quantity, outcome, reason, processed_at, restored_at,
              restored_quantity, user_id, user_counted
         FROM processed_orders WHERE order_id IN (?)${lock ? ' FOR UPDATE' : ''}`,
      [orderIds],
    )) as ProcessedOrderRow[];
    return new Map(rows.map((row) => [row.order_id, toProcessedOrder(row)]));
  }

  async deductIfAvailable(productId: string, quantity: number): Promise<boolean> {
    const result: unknown = await this.sql.query(
      'UPDATE products SET stock = stock - ? WHERE product_id = ? AND stock >= ?',
      [quantity, productId, quantity],
    );
    return affectedRows(result) === 1;
  }

  async lockStock(productId: string): Promise<number | null> {
    const rows = (await this.sql.query(
      'SELECT stock FROM products WHERE product_id = ? FOR UPDATE',
      [productId],
    )) as { stock: number }[];
    return rows[0]?.stock ?? null;
  }

  async readCap(productId: string): Promise<{ maxPerUser: number | null } | null> {
    const rows = (await this.sql.query('SELECT max_per_user FROM products WHERE product_id = ?', [
      productId,
    ])) as { max_per_user: number | null }[];
    const row = rows[0];
    return row ? { maxPerUser: row.max_per_user === null ? null : Number(row.max_per_user) } : null;
  }

  async lockUserUnits(productId: string, userIds: string[]): Promise<Map<string, number>> {
    if (userIds.length === 0) return new Map();
    const sorted = [...new Set(userIds)].sort();
    // ON DUPLICATE KEY UPDATE takes an existing row's exclusive lock at once: INSERT IGNORE would
    // take a shared one, and two batches upgrading their shared locks would deadlock.
    await this.sql.query(
      `INSERT INTO user_product_units (product_id, user_id, units) VALUES ?
       ON DUPLICATE KEY UPDATE units = units`,
      [sorted.map((userId) => [productId, userId, 0])],
    );
    const rows = (await this.sql.query(
      `SELECT user_id, units FROM user_product_units
        WHERE product_id = ? AND user_id IN (?) ORDER BY user_id FOR UPDATE`,
      [productId, sorted],
    )) as { user_id: string; units: number }[];
    return new Map(rows.map((row) => [row.user_id, Number(row.units)]));
  }

  async addUserUnits(productId: string, additions: UserUnitsAddition[]): Promise<number> {
    if (additions.length === 0) return 0;
    const cases = (pick: (a: UserUnitsAddition) => number) => ({
      sql: `CASE user_id ${additions.map(() => 'WHEN ? THEN ?').join(' ')} END`,
      params: additions.flatMap((a) => [a.userId, pick(a)]),
    });
    const units = cases((a) => a.units);
    const caps = cases((a) => a.cap);
    const result: unknown = await this.sql.query(
      `UPDATE user_product_units SET units = units + ${units.sql}
        WHERE product_id = ? AND user_id IN (?) AND units + ${units.sql} <= ${caps.sql}`,
      [...units.params, productId, additions.map((a) => a.userId), ...units.params, ...caps.params],
    );
    return affectedRows(result);
  }

  async removeUserUnits(productId: string, userId: string, units: number): Promise<void> {
    await this.sql.query(
      `UPDATE user_product_units SET units = IF(units >= ?, units - ?, 0)
        WHERE product_id = ? AND user_id = ?`,
      [units, units, productId, userId],
    );
  }

  async addStock(productId: string, quantity: number): Promise<boolean> {
    const result: unknown = await this.sql.query(
      'UPDATE products SET stock = stock + ? WHERE product_id = ?',
      [quantity, productId],
    );
    return affectedRows(result) === 1;
  }

  async insertProcessed(orders: ProcessedOrder[]): Promise<void> {
    if (orders.length === 0) return;
    await this.sql.query(
      `INSERT INTO processed_orders
         (order_id, product_id, quantity, outcome, reason, processed_at, restored_at,
          restored_quantity, user_id, user_counted)
       VALUES ?`,
      [
        orders.map((o) => [
          o.orderId,
          o.productId,
          o.quantity,
          o.outcome,
          o.reason,
          o.processedAt,
          o.restoredAt,
          o.restoredQuantity,
          o.userId,
          o.userCounted,
        ]),
      ],
    );
  }

  async markRestored(orderIds: string[], restoredAt: Date, gaveUnitsBack: boolean): Promise<void> {
    if (orderIds.length === 0) return;
    await this.sql.query(
      `UPDATE processed_orders SET restored_at = ?, restored_quantity = ${gaveUnitsBack ? 'quantity' : '0'}
        WHERE order_id IN (?)`,
      [restoredAt, orderIds],
    );
  }

  recordMovements(movements: StockMovement[]): Promise<void> {
    return insertStockMovements(this.sql, movements);
  }
}

function toProcessedOrder(row: ProcessedOrderRow): ProcessedOrder {
  return {
    orderId: row.order_id,
    productId: row.product_id,
    quantity: row.quantity,
    outcome: row.outcome,
    reason: row.reason,
    processedAt: row.processed_at,
    restoredAt: row.restored_at,
    restoredQuantity: row.restored_quantity,
    userId: row.user_id,
    userCounted: Boolean(row.user_counted),
  };
}
