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
              restored_quantity
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
          restored_quantity)
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
  };
}
