import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { MAX_ORDER_QUANTITY, SERVICES } from './support/env.js';
import {
  createProduct,
  createUser,
  createUsers,
  deleteProduct,
  expectError,
  expectValidationError,
  getAdminToken,
  getOrder,
  orders,
  placeOrder,
  redisStock,
  settledOrder,
  uniqueProductId,
  type TestUser,
} from './support/fixtures.js';
import { HOSTILE_BODIES } from './support/hostile-bodies.js';
import { pollUntil } from './support/http.js';
import { describeOperationalEndpoints } from './support/operational.js';

const ISO_DATE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('order-service', () => {
  describeOperationalEndpoints(SERVICES[1]);

  let alice: TestUser;
  let bob: TestUser;
  /** Plenty of stock, for the tests that are not about stock. */
  let product: string;
  const created: string[] = [];

  beforeAll(async () => {
    // A cap of its own: this product is not about caps, and alice and bob order it test after test
    // (order-service's default cap, ORDER_DEFAULT_MAX_PER_USER, is 10 units).
    product = await createProduct({ stock: 1_000, priceCents: 1_999, maxPerUser: 1_000 });
    created.push(product);
  });

  // A fresh alice and bob for every test: each starts with a full order rate-limit bucket
  // (RATE_LIMIT_ORDERS_PER_USER, 10 at once then 2 a second, shared with the cancel route), as
  // different people would, rather than one buyer sending the whole suite's orders.
  beforeEach(async () => {
    [alice, bob] = await Promise.all([createUser(), createUser()]);
  });

  afterAll(async () => {
    await Promise.all(created.map((id) => deleteProduct(id)));
  });

  describe('POST /api/orders', () => {
    /**
     * The bad-input tests below send some 40 orders one after the other. Every attempt takes a
     * token of its buyer's rate-limit bucket, valid or not (RATE_LIMIT_ORDERS_PER_USER, 10 at
     * once then 2 a second), so they take turns among a few buyers, as a crowd would.
     */
    let probers: TestUser[] = [];
    let probes = 0;
    const prober = (): TestUser => probers[probes++ % probers.length];

    beforeAll(async () => {
      probers = await createUsers(8);
    });

    it('accepts an order as PENDING (201), priced from the catalogue', async () => {
      const res = await placeOrder(alice.token, product, 2);
      expect(res.status).toBe(201);
      expect(res.body).toEqual({
        id: expect.stringMatching(UUID),
        userId: alice.id,
        productId: product,
        quantity: 2,
        status: 'PENDING',
        unitPriceCents: 1_999,
        totalCents: 3_998,
        failureReason: null,
        createdAt: expect.stringMatching(ISO_DATE),
        updatedAt: expect.stringMatching(ISO_DATE),
      });
    });

    it('ignores a price sent by the client: unknown fields are refused', async () => {
      const res = await orders.post('/api/orders', {
        token: alice.token,
        json: { productId: product, quantity: 1, unitPriceCents: 1, totalCents: 1 },
      });
      expectValidationError(res, ['unitPriceCents', 'totalCents']);
    });

    it('reads a positive JSON integer productId as its decimal string', async () => {
      const numericId = `${Date.now()}${Math.floor(Math.random() * 90 + 10)}`;
      created.push(await createProduct({ productId: numericId, stock: 5 }));
      const res = await placeOrder(alice.token, Number(numericId), 1);
      expect(res.status).toBe(201);
      expect(res.body.productId).toBe(numericId);
    });

    it('answers 404 PRODUCT_NOT_FOUND for a product that does not exist', async () => {
      expectError(await placeOrder(alice.token, uniqueProductId(), 1), 404, 'PRODUCT_NOT_FOUND');
    });

    it('answers 404 for a valid product id of 64 characters that does not exist', async () => {
      const id = uniqueProductId().padEnd(64, 'z');
      expectError(await placeOrder(alice.token, id, 1), 404, 'PRODUCT_NOT_FOUND');
    });

    it('answers 409 OUT_OF_STOCK when the stock is short, and takes nothing', async () => {
      const scarce = await createProduct({ stock: 2 });
      created.push(scarce);
      expectError(await placeOrder(alice.token, scarce, 3), 409, 'OUT_OF_STOCK');
      expect(await redisStock(scarce)).toBe(2);
      const empty = await createProduct({ stock: 0 });
      created.push(empty);
      expectError(await placeOrder(alice.token, empty, 1), 409, 'OUT_OF_STOCK');
    });

    it(`accepts quantity 1 and ${MAX_ORDER_QUANTITY} (ORDER_MAX_QUANTITY)`, async () => {
      expect((await placeOrder(bob.token, product, 1)).status).toBe(201);
      expect((await placeOrder(bob.token, product, MAX_ORDER_QUANTITY)).status).toBe(201);
    });

    it.each([
      ['quantity 0', { quantity: 0 }, ['quantity']],
      ['a negative quantity', { quantity: -1 }, ['quantity']],
      [`quantity ${MAX_ORDER_QUANTITY + 1}`, { quantity: MAX_ORDER_QUANTITY + 1 }, ['quantity']],
      ['a fractional quantity', { quantity: 1.5 }, ['quantity']],
      ['a quantity sent as a string', { quantity: '1' }, ['quantity']],
      ['a null quantity', { quantity: null }, ['quantity']],
      ['a missing quantity', { quantity: undefined }, ['quantity']],
      ['an empty productId', { productId: '' }, ['productId']],
      ['a productId of 65 characters', { productId: 'p'.repeat(65) }, ['productId']],
      ['a productId with a space', { productId: 'two words' }, ['productId']],
      ['a productId with a colon', { productId: 'a:b' }, ['productId']],
      ['a productId of 0', { productId: 0 }, ['productId']],
      ['a negative numeric productId', { productId: -5 }, ['productId']],
      ['a fractional numeric productId', { productId: 1.5 }, ['productId']],
      ['a boolean productId', { productId: true }, ['productId']],
      ['an object productId', { productId: { id: 'x' } }, ['productId']],
      ['an unknown field', { coupon: 'FREE' }, ['coupon']],
      ['two bad fields', { productId: '', quantity: 0 }, ['productId', 'quantity']],
    ])('refuses %s with 400 naming the field', async (_label, change, fields) => {
      const res = await orders.post('/api/orders', {
        token: prober().token,
        json: { productId: product, quantity: 1, ...change },
      });
      expectValidationError(res, fields);
    });

    it('refuses an array body and an empty body with 400', async () => {
      const array = await orders.post('/api/orders', { token: prober().token, json: [] });
      expect(array.status).toBe(400);
      expect(array.body.code).toBe('VALIDATION_FAILED');
      expectValidationError(await orders.post('/api/orders', { token: prober().token, json: {} }), [
        'productId',
        'quantity',
      ]);
    });

    it.each(HOSTILE_BODIES)('answers %s with a 4xx error, never a 500', async (_label, raw) => {
      const res = await orders.post('/api/orders', {
        token: prober().token,
        raw,
        headers: { 'content-type': 'application/json' },
      });
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
      expect(res.body).toEqual(
        expect.objectContaining({ statusCode: res.status, code: expect.any(String) }),
      );
    });

    it('answers malformed JSON with 400 MALFORMED_JSON and an oversized body with 413', async () => {
      const malformed = await orders.post('/api/orders', {
        token: prober().token,
        raw: '{"productId": "x", "quantity": }',
        headers: { 'content-type': 'application/json' },
      });
      expectError(malformed, 400, 'MALFORMED_JSON');
      const oversized = await orders.post('/api/orders', {
        token: prober().token,
        json: { productId: product, quantity: 1, padding: 'x'.repeat(64 * 1024) },
      });
      expectError(oversized, 413, 'PAYLOAD_TOO_LARGE');
    });

    it('refuses a malformed Idempotency-Key with 400 VALIDATION_FAILED', async () => {
      const spaces = await placeOrder(prober().token, product, 1, 'has spaces');
      expectError(spaces, 400, 'VALIDATION_FAILED');
      const long = await placeOrder(prober().token, product, 1, 'k'.repeat(129));
      expectError(long, 400, 'VALIDATION_FAILED');
    });

    it('answers 401 UNAUTHORIZED without a token, with a bad one, and takes nothing', async () => {
      const scarce = await createProduct({ stock: 1 });
      created.push(scarce);
      const body = { productId: scarce, quantity: 1 };
      expectError(await orders.post('/api/orders', { json: body }), 401, 'UNAUTHORIZED');
      expectError(
        await orders.post('/api/orders', { json: body, token: `${alice.token}x` }),
        401,
        'UNAUTHORIZED',
      );
      expectError(
        await orders.post('/api/orders', { json: body, token: 'e30.e30.e30' }),
        401,
        'UNAUTHORIZED',
      );
      expect(await redisStock(scarce)).toBe(1);
    });
  });

  describe('GET /api/orders', () => {
    let carol: TestUser;
    const placed: string[] = [];

    beforeAll(async () => {
      carol = await createUser();
      // One after the other, so "newest first" has a defined order.
      for (let i = 0; i < 3; i++) {
        const res = await placeOrder(carol.token, product, 1);
        expect(res.status).toBe(201);
        placed.push(res.body.id as string);
        await new Promise((r) => setTimeout(r, 15));
      }
    });

    it('lists the caller’s own orders, newest first, with nextCursor null at the end', async () => {
      const res = await orders.get('/api/orders', { token: carol.token });
      expect(res.status).toBe(200);
      expect(res.body.nextCursor).toBeNull();
      expect((res.body.items as Array<{ id: string }>).map((o) => o.id)).toEqual(
        [...placed].reverse(),
      );
      for (const order of res.body.items as Array<Record<string, unknown>>) {
        expect(order.userId).toBe(carol.id);
      }
    });

    it('pages with limit and cursor', async () => {
      const first = await orders.get('/api/orders?limit=2', { token: carol.token });
      expect(first.status).toBe(200);
      expect((first.body.items as Array<{ id: string }>).map((o) => o.id)).toEqual([
        placed[2],
        placed[1],
      ]);
      expect(typeof first.body.nextCursor).toBe('string');
      const second = await orders.get(
        `/api/orders?limit=2&cursor=${encodeURIComponent(first.body.nextCursor as string)}`,
        { token: carol.token },
      );
      expect(second.status).toBe(200);
      expect((second.body.items as Array<{ id: string }>).map((o) => o.id)).toEqual([placed[0]]);
      expect(second.body.nextCursor).toBeNull();
    });

    it('shows nobody else’s orders', async () => {
      const dave = await createUser();
      const res = await orders.get('/api/orders?limit=100', { token: dave.token });
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ items: [], nextCursor: null });
    });

    it('accepts limit 1 and 100', async () => {
      const one = await orders.get('/api/orders?limit=1', { token: carol.token });
      expect(one.status).toBe(200);
      expect(one.body.items).toHaveLength(1);
      const hundred = await orders.get('/api/orders?limit=100', { token: carol.token });
      expect(hundred.status).toBe(200);
      expect(hundred.body.items).toHaveLength(3);
    });

    it.each([
      ['limit=0', ['limit']],
      ['limit=101', ['limit']],
      ['limit=-1', ['limit']],
      ['limit=1.5', ['limit']],
      ['limit=abc', ['limit']],
      [`cursor=${'c'.repeat(201)}`, ['cursor']],
      ['status=PENDING', ['status']],
      ['limit=5&limit=6', ['limit']],
    ])('refuses ?%s with 400 naming the parameter', async (query, fields) => {
      expectValidationError(
        await orders.get(`/api/orders?${query}`, { token: carol.token }),
        fields,
      );
    });

    it('refuses a cursor that is not one it issued with 400 VALIDATION_FAILED', async () => {
      const forged = Buffer.from('not-a-cursor').toString('base64url');
      const res = await orders.get(`/api/orders?cursor=${forged}`, { token: carol.token });
      expectError(res, 400, 'VALIDATION_FAILED');
    });

    it('answers 401 without a token', async () => {
      expectError(await orders.get('/api/orders'), 401, 'UNAUTHORIZED');
    });
  });

  describe('GET /api/orders/:id', () => {
    it('answers the owner with the order', async () => {
      const placed = await placeOrder(alice.token, product, 1);
      const res = await getOrder(alice.token, placed.body.id as string);
      expect(res.status).toBe(200);
      expect(res.body).toEqual(
        expect.objectContaining({ id: placed.body.id, userId: alice.id, productId: product }),
      );
      expect(['PENDING', 'CONFIRMED']).toContain(res.body.status);
    });

    it('answers 404 ORDER_NOT_FOUND for someone else’s order and for an unknown id', async () => {
      const placed = await placeOrder(alice.token, product, 1);
      expectError(await getOrder(bob.token, placed.body.id as string), 404, 'ORDER_NOT_FOUND');
      expectError(await getOrder(alice.token, randomUUID()), 404, 'ORDER_NOT_FOUND');
    });

    it('answers 404 ORDER_NOT_FOUND for ids that are not order ids, whatever they hold', async () => {
      for (const id of ['abc', 'x'.repeat(5_000), encodeURIComponent("' OR 1=1 --")]) {
        expectError(await getOrder(alice.token, id), 404, 'ORDER_NOT_FOUND');
        expectError(
          await orders.put(`/api/orders/${id}/cancel`, { token: alice.token }),
          404,
          'ORDER_NOT_FOUND',
        );
      }
    });

    it('answers 401 without a token', async () => {
      const placed = await placeOrder(alice.token, product, 1);
      expectError(await orders.get(`/api/orders/${placed.body.id}`), 401, 'UNAUTHORIZED');
    });
  });

  describe('PUT /api/orders/:id/cancel', () => {
    it('cancels the owner’s order (200 CANCELLED)', async () => {
      const placed = await placeOrder(alice.token, product, 1);
      await settledOrder(alice.token, placed.body.id as string);
      const res = await orders.put(`/api/orders/${placed.body.id}/cancel`, { token: alice.token });
      expect(res.status).toBe(200);
      expect(res.body).toEqual(
        expect.objectContaining({ id: placed.body.id, status: 'CANCELLED', userId: alice.id }),
      );
    });

    it('answers 409 ORDER_NOT_CANCELLABLE for an order already cancelled', async () => {
      const placed = await placeOrder(alice.token, product, 1);
      const path = `/api/orders/${placed.body.id}/cancel`;
      expect((await orders.put(path, { token: alice.token })).status).toBe(200);
      expectError(await orders.put(path, { token: alice.token }), 409, 'ORDER_NOT_CANCELLABLE');
    });

    it('answers 404 ORDER_NOT_FOUND for someone else’s order, which stays as it was', async () => {
      const placed = await placeOrder(alice.token, product, 1);
      const settled = await settledOrder(alice.token, placed.body.id as string);
      const res = await orders.put(`/api/orders/${placed.body.id}/cancel`, { token: bob.token });
      expectError(res, 404, 'ORDER_NOT_FOUND');
      expect((await getOrder(alice.token, placed.body.id as string)).body.status).toBe(
        settled.status,
      );
    });

    it('answers 404 for an unknown order and 401 without a token', async () => {
      expectError(
        await orders.put(`/api/orders/${randomUUID()}/cancel`, { token: alice.token }),
        404,
        'ORDER_NOT_FOUND',
      );
      const placed = await placeOrder(alice.token, product, 1);
      expectError(await orders.put(`/api/orders/${placed.body.id}/cancel`), 401, 'UNAUTHORIZED');
    });
  });

  describe('GET /api/stock', () => {
    it('lists the Redis counters, publicly (an answer may be up to 1 s old)', async () => {
      const productId = await createProduct({ stock: 9 });
      created.push(productId);
      const listed = (body: unknown) =>
        Array.isArray(body) && body.some((l) => l.productId === productId && l.stock === 9);
      const res = await pollUntil(
        () => orders.get('/api/stock'),
        (r) => r.status !== 200 || listed(r.body),
      );
      expect(res.status).toBe(200);
      expect(res.body).toEqual(expect.arrayContaining([{ productId, stock: 9 }]));
    });

    it('reads one counter, and answers 404 PRODUCT_NOT_FOUND for an unknown product', async () => {
      const productId = await createProduct({ stock: 4 });
      created.push(productId);
      const res = await orders.get(`/api/stock/${productId}`);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ productId, stock: 4 });
      expectError(await orders.get(`/api/stock/${uniqueProductId()}`), 404, 'PRODUCT_NOT_FOUND');
    });

    it('answers 400 VALIDATION_FAILED for ids no product can have, as the body’s productId', async () => {
      for (const id of ['p'.repeat(65), 'bad%20id', '%7Bx%7D', 'a:b', '*']) {
        expectError(await orders.get(`/api/stock/${id}`), 400, 'VALIDATION_FAILED');
      }
    });
  });

  describe('POST /api/stock/reconcile', () => {
    it('reports counters against MySQL for an admin', async () => {
      const res = await orders.post('/api/stock/reconcile', { token: await getAdminToken() });
      expect(res.status).toBe(200);
      expect(Array.isArray(res.body)).toBe(true);
    });

    it('refuses an unknown repair value with 400', async () => {
      const res = await orders.post('/api/stock/reconcile?repair=maybe', {
        token: await getAdminToken(),
      });
      expectValidationError(res, ['repair']);
    });

    it('answers 401 without a token and 403 for a customer', async () => {
      expectError(await orders.post('/api/stock/reconcile'), 401, 'UNAUTHORIZED');
      expectError(
        await orders.post('/api/stock/reconcile', { token: alice.token }),
        403,
        'FORBIDDEN',
      );
    });
  });
});
