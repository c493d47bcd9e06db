import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import {
  createProduct,
  createUsers,
  deleteProduct,
  expectStockSettles,
  orders,
  placeOrder,
  settledOrder,
  type TestUser,
} from '../support/fixtures.js';
import { runProcess, type ProcessResult } from '../support/child-process.js';
import { ROOT } from '../support/global-setup.mjs';

/** `npm run audit -- <productId>` as a user runs it (the script behind it, with no npm wrapper). */
function audit(productId: string): Promise<ProcessResult> {
  const env = { ...process.env };
  delete env.NODE_OPTIONS; // Jest's flags are not the script's
  return runProcess(
    process.execPath,
    [join(ROOT, 'scripts', 'audit.mjs'), productId, '--wait-seconds', '20'],
    { cwd: ROOT, env },
  );
}

/**
 * `npm run audit` against the real stores: a small flash sale run through the services passes it;
 * the same stores doctored behind the services' backs (each product of its own, so nothing else is
 * disturbed) fail it, with the breach named.
 */
describe('npm run audit', () => {
  let buyers: TestUser[];
  let db: mysql.Pool;
  const created: string[] = [];

  /** A product sold to `buyers`, one unit each, all at once; returns the confirmed orders. */
  async function sale(
    stock: number,
  ): Promise<{ productId: string; confirmed: Array<{ id: string; buyer: TestUser }> }> {
    const productId = await createProduct({ stock });
    created.push(productId);
    const answers = await Promise.all(buyers.map((b) => placeOrder(b.token, productId, 1)));
    expect(answers.filter((r) => r.status === 201)).toHaveLength(stock);
    expect(answers.filter((r) => r.status === 409)).toHaveLength(buyers.length - stock);
    const confirmed: Array<{ id: string; buyer: TestUser }> = [];
    for (const [i, res] of answers.entries()) {
      if (res.status !== 201) continue;
      const order = await settledOrder(buyers[i].token, res.body.id as string);
      expect(order.status).toBe('CONFIRMED');
      confirmed.push({ id: res.body.id as string, buyer: buyers[i] });
    }
    return { productId, confirmed };
  }

  beforeAll(async () => {
    buyers = await createUsers(8);
    db = mysql.createPool({
      host: process.env.DB_HOST ?? '127.0.0.1',
      port: Number(process.env.DB_PORT ?? 3306),
      user: process.env.DB_USERNAME ?? 'root',
      password: process.env.DB_PASSWORD ?? '',
      connectionLimit: 1,
    });
  });

  afterAll(async () => {
    await Promise.all(created.map((id) => deleteProduct(id)));
    await db.end();
  });

  it('passes a flash sale with a cancelled order, and prints its report', async () => {
    const { productId, confirmed } = await sale(5);
    // One buyer cancels: the units go back to MySQL (a restore) and to Redis.
    const cancelled = await orders.put(`/api/orders/${confirmed[0].id}/cancel`, {
      token: confirmed[0].buyer.token,
    });
    expect(cancelled.status).toBe(200);
    await expectStockSettles(productId, 1);

    const run = await audit(productId);

    expect(run.stderr).toBe('');
    expect(run.stdout).toContain(`Sale audit of product ${productId}`);
    expect(run.stdout).toMatch(/accepted \(201, stored\)\s+5\n/);
    expect(run.stdout).toMatch(/CONFIRMED\s+4 \(4 units\)/);
    expect(run.stdout).toMatch(/CANCELLED\s+1 \(1 units\)/);
    expect(run.stdout).toMatch(/orders per buyer, max\s+1\n/);
    expect(run.stdout).toContain('PASS: every invariant holds');
    expect(run.code).toBe(0);
  });

  it('fails when a CONFIRMED order has no deduction in the ledger, naming the order', async () => {
    const { productId, confirmed } = await sale(2);
    await db.query('DELETE FROM inventory_service.stock_movements WHERE order_id = ?', [
      confirmed[1].id,
    ]);

    const run = await audit(productId);

    expect(run.stdout).toMatch(new RegExp(`CONFIRMED_WITHOUT_DEDUCTION: .*${confirmed[1].id}`));
    expect(run.stdout).toContain('FAIL:');
    expect(run.code).toBe(1);
  });

  it('fails when the stock of record was changed behind the ledger', async () => {
    const { productId } = await sale(2);
    await db.query('UPDATE inventory_service.products SET stock = stock + 3 WHERE product_id = ?', [
      productId,
    ]);

    const run = await audit(productId);

    expect(run.stdout).toContain('STOCK_NOT_LEDGER: MySQL stock is 3 but the ledger adds up to 0');
    expect(run.code).toBe(1);
  });
});
