import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { SERVICES } from './support/env.js';
import {
  createProduct,
  createUser,
  deleteProduct,
  expectError,
  expectValidationError,
  getAdminToken,
  inventory,
  redisStock,
  uniqueProductId,
  type TestUser,
} from './support/fixtures.js';
import { HOSTILE_BODIES } from './support/hostile-bodies.js';
import { describeOperationalEndpoints } from './support/operational.js';

const ISO_DATE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

describe('inventory-service', () => {
  describeOperationalEndpoints(SERVICES[2]);

  let admin: string;
  let customer: TestUser;
  const created: string[] = [];
  const track = (productId: string) => {
    created.push(productId);
    return productId;
  };

  beforeAll(async () => {
    admin = await getAdminToken();
    customer = await createUser();
  });

  afterAll(async () => {
    await Promise.all(created.map((id) => deleteProduct(id)));
  });

  describe('POST /api/inventory', () => {
    it('creates a product (201) and its Redis counter', async () => {
      const productId = track(uniqueProductId());
      const res = await inventory.post('/api/inventory', {
        token: admin,
        json: { productId, name: 'Phone X1', priceCents: 49_900, stock: 7 },
      });
      expect(res.status).toBe(201);
      expect(res.body).toEqual({
        productId,
        name: 'Phone X1',
        priceCents: 49_900,
        stock: 7,
        updatedAt: expect.stringMatching(ISO_DATE),
      });
      expect(await redisStock(productId)).toBe(7);
    });

    it('keeps maxPerUser when given', async () => {
      const productId = track(uniqueProductId());
      const res = await inventory.post('/api/inventory', {
        token: admin,
        json: { productId, name: 'Capped', priceCents: 100, stock: 5, maxPerUser: 2 },
      });
      expect(res.status).toBe(201);
      expect(res.body.maxPerUser).toBe(2);
    });

    it('answers 409 PRODUCT_EXISTS for an existing id', async () => {
      const productId = track(await createProduct({ stock: 1 }));
      const res = await inventory.post('/api/inventory', {
        token: admin,
        json: { productId, name: 'Again', priceCents: 1, stock: 1 },
      });
      expectError(res, 409, 'PRODUCT_EXISTS');
    });

    it('accepts a product id of 64 characters and refuses one of 65', async () => {
      const base = uniqueProductId();
      const id64 = track(base.padEnd(64, 'x'));
      const ok = await inventory.post('/api/inventory', {
        token: admin,
        json: { productId: id64, name: 'Long id', priceCents: 1, stock: 1 },
      });
      expect(ok.status).toBe(201);
      const res = await inventory.post('/api/inventory', {
        token: admin,
        json: { productId: base.padEnd(65, 'x'), name: 'Too long', priceCents: 1, stock: 1 },
      });
      expectValidationError(res, ['productId']);
    });

    it.each([
      ['a negative stock', { stock: -1 }, ['stock']],
      ['a fractional price', { priceCents: 10.5 }, ['priceCents']],
      ['a stock sent as a string', { stock: '5' }, ['stock']],
      ['an empty name', { name: '' }, ['name']],
      ['a blank name', { name: '   ' }, ['name']],
      ['a product id with a space', { productId: 'two words' }, ['productId']],
      ['a product id with a slash', { productId: 'a/b' }, ['productId']],
      ['an empty product id', { productId: '' }, ['productId']],
      ['maxPerUser 0', { maxPerUser: 0 }, ['maxPerUser']],
      ['an unknown field', { colour: 'red' }, ['colour']],
      [
        'several bad fields',
        { stock: -1, priceCents: -1, name: 5 },
        ['stock', 'priceCents', 'name'],
      ],
    ])('refuses %s with 400 naming the fields', async (_label, change, fields) => {
      const res = await inventory.post('/api/inventory', {
        token: admin,
        json: { productId: uniqueProductId(), name: 'Bad', priceCents: 1, stock: 1, ...change },
      });
      expectValidationError(res, fields);
    });

    it.each(HOSTILE_BODIES)(
      'answers %s to create and change with a 4xx, never a 500',
      async (label, raw) => {
        const productId = track(await createProduct({ stock: 1 }));
        const headers = { 'content-type': 'application/json' };
        const create = await inventory.post('/api/inventory', { token: admin, raw, headers });
        const change = await inventory.put(`/api/inventory/${productId}`, {
          token: admin,
          raw,
          headers,
        });
        // A JSON null is read as "change nothing" by PUT (every field is optional there); it
        // must leave the product as it was.
        const answers = label === 'JSON null' ? [create] : [create, change];
        if (label === 'JSON null') expect(change.status).toBeLessThan(500);
        for (const res of answers) {
          expect(res.status).toBeGreaterThanOrEqual(400);
          expect(res.status).toBeLessThan(500);
          expect(res.body).toEqual(
            expect.objectContaining({ statusCode: res.status, code: expect.any(String) }),
          );
        }
        const after = await inventory.get(`/api/inventory/${productId}`);
        expect(after.body).toEqual(
          expect.objectContaining({ productId, stock: 1, name: `Test ${productId}` }),
        );
      },
    );

    it('refuses a body with no fields, listing each required one', async () => {
      const res = await inventory.post('/api/inventory', { token: admin, json: {} });
      expectValidationError(res, ['productId', 'name', 'priceCents', 'stock']);
    });

    it('answers 401 without a token and with a bad one, 403 for a customer', async () => {
      const body = { productId: uniqueProductId(), name: 'X', priceCents: 1, stock: 1 };
      expectError(await inventory.post('/api/inventory', { json: body }), 401, 'UNAUTHORIZED');
      expectError(
        await inventory.post('/api/inventory', { json: body, token: 'a.b.c' }),
        401,
        'UNAUTHORIZED',
      );
      expectError(
        await inventory.post('/api/inventory', { json: body, token: customer.token }),
        403,
        'FORBIDDEN',
      );
      expect((await inventory.get(`/api/inventory/${body.productId}`)).status).toBe(404);
    });

    it('answers malformed JSON with 400 MALFORMED_JSON and an oversized body with 413', async () => {
      const malformed = await inventory.post('/api/inventory', {
        token: admin,
        raw: '{"productId": "x", ',
        headers: { 'content-type': 'application/json' },
      });
      expectError(malformed, 400, 'MALFORMED_JSON');
      const oversized = await inventory.post('/api/inventory', {
        token: admin,
        json: { productId: uniqueProductId(), name: 'n'.repeat(40_000), priceCents: 1, stock: 1 },
      });
      expectError(oversized, 413, 'PAYLOAD_TOO_LARGE');
    });
  });

  describe('GET /api/inventory', () => {
    it('lists products with their stock of record, publicly', async () => {
      const productId = track(await createProduct({ stock: 3, priceCents: 999 }));
      const res = await inventory.get('/api/inventory');
      expect(res.status).toBe(200);
      expect(Array.isArray(res.body)).toBe(true);
      const mine = (res.body as Array<Record<string, unknown>>).find(
        (p) => p.productId === productId,
      );
      expect(mine).toEqual({
        productId,
        name: `Test ${productId}`,
        priceCents: 999,
        stock: 3,
        updatedAt: expect.stringMatching(ISO_DATE),
      });
    });

    it('reads one product, publicly', async () => {
      const productId = track(await createProduct({ stock: 4 }));
      const res = await inventory.get(`/api/inventory/${productId}`);
      expect(res.status).toBe(200);
      expect(res.body).toEqual(expect.objectContaining({ productId, stock: 4 }));
    });

    it('answers 404 PRODUCT_NOT_FOUND for an unknown id and 400 for a malformed one', async () => {
      expectError(
        await inventory.get(`/api/inventory/${uniqueProductId()}`),
        404,
        'PRODUCT_NOT_FOUND',
      );
      expectValidationError(await inventory.get(`/api/inventory/${'x'.repeat(65)}`), ['productId']);
      expectValidationError(await inventory.get('/api/inventory/bad%20id'), ['productId']);
    });
  });

  describe('PUT /api/inventory/:productId', () => {
    it('changes any subset of fields and answers the product (200)', async () => {
      const productId = track(await createProduct({ stock: 5, priceCents: 100 }));
      const res = await inventory.put(`/api/inventory/${productId}`, {
        token: admin,
        json: { name: 'Renamed', priceCents: 150 },
      });
      expect(res.status).toBe(200);
      expect(res.body).toEqual(
        expect.objectContaining({ productId, name: 'Renamed', priceCents: 150, stock: 5 }),
      );
      expect((await inventory.get(`/api/inventory/${productId}`)).body.name).toBe('Renamed');
    });

    it('sets the stock of record and moves the Redis counter with it', async () => {
      const productId = track(await createProduct({ stock: 5 }));
      const up = await inventory.put(`/api/inventory/${productId}`, {
        token: admin,
        json: { stock: 12 },
      });
      expect(up.status).toBe(200);
      expect(up.body.stock).toBe(12);
      expect(await redisStock(productId)).toBe(12);
      const down = await inventory.put(`/api/inventory/${productId}`, {
        token: admin,
        json: { stock: 2 },
      });
      expect(down.body.stock).toBe(2);
      expect(await redisStock(productId)).toBe(2);
    });

    it('sets and removes maxPerUser', async () => {
      const productId = track(await createProduct({ stock: 5 }));
      const set = await inventory.put(`/api/inventory/${productId}`, {
        token: admin,
        json: { maxPerUser: 3 },
      });
      expect(set.body.maxPerUser).toBe(3);
      const removed = await inventory.put(`/api/inventory/${productId}`, {
        token: admin,
        json: { maxPerUser: null },
      });
      expect(removed.status).toBe(200);
      expect(removed.body).not.toHaveProperty('maxPerUser');
    });

    it('answers 404 PRODUCT_NOT_FOUND for an unknown product', async () => {
      const res = await inventory.put(`/api/inventory/${uniqueProductId()}`, {
        token: admin,
        json: { stock: 1 },
      });
      expectError(res, 404, 'PRODUCT_NOT_FOUND');
    });

    it.each([
      ['a negative stock', { stock: -5 }, ['stock']],
      ['a fractional stock', { stock: 1.5 }, ['stock']],
      ['a null name', { name: null }, ['name']],
      ['a price sent as a string', { priceCents: '100' }, ['priceCents']],
      ['an unknown field', { productId: 'other' }, ['productId']],
    ])('refuses %s with 400', async (_label, body, fields) => {
      const productId = track(await createProduct({ stock: 1 }));
      const res = await inventory.put(`/api/inventory/${productId}`, { token: admin, json: body });
      expectValidationError(res, fields);
    });

    it('answers 401 without a token and 403 for a customer', async () => {
      const productId = track(await createProduct({ stock: 1 }));
      const path = `/api/inventory/${productId}`;
      expectError(await inventory.put(path, { json: { stock: 100 } }), 401, 'UNAUTHORIZED');
      expectError(
        await inventory.put(path, { json: { stock: 100 }, token: customer.token }),
        403,
        'FORBIDDEN',
      );
      expect((await inventory.get(path)).body.stock).toBe(1);
    });
  });

  describe('DELETE /api/inventory/:productId', () => {
    it('deletes (204), after which the product and its counter are gone', async () => {
      const productId = await createProduct({ stock: 3 });
      const res = await inventory.delete(`/api/inventory/${productId}`, { token: admin });
      expect(res.status).toBe(204);
      expect(res.text).toBe('');
      expectError(await inventory.get(`/api/inventory/${productId}`), 404, 'PRODUCT_NOT_FOUND');
      expect(await redisStock(productId)).toBeNull();
      const again = await inventory.delete(`/api/inventory/${productId}`, { token: admin });
      expectError(again, 404, 'PRODUCT_NOT_FOUND');
    });

    it('answers 401 without a token and 403 for a customer', async () => {
      const productId = track(await createProduct({ stock: 1 }));
      const path = `/api/inventory/${productId}`;
      expectError(await inventory.delete(path), 401, 'UNAUTHORIZED');
      expectError(await inventory.delete(path, { token: customer.token }), 403, 'FORBIDDEN');
      expect((await inventory.get(path)).status).toBe(200);
    });
  });

  describe('POST /api/inventory/initialize', () => {
    it('creates the demo catalogue once: a second call creates nothing', async () => {
      const first = await inventory.post('/api/inventory/initialize', { token: admin });
      expect(first.status).toBe(200);
      expect(first.body).toEqual({ created: expect.any(Array), products: expect.any(Array) });
      expect(first.body.products.length).toBeGreaterThan(0);
      const second = await inventory.post('/api/inventory/initialize', { token: admin });
      expect(second.status).toBe(200);
      expect(second.body.created).toEqual([]);
      const ids = (r: typeof first) =>
        (r.body.products as Array<{ productId: string }>).map((p) => p.productId).sort();
      expect(ids(second)).toEqual(ids(first));
      for (const productId of ids(second)) {
        expect((await inventory.get(`/api/inventory/${productId}`)).status).toBe(200);
        expect(await redisStock(productId)).not.toBeNull();
      }
    });

    it('answers 401 without a token and 403 for a customer', async () => {
      expectError(await inventory.post('/api/inventory/initialize'), 401, 'UNAUTHORIZED');
      expectError(
        await inventory.post('/api/inventory/initialize', { token: customer.token }),
        403,
        'FORBIDDEN',
      );
    });
  });
});
