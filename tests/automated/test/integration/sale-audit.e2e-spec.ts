import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import {
  createProduct,
  createUsers,
  deleteProduct,
  expectError,
  expectStockSettles,
  getAdminToken,
  orders,
  placeOrder,
  settledOrder,
  type TestUser,
} from '../support/fixtures.js';
import { runProcess, type ProcessResult } from '../support/child-process.js';
import { ROOT } from '../support/global-setup.mjs';
import { pollUntil, type HttpResult } from '../support/http.js';

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
 * `GET /api/stock/:productId/audit` as an admin, asked again while the sale is not quiet (only
 * transient breaches), as the CLI's `--wait-seconds` does; gives the last answer.
 */
async function auditOverHttp(productId: string): Promise<HttpResult> {
  const token = await getAdminToken();
  return pollUntil(
    () => orders.get(`/api/stock/${productId}/audit`, { token }),
    (res) =>
      res.status !== 200 ||
      res.body.ok === true ||
      (res.body.breaches as Array<{ transient: boolean }>).some((b) => !b.transient),
    20_000,
    250,
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

    // The same audit over HTTP, from order-service (inventory's half read over HTTP).
    const res = await auditOverHttp(productId);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      productId,
      ok: true,
      quiet: true,
      breaches: [],
      stock: { initial: 5, deductions: 5, restores: 1, expected: 1, actual: 1, redis: 1 },
      orders: {
        accepted: 5,
        byStatus: { CONFIRMED: { orders: 4, units: 4 }, CANCELLED: { orders: 1, units: 1 } },
      },
      perUser: { maxOrders: 1 },
    });
    expect(res.body.report).toContain(`Sale audit of product ${productId}`);
    expect(res.body.report).toContain('PASS: every invariant holds');
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

    // A breach is a finding: 200 with ok false, the breach named as the CLI names it.
    const res = await auditOverHttp(productId);
    expect(res.status).toBe(200);
    expect(res.body.ok).toBe(false);
    expect(res.body.breaches).toContainEqual({
      code: 'CONFIRMED_WITHOUT_DEDUCTION',
      message: expect.stringContaining(confirmed[1].id),
      transient: false,
    });
    expect(res.body.report).toMatch(
      new RegExp(`CONFIRMED_WITHOUT_DEDUCTION: .*${confirmed[1].id}`),
    );
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

  describe('GET /api/stock/:productId/audit', () => {
    it('is for admins only: 401 without a token, 403 FORBIDDEN for a customer', async () => {
      const productId = await createProduct({ stock: 1 });
      created.push(productId);
      expectError(await orders.get(`/api/stock/${productId}/audit`), 401, 'UNAUTHORIZED');
      expectError(
        await orders.get(`/api/stock/${productId}/audit`, { token: buyers[0].token }),
        403,
        'FORBIDDEN',
      );
    });

    it('answers 400 VALIDATION_FAILED for a bad product id, 404 for an unknown one', async () => {
      const token = await getAdminToken();
      expectError(
        await orders.get('/api/stock/no%20spaces/audit', { token }),
        400,
        'VALIDATION_FAILED',
      );
      expectError(
        await orders.get(`/api/stock/never-${Date.now()}/audit`, { token }),
        404,
        'PRODUCT_NOT_FOUND',
      );
    });
  });
});
