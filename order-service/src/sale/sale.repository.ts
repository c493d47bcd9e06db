import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

/** PENDING orders of one product: how many, and when the oldest was created. */
export interface PendingOfProduct {
  count: number;
  oldestCreatedAt: Date | null;
}

/** The sale page's reads of the orders table. */
@Injectable()
export class SaleRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** One query for all `productIds` (index `ix_orders_product_status`). */
  async pendingOf(productIds: string[]): Promise<Map<string, PendingOfProduct>> {
    const found = new Map<string, PendingOfProduct>();
    if (productIds.length === 0) return found;
    const rows = await this.db.query<
      { product_id: string; n: string | number; oldest: Date | string | null }[]
    >(
      `SELECT product_id, COUNT(*) AS n, MIN(created_at) AS oldest FROM orders
        WHERE status = 'PENDING' AND product_id IN (?) GROUP BY product_id`,
      [productIds],
    );
    for (const row of rows) {
      found.set(row.product_id, {
        count: Number(row.n),
        oldestCreatedAt: row.oldest === null ? null : new Date(row.oldest),
      });
    }
    return found;
  }
}
