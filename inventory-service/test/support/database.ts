import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { expect } from '@jest/globals';
import { DataSource } from 'typeorm';

interface Movement {
  kind: string;
  delta: number;
  orderId: string | null;
  actorUserId: string | null;
}

/** Direct reads of the service's tables, to check what the API cannot show. */
export class DatabaseProbe {
  private readonly dataSource: DataSource;

  constructor(app: NestFastifyApplication) {
    this.dataSource = app.get(DataSource);
  }

  async stockOf(productId: string): Promise<number | null> {
    const rows = await this.dataSource.query<{ stock: number }[]>(
      'SELECT stock FROM products WHERE product_id = ?',
      [productId],
    );
    return rows[0]?.stock ?? null;
  }

  movementsOf(productId: string): Promise<Movement[]> {
    return this.dataSource.query<Movement[]>(
      `SELECT kind, delta, order_id AS orderId, actor_user_id AS actorUserId
         FROM stock_movements WHERE product_id = ? ORDER BY id`,
      [productId],
    );
  }

  /** Any read query (for checks the helpers here do not cover). */
  query<T>(sql: string, params: unknown[] = []): Promise<T> {
    return this.dataSource.query<T>(sql, params);
  }

  async processedOrder(orderId: string): Promise<Record<string, unknown> | null> {
    const rows = await this.dataSource.query<Record<string, unknown>[]>(
      'SELECT * FROM processed_orders WHERE order_id = ?',
      [orderId],
    );
    return rows[0] ?? null;
  }

  /**
   * Asserts the ledger invariant for each product: its stock equals the sum of its movements (0
   * for a deleted product), and no prefix of its movements ever went below zero.
   */
  async expectLedgerMatchesStock(productIds: Iterable<string>): Promise<void> {
    for (const productId of productIds) {
      const movements = await this.movementsOf(productId);
      let running = 0;
      for (const movement of movements) {
        running += movement.delta;
        expect({ productId, running: running >= 0 }).toEqual({ productId, running: true });
      }
      const stock = (await this.stockOf(productId)) ?? 0;
      expect({ productId, ledger: running }).toEqual({ productId, ledger: stock });
    }
  }
}
