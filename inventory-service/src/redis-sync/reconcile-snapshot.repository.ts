import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { Sql } from '../database/transaction.js';
import { RedisOutboxRepository } from './redis-outbox.repository.js';
import type { PendingRedisUpdate } from './redis-update.js';

/** An order's row of the stock ledger (`stock_movements`): a deduction (< 0) or a restoration (> 0). */
export interface OrderMovement {
  /** The ledger id (grows with each insert). */
  id: string;
  orderId: string;
  productId: string;
  kind: 'ORDER_DEDUCTION' | 'ORDER_RESTORATION';
  delta: number;
}

/** The stock of record and what the reconciler needs beside it, all read at one instant. */
export interface ReconcileSnapshot {
  /** The highest ledger id visible in the snapshot ('0' when the ledger is empty). */
  ledgerPosition: string;
  products: { productId: string; stock: number }[];
  /** Admin changes committed and still queued for Redis (redis_outbox), oldest first. */
  queued: PendingRedisUpdate[];
  /** Ledger rows of the orders asked about, and of every order with a row above `since`. */
  movements: OrderMovement[];
}

interface MovementRow {
  id: string | number;
  order_id: string;
  product_id: string;
  kind: OrderMovement['kind'];
  delta: number;
}

/** Most queued admin changes listed at once (the queue is normally empty within milliseconds). */
const QUEUED_LIMIT = 10_000;

/**
 * Reads for order-service's reconciler. Everything it compares must come from one consistent
 * read: were the stock read in one statement and the order deductions in another, a deduction
 * committed in between would be counted twice (or not at all) by the reconciler.
 */
@Injectable()
export class ReconcileSnapshotRepository {
  constructor(
    private readonly dataSource: DataSource,
    private readonly outbox: RedisOutboxRepository,
  ) {}

  /** The highest ledger id now: a mark taken before the reconciler reads Redis. */
  async ledgerPosition(): Promise<string> {
    const rows = await this.dataSource.query<{ position: string | number | null }[]>(
      'SELECT MAX(id) AS position FROM stock_movements',
    );
    return String(rows[0]?.position ?? 0);
  }

  /**
   * In one REPEATABLE READ transaction started WITH CONSISTENT SNAPSHOT (every SELECT below sees
   * the same committed state, and a deduction's stock change, processed_orders row and ledger row
   * commit together): every product's stock, the queued admin changes, the ledger rows of
   * `orderIds`, and those of every order with a ledger row above id `since`.
   */
  async read(input: { orderIds: string[]; since: string | null }): Promise<ReconcileSnapshot> {
    const runner = this.dataSource.createQueryRunner();
    await runner.connect();
    try {
      await runner.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ');
      await runner.query('START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY');
      try {
        return await this.readIn(runner, input);
      } finally {
        await runner.query('COMMIT').catch(() => undefined);
      }
    } finally {
      await runner.release();
    }
  }

  private async readIn(
    sql: Sql,
    input: { orderIds: string[]; since: string | null },
  ): Promise<ReconcileSnapshot> {
    const position = (await sql.query('SELECT MAX(id) AS position FROM stock_movements')) as {
      position: string | number | null;
    }[];
    const products = (await sql.query('SELECT product_id, stock FROM products')) as {
      product_id: string;
      stock: number;
    }[];
    const queued = await this.outbox.pendingIn(sql, QUEUED_LIMIT);
    const movements = new Map<string, OrderMovement>();
    const add = (rows: MovementRow[]) => {
      for (const row of rows) movements.set(String(row.id), toMovement(row));
    };
    const byOrders = async (orderIds: string[]) => {
      if (orderIds.length === 0) return;
      // uq_stock_movements_order_kind (order_id, kind): an index dive per order.
      add(
        (await sql.query(
          `SELECT id, order_id, product_id, kind, delta FROM stock_movements
            WHERE order_id IN (?) AND kind IN ('ORDER_DEDUCTION', 'ORDER_RESTORATION')`,
          [orderIds],
        )) as MovementRow[],
      );
    };
    await byOrders(input.orderIds);
    if (input.since !== null) {
      // A primary-key range: the few rows written since the reconciler took its mark.
      const recent = (await sql.query(
        `SELECT id, order_id, product_id, kind, delta FROM stock_movements
          WHERE id > ? AND kind IN ('ORDER_DEDUCTION', 'ORDER_RESTORATION')`,
        [input.since],
      )) as MovementRow[];
      add(recent);
      // Every row of those orders, older ones included: a restoration's deduction may predate
      // the mark, and the reconciler needs an order's whole net effect.
      const asked = new Set(input.orderIds);
      await byOrders([...new Set(recent.map((r) => r.order_id))].filter((id) => !asked.has(id)));
    }
    return {
      ledgerPosition: String(position[0]?.position ?? 0),
      products: products.map((p) => ({ productId: p.product_id, stock: Number(p.stock) })),
      queued,
      movements: [...movements.values()].sort((a, b) => compareIds(a.id, b.id)),
    };
  }
}

function toMovement(row: MovementRow): OrderMovement {
  return {
    id: String(row.id),
    orderId: row.order_id,
    productId: row.product_id,
    kind: row.kind,
    delta: Number(row.delta),
  };
}

/** Numeric order of decimal id strings (BIGINT ids may exceed a double's exact range). */
function compareIds(a: string, b: string): number {
  return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
}
