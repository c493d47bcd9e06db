import { createPool, type Pool, type RowDataPacket } from 'mysql2/promise';
import { infra } from './stack.js';

/** Direct reads of the orders table, for end-to-end assertions. */
export class OrdersDb {
  private readonly pool: Pool = createPool({
    host: infra.DB_HOST,
    port: infra.DB_PORT,
    user: infra.DB_USERNAME,
    password: infra.DB_PASSWORD,
    database: infra.DB_DATABASE,
    connectionLimit: 4,
    timezone: 'Z',
  });

  async statusCounts(
    productId: string,
  ): Promise<Record<string, { orders: number; units: number }>> {
    const [rows] = await this.pool.query<RowDataPacket[]>(
      'SELECT status, COUNT(*) AS orders, SUM(quantity) AS units FROM orders WHERE product_id = ? GROUP BY status',
      [productId],
    );
    const counts: Record<string, { orders: number; units: number }> = {};
    for (const row of rows) {
      counts[row.status as string] = { orders: Number(row.orders), units: Number(row.units) };
    }
    return counts;
  }

  /** Orders of a product still waiting for an answer or for their give-back. */
  async unsettled(productId: string): Promise<number> {
    const [rows] = await this.pool.query<RowDataPacket[]>(
      `SELECT COUNT(*) AS n FROM orders WHERE product_id = ?
         AND (status = 'PENDING' OR stock_release = 'DUE' OR restore = 'DUE')`,
      [productId],
    );
    return Number(rows[0]?.n ?? 0);
  }

  async statuses(ids: string[]): Promise<Map<string, string>> {
    if (ids.length === 0) return new Map();
    const [rows] = await this.pool.query<RowDataPacket[]>(
      'SELECT id, status FROM orders WHERE id IN (?)',
      [ids],
    );
    return new Map(rows.map((r) => [r.id as string, r.status as string]));
  }

  /** The newest orders of a product in a status, newest first. */
  async latestOrders(
    productId: string,
    limit: number,
    status: string,
  ): Promise<{ id: string; userId: string }[]> {
    const [rows] = await this.pool.query<RowDataPacket[]>(
      'SELECT id, user_id FROM orders WHERE product_id = ? AND status = ? ORDER BY created_at DESC LIMIT ?',
      [productId, status, limit],
    );
    return rows.map((r) => ({ id: r.id as string, userId: String(r.user_id) }));
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
