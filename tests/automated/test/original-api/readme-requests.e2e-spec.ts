/**
 * The original project's README ("NestJS 高并发订单后端微服务系统"), its API section replayed as
 * written: the same routes with the same bodies (numeric product ids, `productName`, inventory
 * `quantity` / decimal `price`, verify by header, `PUT /api/stock/:id`, `GET
 * /api/stock/health/check`). This system accepts them as deprecated aliases of its own contract;
 * the only addition is the admin token on the writes this system reserves for admins.
 *
 * The steps run in the README's order and build on each other (the user registered first is the
 * one who orders), like a new user trying the README out. Product 6 is the README's own example id:
 * it is removed before and after, so a rerun replays the same request.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  deleteProduct,
  expectError,
  getAdminToken,
  inventory,
  mysqlStock,
  newUserInput,
  orders,
  redisStock,
  settledOrder,
  users,
  type NewUserInput,
} from '../support/fixtures.js';
import { pollUntil } from '../support/http.js';

/** The README's example of a new product. */
const NEW_PRODUCT_ID = 6;

describe('the original README’s API, replayed as written', () => {
  let admin: string;
  let account: NewUserInput;
  let token: string;
  let orderId: string;

  beforeAll(async () => {
    admin = await getAdminToken();
    account = newUserInput();
    await deleteProduct(String(NEW_PRODUCT_ID));
  });

  afterAll(async () => {
    await deleteProduct(String(NEW_PRODUCT_ID));
  });

  it('GET /api on every service', async () => {
    for (const service of [users, orders, inventory]) {
      const res = await service.get('/api');
      expect(res.status).toBe(200);
      expect(res.body).toEqual(expect.objectContaining({ status: 'ok' }));
    }
  });

  describe('user service', () => {
    it('POST /api/users/register {username, email, password}', async () => {
      const res = await users.post('/api/users/register', { json: account });
      expect(res.status).toBe(201);
      expect(res.body).toEqual(
        expect.objectContaining({ username: account.username, email: account.email }),
      );
    });

    it('POST /api/users/login {email, password}', async () => {
      const res = await users.post('/api/users/login', {
        json: { email: account.email, password: account.password },
      });
      expect(res.status).toBe(200);
      token = res.body.accessToken as string;
      expect(token).toEqual(expect.any(String));
    });

    it('GET /api/users/profile with the token', async () => {
      const res = await users.get('/api/users/profile', { token });
      expect(res.status).toBe(200);
      expect(res.body).toEqual(expect.objectContaining({ username: account.username }));
    });

    it('POST /api/users/verify with the token in Authorization: Bearer and no body', async () => {
      const res = await users.post('/api/users/verify', { token });
      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        valid: true,
        payload: expect.objectContaining({ username: account.username }),
      });
    });
  });

  describe('inventory service', () => {
    it('POST /api/inventory/initialize loads the demo products under ids 1-5', async () => {
      const res = await inventory.post('/api/inventory/initialize', { token: admin });
      expect(res.status).toBe(200);
      for (const id of ['1', '2', '3', '4', '5']) {
        const product = await inventory.get(`/api/inventory/${id}`);
        expect({ id, status: product.status }).toEqual({ id, status: 200 });
      }
    });

    it('GET /api/inventory lists them', async () => {
      const res = await inventory.get('/api/inventory');
      expect(res.status).toBe(200);
      const ids = (res.body as { productId: string }[]).map((p) => p.productId);
      expect(ids).toEqual(expect.arrayContaining(['1', '2', '3', '4', '5']));
    });

    it('POST /api/inventory {"productId": 6, "productName", "quantity": 100, "price": 199.99}', async () => {
      const res = await inventory.post('/api/inventory', {
        token: admin,
        json: { productId: 6, productName: 'New Product', quantity: 100, price: 199.99 },
      });
      expect(res.status).toBe(201);
      const read = await inventory.get('/api/inventory/6');
      expect(read.body).toEqual(
        expect.objectContaining({
          productId: '6',
          name: 'New Product',
          priceCents: 19_999,
          stock: 100,
        }),
      );
      expect(
        await pollUntil(
          () => redisStock('6'),
          (s) => s === 100,
        ),
      ).toBe(100);
    });

    it('PUT /api/inventory/6 {"quantity": 150, "price": 249.99}', async () => {
      const res = await inventory.put('/api/inventory/6', {
        token: admin,
        json: { quantity: 150, price: 249.99 },
      });
      expect(res.status).toBe(200);
      const read = await inventory.get('/api/inventory/6');
      expect(read.body).toEqual(
        expect.objectContaining({ name: 'New Product', priceCents: 24_999, stock: 150 }),
      );
      expect(
        await pollUntil(
          () => redisStock('6'),
          (s) => s === 150,
        ),
      ).toBe(150);
    });

    it('refuses a price with more than two decimals with a clear 400, changing nothing', async () => {
      const res = await inventory.put('/api/inventory/6', {
        token: admin,
        json: { price: 249.999 },
      });
      expectError(res, 400, 'VALIDATION_FAILED');
      expect(res.body.message).toEqual([
        expect.stringMatching(/^price must be a number .* with at most two decimals$/),
      ]);
      expect((await inventory.get('/api/inventory/6')).body.priceCents).toBe(24_999);
    });
  });

  describe('order service', () => {
    it('GET /api/stock/health/check', async () => {
      const res = await orders.get('/api/stock/health/check');
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ status: 'ok', redis: 'up' });
    });

    it('PUT /api/stock/1 {"quantity": 100} sets the stock of record through inventory', async () => {
      const res = await orders.put('/api/stock/1', { token: admin, json: { quantity: 100 } });
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ productId: '1', stock: 100 });
      expect(await mysqlStock('1')).toBe(100);
      expect(
        await pollUntil(
          () => redisStock('1'),
          (s) => s === 100,
        ),
      ).toBe(100);
    });

    it('GET /api/stock and GET /api/stock/1', async () => {
      // The list may be up to 1 s old (it is cached): wait for the stock just set.
      const list = await pollUntil(
        () => orders.get('/api/stock'),
        (r) =>
          r.status !== 200 ||
          (Array.isArray(r.body) &&
            r.body.some(
              (l: { productId?: string; stock?: number }) => l.productId === '1' && l.stock === 100,
            )),
      );
      expect(list.status).toBe(200);
      expect(list.body).toContainEqual({ productId: '1', stock: 100 });
      const one = await orders.get('/api/stock/1');
      expect(one.status).toBe(200);
      expect(one.body).toEqual({ productId: '1', stock: 100 });
    });

    it('POST /api/orders {"productId": 1, "productName", "price": 999.99, "quantity": 1}', async () => {
      const catalogue = await inventory.get('/api/inventory/1');
      const res = await orders.post('/api/orders', {
        token,
        json: { productId: 1, productName: 'iPhone 15', price: 999.99, quantity: 1 },
      });
      expect(res.status).toBe(201);
      expect(res.body).toEqual(
        expect.objectContaining({
          productId: '1',
          quantity: 1,
          status: 'PENDING',
          unitPriceCents: catalogue.body.priceCents,
        }),
      );
      orderId = res.body.id as string;
      expect((await settledOrder(token, orderId)).status).toBe('CONFIRMED');
      expect(
        await pollUntil(
          () => mysqlStock('1'),
          (s) => s === 99,
        ),
      ).toBe(99);
      expect(await redisStock('1')).toBe(99);
    });

    it('charges the catalogue price whatever price the client sends', async () => {
      const res = await orders.post('/api/orders', {
        token,
        json: { productId: 6, productName: 'New Product', price: 0.01, quantity: 2 },
      });
      expect(res.status).toBe(201);
      expect(res.body).toEqual(
        expect.objectContaining({ productId: '6', unitPriceCents: 24_999, totalCents: 49_998 }),
      );
      const stored = await settledOrder(token, res.body.id as string);
      expect(stored).toEqual(
        expect.objectContaining({
          status: 'CONFIRMED',
          unitPriceCents: 24_999,
          totalCents: 49_998,
        }),
      );
    });

    it('GET /api/orders lists the order', async () => {
      const res = await orders.get('/api/orders', { token });
      expect(res.status).toBe(200);
      expect((res.body.items as { id: string }[]).map((o) => o.id)).toContain(orderId);
    });

    it('PUT /api/orders/:id/cancel gives the unit back', async () => {
      const res = await orders.put(`/api/orders/${orderId}/cancel`, { token });
      expect(res.status).toBe(200);
      expect(res.body.status).toBe('CANCELLED');
      expect(
        await pollUntil(
          () => mysqlStock('1'),
          (s) => s === 100,
        ),
      ).toBe(100);
      expect(
        await pollUntil(
          () => redisStock('1'),
          (s) => s === 100,
        ),
      ).toBe(100);
    });
  });
});
