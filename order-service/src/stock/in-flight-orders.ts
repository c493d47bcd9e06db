import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';

/** An order whose units are counted as "taken in Redis but not applied in MySQL". */
export interface InFlightOrder {
  id: string;
  productId: string;
  quantity: number;
}

/**
 * An order the reconciler must look at: `pending` (PENDING), `release-due` (its Redis units are
 * still to be given back: a FAILED order, an abandoned reservation, or a cancelled order, whose
 * give-back waits for inventory-service to answer its restore), `restore-due` (cancelled by an
 * earlier version, which gave its units back in Redis at once, its restore in MySQL not yet
 * confirmed by inventory-service).
 */
export interface UnsettledOrder extends InFlightOrder {
  kind: 'pending' | 'release-due' | 'restore-due';
}

/** What the reconciler reads from the orders table. */
export abstract class InFlightOrders {
  /** The orders whose Redis and MySQL units may differ (see {@link UnsettledOrder}). */
  abstract findUnsettled(): Promise<UnsettledOrder[]>;

  /** The reservation sequence each of `ids` recorded (null: none recorded; absent: no row). */
  abstract sequencesOf(ids: string[]): Promise<Map<string, number | null>>;

  /** Which of `ids` have an order row. */
  abstract existing(ids: string[]): Promise<Set<string>>;

  /** How many orders wait for inventory's answer. */
  abstract countPending(): Promise<number>;

  /**
   * How many orders placed within the last `withinMs` still wait for inventory's answer: those
   * whose answer is plausibly on its way (older ones wait on something a short pause won't fix).
   */
  abstract countRecentPending(withinMs: number): Promise<number>;

  /** Whether any order of the product changed within the last `withinMs`. */
  abstract changedRecently(productId: string, withinMs: number): Promise<boolean>;

  /**
   * Units each user holds of a product, for per-user caps, as the Redis totals count them:
   * PENDING or CONFIRMED orders; FAILED or CANCELLED ones whose Redis give-back is still due (it
   * takes their units off the total when it runs, and a cancelled order's runs only once
   * inventory-service has answered its restore); CANCELLED ones whose stock went back at cancel
   * time (an earlier version) and whose restore is not answered yet (the answer takes them off,
   * see release-user-units.lua).
   */
  abstract heldByUser(productId: string): Promise<Map<string, number>>;

  /**
   * The highest reservation sequence the order rows recorded, per product (products without one
   * are left out). A Redis sequence below it means Redis went back in time.
   */
  abstract highestSequences(): Promise<Map<string, number>>;
}

/** {@link InFlightOrders} on the order-service database. */
@Injectable()
export class SqlInFlightOrders extends InFlightOrders {
  constructor(@InjectDataSource() private readonly db: DataSource) {
    super();
  }

  async findUnsettled(): Promise<UnsettledOrder[]> {
    // Each branch reads its own index (ix_orders_status_publish, ix_orders_stock_release,
    // ix_orders_restore); a give-back due wins over PENDING (a cancelled PENDING order).
    const rows = await this.db.query<
      { id: string; product_id: string; quantity: number; kind: UnsettledOrder['kind'] }[]
    >(
      `SELECT id, product_id, quantity, 'release-due' AS kind FROM orders WHERE stock_release = 'DUE'
       UNION ALL
       SELECT id, product_id, quantity, 'pending' AS kind FROM orders
        WHERE status = 'PENDING' AND (stock_release IS NULL OR stock_release <> 'DUE')
       UNION ALL
       SELECT id, product_id, quantity, 'restore-due' AS kind FROM orders
        WHERE restore IN ('DUE', 'SENT') AND stock_release = 'DONE'`,
    );
    return rows.map((r) => ({
      id: r.id,
      productId: r.product_id,
      quantity: Number(r.quantity),
      kind: r.kind,
    }));
  }

  async sequencesOf(ids: string[]): Promise<Map<string, number | null>> {
    const sequences = new Map<string, number | null>();
    for (let i = 0; i < ids.length; i += 1_000) {
      const chunk = ids.slice(i, i + 1_000);
      const rows = await this.db.query<{ id: string; stock_seq: string | number | null }[]>(
        `SELECT id, stock_seq FROM orders WHERE id IN (${chunk.map(() => '?').join(', ')})`,
        chunk,
      );
      for (const r of rows) sequences.set(r.id, r.stock_seq === null ? null : Number(r.stock_seq));
    }
    return sequences;
  }

  async existing(ids: string[]): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const rows = await this.db.query<{ id: string }[]>(
      `SELECT id FROM orders WHERE id IN (${ids.map(() => '?').join(', ')})`,
      ids,
    );
    return new Set(rows.map((r) => r.id));
  }

  async countPending(): Promise<number> {
    const rows = await this.db.query<{ n: number | string }[]>(
      "SELECT COUNT(*) AS n FROM orders WHERE status = 'PENDING'",
    );
    return Number(rows[0]?.n ?? 0);
  }

  async countRecentPending(withinMs: number): Promise<number> {
    // ix_orders_status_publish narrows to the PENDING rows; created_at is then read for those.
    const rows = await this.db.query<{ n: number | string }[]>(
      `SELECT COUNT(*) AS n FROM orders WHERE status = 'PENDING'
         AND created_at > NOW(3) - INTERVAL ? * 1000 MICROSECOND`,
      [withinMs],
    );
    return Number(rows[0]?.n ?? 0);
  }

  async changedRecently(productId: string, withinMs: number): Promise<boolean> {
    const rows = await this.db.query<{ busy: number | string }[]>(
      `SELECT EXISTS(SELECT 1 FROM orders WHERE product_id = ?
         AND updated_at > NOW(3) - INTERVAL ? * 1000 MICROSECOND) AS busy`,
      [productId, withinMs],
    );
    return Number(rows[0]?.busy ?? 0) === 1;
  }

  async heldByUser(productId: string): Promise<Map<string, number>> {
    const rows = await this.db.query<{ user_id: string | number; units: string | number }[]>(
      `SELECT user_id, SUM(quantity) AS units FROM orders
       WHERE product_id = ?
         AND (status IN ('PENDING', 'CONFIRMED')
           OR (status IN ('FAILED', 'CANCELLED') AND stock_release = 'DUE')
           OR (status = 'CANCELLED' AND restore IN ('DUE', 'SENT')))
       GROUP BY user_id`,
      [productId],
    );
    return new Map(rows.map((r) => [String(r.user_id), Number(r.units)]));
  }

  async highestSequences(): Promise<Map<string, number>> {
    // ix_orders_product_stock_seq makes this a loose index scan: one index dive per product,
    // whatever the number of orders.
    const rows = await this.db.query<{ product_id: string; seq: string | number }[]>(
      `SELECT product_id, MAX(stock_seq) AS seq FROM orders
        WHERE stock_seq IS NOT NULL GROUP BY product_id`,
    );
    return new Map(rows.map((r) => [r.product_id, Number(r.seq)]));
  }
}
