import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { REDIS_CLIENT } from '@flash-sale/common';
import { ProductHashFields, RedisKeys, STOCK_CHANGED_CHANNEL } from '@flash-sale/contracts';
import { eventually } from '@flash-sale/common/testing';
import type { Redis } from 'ioredis';
import request from 'supertest';
import { DEMO_CATALOGUE } from '../src/products/demo-catalogue.js';
import { DatabaseProbe } from './support/database.js';
import {
  authHeaders,
  removeTestProducts,
  startTestApp,
  uniqueProductId,
} from './support/test-app.js';

type Headers = Record<string, string>;

describe('inventory-service catalogue over HTTP (e2e)', () => {
  let app: NestFastifyApplication;
  let redis: Redis;
  let db: DatabaseProbe;
  let admin: Headers;
  let user: Headers;
  const touched = new Set<string>();
  const http = () => request(app.getHttpServer());

  /** Creates a product through the API and remembers it for the ledger check. */
  async function createProduct(fields: Record<string, unknown> = {}) {
    const body = {
      productId: uniqueProductId(),
      name: 'Test product',
      priceCents: 1_999,
      stock: 10,
      ...fields,
    };
    touched.add(body.productId);
    const res = await http().post('/api/inventory').set(admin).send(body).expect(201);
    return res.body as { productId: string; stock: number };
  }

  const counterOf = async (productId: string) => redis.get(RedisKeys.stock(productId));
  const catalogueHashOf = async (productId: string) => redis.hgetall(RedisKeys.product(productId));

  beforeAll(async () => {
    app = await startTestApp();
    redis = app.get<Redis>(REDIS_CLIENT);
    db = new DatabaseProbe(app);
    ({ admin, user } = await authHeaders(app));
  });

  afterAll(async () => {
    if (app) await removeTestProducts(app, touched);
    await app?.close();
  });

  describe('GET /api/inventory', () => {
    it('lists products without a token, in the documented shape', async () => {
      const created = await createProduct({ name: 'Listed', priceCents: 500, stock: 3 });
      const res = await http().get('/api/inventory').expect(200);
      expect(res.body).toContainEqual({
        productId: created.productId,
        name: 'Listed',
        priceCents: 500,
        stock: 3,
        updatedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT.*Z$/),
      });
    });
  });

  describe('GET /api/inventory/:productId', () => {
    it('answers one product without a token, with maxPerUser when it has a cap', async () => {
      const created = await createProduct({ maxPerUser: 2 });
      const res = await http().get(`/api/inventory/${created.productId}`).expect(200);
      expect(res.body).toEqual({
        productId: created.productId,
        name: 'Test product',
        priceCents: 1_999,
        stock: 10,
        maxPerUser: 2,
        updatedAt: expect.any(String),
      });
    });

    it('answers 404 PRODUCT_NOT_FOUND for an unknown product', async () => {
      const res = await http()
        .get(`/api/inventory/${uniqueProductId('missing')}`)
        .expect(404);
      expect(res.body).toMatchObject({ statusCode: 404, code: 'PRODUCT_NOT_FOUND' });
    });

    it.each([
      ['characters outside [A-Za-z0-9_-]', 'bad%24id'],
      ['a space', 'bad%20id'],
      ['65 characters', 'x'.repeat(65)],
    ])('answers 400 VALIDATION_FAILED for an id with %s', async (_label, id) => {
      const res = await http().get(`/api/inventory/${id}`).expect(400);
      expect(res.body.code).toBe('VALIDATION_FAILED');
      expect(res.body.message).toEqual([expect.stringContaining('productId')]);
    });

    it('refuses a 10 KB id in the path with a 4xx, never a 500', async () => {
      // Fastify's router refuses over-long path parameters itself (414) before the app sees them.
      const res = await http().get(`/api/inventory/${'x'.repeat(10 * 1024)}`);
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
    });
  });

  describe('POST /api/inventory', () => {
    it('creates a product, sets its Redis counter and catalogue hash, and opens its ledger', async () => {
      const productId = uniqueProductId();
      touched.add(productId);
      const res = await http()
        .post('/api/inventory')
        .set(admin)
        .send({ productId, name: 'Phone', priceCents: 49_900, stock: 25, maxPerUser: 1 })
        .expect(201);
      expect(res.body).toEqual({
        productId,
        name: 'Phone',
        priceCents: 49_900,
        stock: 25,
        maxPerUser: 1,
        updatedAt: expect.any(String),
      });
      expect(await counterOf(productId)).toBe('25');
      expect(await catalogueHashOf(productId)).toEqual({
        [ProductHashFields.Name]: 'Phone',
        [ProductHashFields.PriceCents]: '49900',
        [ProductHashFields.MaxPerUser]: '1',
      });
      expect(await db.movementsOf(productId)).toEqual([
        { kind: 'PRODUCT_CREATED', delta: 25, orderId: null, actorUserId: '1' },
      ]);
    });

    it('accepts stock 0 and price 0, and no per-user cap', async () => {
      const created = await createProduct({ stock: 0, priceCents: 0, maxPerUser: null });
      expect(created).toMatchObject({ stock: 0 });
      expect(created).not.toHaveProperty('maxPerUser');
      expect(await counterOf(created.productId)).toBe('0');
      expect(await catalogueHashOf(created.productId)).not.toHaveProperty(
        ProductHashFields.MaxPerUser,
      );
    });

    it('answers 409 PRODUCT_EXISTS for an existing id and changes nothing', async () => {
      const created = await createProduct({ stock: 7 });
      const res = await http()
        .post('/api/inventory')
        .set(admin)
        .send({ productId: created.productId, name: 'Again', priceCents: 1, stock: 99 })
        .expect(409);
      expect(res.body).toMatchObject({ statusCode: 409, code: 'PRODUCT_EXISTS' });
      expect(await db.stockOf(created.productId)).toBe(7);
      expect(await counterOf(created.productId)).toBe('7');
    });

    const valid = () => ({ productId: uniqueProductId(), name: 'x', priceCents: 100, stock: 5 });
    it.each([
      ['a negative stock', { stock: -1 }, 'stock'],
      ['a fractional stock', { stock: 1.5 }, 'stock'],
      ['a stock sent as a string', { stock: '5' }, 'stock'],
      ['a stock over the maximum', { stock: 1_000_000_001 }, 'stock'],
      ['a negative price', { priceCents: -1 }, 'priceCents'],
      ['a fractional price', { priceCents: 9.99 }, 'priceCents'],
      ['a product id with bad characters', { productId: 'bad id!' }, 'productId'],
      ['a product id with a slash', { productId: 'a/b' }, 'productId'],
      ['a 10 KB product id', { productId: 'x'.repeat(10 * 1024) }, 'productId'],
      ['an empty product id', { productId: '' }, 'productId'],
      ['a blank name', { name: '   ' }, 'name'],
      ['a name of 201 characters', { name: 'n'.repeat(201) }, 'name'],
      ['a zero per-user cap', { maxPerUser: 0 }, 'maxPerUser'],
      ['an unknown field', { colour: 'red' }, 'colour'],
      ['a smuggled timestamp', { updatedAt: '2020-01-01T00:00:00Z' }, 'updatedAt'],
    ])('answers 400 VALIDATION_FAILED for %s', async (_label, change, field) => {
      const body = { ...valid(), ...change };
      const res = await http().post('/api/inventory').set(admin).send(body).expect(400);
      expect(res.body.code).toBe('VALIDATION_FAILED');
      expect(res.body.message).toEqual(expect.arrayContaining([expect.stringContaining(field)]));
      if (typeof body.productId === 'string' && body.productId.length <= 64) {
        expect(await db.stockOf(body.productId)).toBeNull();
      }
      // The refusal never echoes a 10 KB value back.
      expect(JSON.stringify(res.body).length).toBeLessThan(2_000);
    });

    it('lists every missing field at once', async () => {
      const res = await http().post('/api/inventory').set(admin).send({}).expect(400);
      const message = (res.body.message as string[]).join('\n');
      for (const field of ['productId', 'name', 'priceCents', 'stock']) {
        expect(message).toContain(field);
      }
    });

    it.each([
      ['an array', '[]'],
      ['a string', '"product"'],
      ['null', 'null'],
    ])('answers 400 for a body that is %s', async (_label, body) => {
      const res = await http()
        .post('/api/inventory')
        .set(admin)
        .set('content-type', 'application/json')
        .send(body);
      expect(res.status).toBe(400);
      expect(['VALIDATION_FAILED', 'MALFORMED_JSON']).toContain(res.body.code);
    });

    it('answers 400 MALFORMED_JSON for malformed JSON', async () => {
      const res = await http()
        .post('/api/inventory')
        .set(admin)
        .set('content-type', 'application/json')
        .send('{"productId": "x", ')
        .expect(400);
      expect(res.body.code).toBe('MALFORMED_JSON');
    });
  });

  describe('the original API’s body shapes (deprecated aliases)', () => {
    /** A fresh numeric id, as the original's clients send them (well below 2^53). */
    const numericProductId = () => Number(`${Date.now()}${Math.floor(Math.random() * 90 + 10)}`);

    it('creates from {productId: number, productName, quantity, price} with the price exact', async () => {
      const productId = numericProductId();
      touched.add(String(productId));
      const res = await http()
        .post('/api/inventory')
        .set(admin)
        .send({ productId, productName: 'New Product', quantity: 100, price: 199.99 })
        .expect(201);
      expect(res.body).toEqual({
        productId: String(productId),
        name: 'New Product',
        priceCents: 19_999,
        stock: 100,
        updatedAt: expect.any(String),
      });
      expect(await counterOf(String(productId))).toBe('100');
    });

    it('updates from {quantity, price, productName}, the stock reaching Redis as a delta', async () => {
      const created = await createProduct({ stock: 10 });
      await redis.decrby(RedisKeys.stock(created.productId), 2);
      const res = await http()
        .put(`/api/inventory/${created.productId}`)
        .set(admin)
        .send({ quantity: 150, price: 249.99, productName: 'Renamed' })
        .expect(200);
      expect(res.body).toMatchObject({ stock: 150, priceCents: 24_999, name: 'Renamed' });
      expect(await db.stockOf(created.productId)).toBe(150);
      expect(await counterOf(created.productId)).toBe('148');
    });

    it.each<[string, Record<string, unknown>, string]>([
      ['a price with three decimals', { price: 199.999 }, 'price'],
      ['a negative price', { price: -1 }, 'price'],
      ['a price sent as a string', { price: '199.99' }, 'price'],
      ['price beside priceCents', { price: 1, priceCents: 100 }, 'price'],
      ['quantity beside stock', { quantity: 1, stock: 1 }, 'quantity'],
      ['productName beside name', { productName: 'a', name: 'b' }, 'productName'],
      ['a fractional quantity', { quantity: 1.5 }, 'quantity'],
      ['a fractional numeric productId', { productId: 1.5 }, 'productId'],
      ['a negative numeric productId', { productId: -6 }, 'productId'],
      ['an unknown field', { colour: 'red' }, 'colour'],
    ])('refuses %s with 400 VALIDATION_FAILED naming it', async (_label, change, field) => {
      const productId = uniqueProductId();
      const res = await http()
        .post('/api/inventory')
        .set(admin)
        .send({ productId, productName: 'Bad', quantity: 1, price: 1, ...change })
        .expect(400);
      expect(res.body.code).toBe('VALIDATION_FAILED');
      expect((res.body.message as string[]).join('\n')).toContain(field);
      await http().get(`/api/inventory/${productId}`).expect(404);
    });

    it('refuses three decimals on update and leaves the price as it was', async () => {
      const created = await createProduct({ priceCents: 1_999 });
      const res = await http()
        .put(`/api/inventory/${created.productId}`)
        .set(admin)
        .send({ price: 249.999 })
        .expect(400);
      expect(res.body.message).toEqual([
        'price must be a number from 0 to 10000000000 with at most two decimals',
      ]);
      const after = await http().get(`/api/inventory/${created.productId}`).expect(200);
      expect(after.body.priceCents).toBe(1_999);
    });
  });

  describe('PUT /api/inventory/:productId', () => {
    it('takes the new stock as absolute in MySQL and as a delta in Redis, keeping reservations', async () => {
      const created = await createProduct({ stock: 10 });
      // Three units are reserved by orders in flight: Redis holds 7 while MySQL still holds 10.
      await redis.decrby(RedisKeys.stock(created.productId), 3);

      const res = await http()
        .put(`/api/inventory/${created.productId}`)
        .set(admin)
        .send({ stock: 15 })
        .expect(200);
      expect(res.body.stock).toBe(15);
      expect(await db.stockOf(created.productId)).toBe(15);
      expect(await counterOf(created.productId)).toBe('12');

      await http()
        .put(`/api/inventory/${created.productId}`)
        .set(admin)
        .send({ stock: 4 })
        .expect(200);
      expect(await counterOf(created.productId)).toBe('1');
      expect((await db.movementsOf(created.productId)).map((m) => [m.kind, m.delta])).toEqual([
        ['PRODUCT_CREATED', 10],
        ['ADMIN_ADJUSTMENT', 5],
        ['ADMIN_ADJUSTMENT', -11],
      ]);
    });

    it('announces a stock change on the stock-changed channel', async () => {
      const created = await createProduct({ stock: 0 });
      const subscriber = redis.duplicate();
      const heard: string[] = [];
      try {
        subscriber.on('message', (_channel: string, message: string) => heard.push(message));
        await subscriber.subscribe(STOCK_CHANGED_CHANNEL);
        await http()
          .put(`/api/inventory/${created.productId}`)
          .set(admin)
          .send({ stock: 5 })
          .expect(200);
        await eventually(() => (heard.includes(created.productId) ? true : undefined), 5_000);
      } finally {
        subscriber.disconnect();
      }
    });

    it('changes name, price and cap in MySQL and in the catalogue hash, leaving the counter', async () => {
      const created = await createProduct({ stock: 6, maxPerUser: 3 });
      await redis.decrby(RedisKeys.stock(created.productId), 2);
      const res = await http()
        .put(`/api/inventory/${created.productId}`)
        .set(admin)
        .send({ name: 'Renamed', priceCents: 2_500, maxPerUser: null })
        .expect(200);
      expect(res.body).toEqual({
        productId: created.productId,
        name: 'Renamed',
        priceCents: 2_500,
        stock: 6,
        updatedAt: expect.any(String),
      });
      expect(await counterOf(created.productId)).toBe('4');
      expect(await catalogueHashOf(created.productId)).toEqual({
        [ProductHashFields.Name]: 'Renamed',
        [ProductHashFields.PriceCents]: '2500',
      });
      expect(await db.movementsOf(created.productId)).toHaveLength(1);
    });

    it('answers an empty change with the product unchanged', async () => {
      const created = await createProduct({ stock: 2 });
      const res = await http()
        .put(`/api/inventory/${created.productId}`)
        .set(admin)
        .send({})
        .expect(200);
      expect(res.body.stock).toBe(2);
    });

    it('leaves a missing counter missing, for the rebuild to count orders in flight', async () => {
      const created = await createProduct({ stock: 4 });
      await redis.del(RedisKeys.stock(created.productId));
      await http()
        .put(`/api/inventory/${created.productId}`)
        .set(admin)
        .send({ stock: 9 })
        .expect(200);
      expect(await counterOf(created.productId)).toBeNull();
      expect(await db.stockOf(created.productId)).toBe(9);
    });

    it('keeps Redis equal to MySQL under concurrent stock changes', async () => {
      const created = await createProduct({ stock: 50 });
      const stocks = Array.from({ length: 20 }, (_, i) => (i * 7) % 40);
      await Promise.all(
        stocks.map((stock) =>
          http().put(`/api/inventory/${created.productId}`).set(admin).send({ stock }).expect(200),
        ),
      );
      const stock = await db.stockOf(created.productId);
      expect(await counterOf(created.productId)).toBe(String(stock));
    });

    it('answers 404 PRODUCT_NOT_FOUND for an unknown product', async () => {
      const res = await http()
        .put(`/api/inventory/${uniqueProductId('missing')}`)
        .set(admin)
        .send({ stock: 1 })
        .expect(404);
      expect(res.body.code).toBe('PRODUCT_NOT_FOUND');
    });

    it.each([
      ['a negative stock', { stock: -5 }],
      ['a fractional stock', { stock: 0.5 }],
      ['a negative price', { priceCents: -100 }],
      ['a null name', { name: null }],
      ['a null stock', { stock: null }],
      ['an unknown field', { productId: 'renamed' }],
    ])('answers 400 VALIDATION_FAILED for %s and changes nothing', async (_label, change) => {
      const created = await createProduct({ stock: 3 });
      const res = await http()
        .put(`/api/inventory/${created.productId}`)
        .set(admin)
        .send(change)
        .expect(400);
      expect(res.body.code).toBe('VALIDATION_FAILED');
      expect(await db.stockOf(created.productId)).toBe(3);
    });

    it('answers 400 for a bad product id in the path', async () => {
      const res = await http().put('/api/inventory/bad%21id').set(admin).send({ stock: 1 });
      expect(res.status).toBe(400);
    });

    it('answers 400 MALFORMED_JSON for malformed JSON', async () => {
      const created = await createProduct();
      const res = await http()
        .put(`/api/inventory/${created.productId}`)
        .set(admin)
        .set('content-type', 'application/json')
        .send('{"stock": 1')
        .expect(400);
      expect(res.body.code).toBe('MALFORMED_JSON');
    });
  });

  describe('DELETE /api/inventory/:productId', () => {
    it('deletes the product, its counter and catalogue hash, and zeroes its ledger', async () => {
      const created = await createProduct({ stock: 8 });
      await http().delete(`/api/inventory/${created.productId}`).set(admin).expect(204);
      await http().get(`/api/inventory/${created.productId}`).expect(404);
      expect(await counterOf(created.productId)).toBeNull();
      expect(await catalogueHashOf(created.productId)).toEqual({});
      expect((await db.movementsOf(created.productId)).map((m) => [m.kind, m.delta])).toEqual([
        ['PRODUCT_CREATED', 8],
        ['PRODUCT_DELETED', -8],
      ]);
      const again = await http()
        .delete(`/api/inventory/${created.productId}`)
        .set(admin)
        .expect(404);
      expect(again.body.code).toBe('PRODUCT_NOT_FOUND');
    });

    it('lets a deleted id be created again, its ledger starting over from zero', async () => {
      const created = await createProduct({ stock: 5 });
      await http().delete(`/api/inventory/${created.productId}`).set(admin).expect(204);
      await createProduct({ productId: created.productId, stock: 2 });
      expect(await counterOf(created.productId)).toBe('2');
      await db.expectLedgerMatchesStock([created.productId]);
    });

    it('answers 400 for a bad product id', async () => {
      await http().delete('/api/inventory/no%20spaces').set(admin).expect(400);
    });
  });

  describe('POST /api/inventory/initialize', () => {
    it('creates the demo catalogue with its Redis entries, idempotently', async () => {
      const demoIds = DEMO_CATALOGUE.map((p) => p.productId).sort();
      demoIds.forEach((id) => touched.add(id));
      const first = await http().post('/api/inventory/initialize').set(admin).expect(200);
      expect((first.body.products as { productId: string }[]).map((p) => p.productId)).toEqual(
        demoIds,
      );
      for (const id of demoIds) {
        expect(await counterOf(id)).not.toBeNull();
        expect(await catalogueHashOf(id)).toHaveProperty(ProductHashFields.PriceCents);
      }

      const second = await http().post('/api/inventory/initialize').set(admin).expect(200);
      expect(second.body.created).toEqual([]);
      expect((second.body.products as { stock: number }[]).map((p) => p.stock)).toEqual(
        (first.body.products as { stock: number }[]).map((p) => p.stock),
      );
    });
  });

  describe('while Redis is unreachable', () => {
    it('still commits an admin change, and Redis gets it once it is reachable', async () => {
      const productId = uniqueProductId('outage');
      touched.add(productId);
      const cut = await startTestApp(
        { REDIS_PORT: '1', LOG_LEVEL: 'silent' },
        { withoutConsumers: true },
      );
      try {
        await request(cut.getHttpServer())
          .post('/api/inventory')
          .set(admin)
          .send({ productId, name: 'Queued', priceCents: 100, stock: 6 })
          .expect(201);
      } finally {
        await cut.close();
      }
      expect(await db.stockOf(productId)).toBe(6);
      // The queued update is applied by the retry timer of an app that reaches Redis.
      await eventually(
        async () => ((await counterOf(productId)) === '6' ? true : undefined),
        10_000,
      );
      expect(await catalogueHashOf(productId)).toHaveProperty(ProductHashFields.Name, 'Queued');
    }, 30_000);
  });

  describe('authentication and roles', () => {
    const adminRoutes: [string, string, (id: string) => string, object | undefined][] = [
      ['POST', 'create', () => '/api/inventory', undefined],
      ['PUT', 'update', (id) => `/api/inventory/${id}`, { stock: 1 }],
      ['DELETE', 'delete', (id) => `/api/inventory/${id}`, undefined],
      ['POST', 'initialize', () => '/api/inventory/initialize', undefined],
    ];
    const send = (method: string, path: string, body: object | undefined, headers: Headers) => {
      const req =
        method === 'POST'
          ? http().post(path)
          : method === 'PUT'
            ? http().put(path)
            : http().delete(path);
      return req.set(headers).send(body);
    };

    it.each(adminRoutes)(
      '%s (%s) answers 401 UNAUTHORIZED without a token',
      async (method, _name, path, body) => {
        const created = await createProduct({ stock: 4 });
        const res = await send(method, path(created.productId), body ?? validCreate(), {});
        expect(res.status).toBe(401);
        expect(res.body.code).toBe('UNAUTHORIZED');
        expect(await db.stockOf(created.productId)).toBe(4);
      },
    );

    it.each(adminRoutes)(
      '%s (%s) answers 401 for a forged token',
      async (method, _name, path, body) => {
        const created = await createProduct();
        const res = await send(method, path(created.productId), body ?? validCreate(), {
          authorization: 'Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIiwicm9sZSI6ImFkbWluIn0.AAAA',
        });
        expect(res.status).toBe(401);
      },
    );

    it.each(adminRoutes)(
      '%s (%s) answers 403 FORBIDDEN for a user token',
      async (method, _name, path, body) => {
        const created = await createProduct({ stock: 4 });
        const res = await send(method, path(created.productId), body ?? validCreate(), user);
        expect(res.status).toBe(403);
        expect(res.body.code).toBe('FORBIDDEN');
        expect(await db.stockOf(created.productId)).toBe(4);
        expect(await counterOf(created.productId)).toBe('4');
      },
    );

    function validCreate() {
      return { productId: uniqueProductId('denied'), name: 'x', priceCents: 1, stock: 1 };
    }
  });

  describe('GET /api/inventory/:productId/ledger', () => {
    it("answers an admin the stock of record and the product's movements, oldest first", async () => {
      const created = await createProduct({ stock: 6 });
      await http()
        .put(`/api/inventory/${created.productId}`)
        .set(admin)
        .send({ stock: 9 })
        .expect(200);
      const res = await http()
        .get(`/api/inventory/${created.productId}/ledger`)
        .set(admin)
        .expect(200);
      expect(res.body).toEqual({
        productId: created.productId,
        product: { stock: 9 },
        ledger: [
          { kind: 'PRODUCT_CREATED', delta: 6, orderId: null },
          { kind: 'ADMIN_ADJUSTMENT', delta: 3, orderId: null },
        ],
      });
    });

    it('answers a deleted product with no row and the ledger it kept', async () => {
      const created = await createProduct({ stock: 2 });
      await http().delete(`/api/inventory/${created.productId}`).set(admin).expect(204);
      const res = await http()
        .get(`/api/inventory/${created.productId}/ledger`)
        .set(admin)
        .expect(200);
      expect(res.body).toEqual({
        productId: created.productId,
        product: null,
        ledger: [
          { kind: 'PRODUCT_CREATED', delta: 2, orderId: null },
          { kind: 'PRODUCT_DELETED', delta: -2, orderId: null },
        ],
      });
    });

    it('answers 404 PRODUCT_NOT_FOUND for an id that never existed', async () => {
      const res = await http()
        .get(`/api/inventory/${uniqueProductId('never')}/ledger`)
        .set(admin)
        .expect(404);
      expect(res.body.code).toBe('PRODUCT_NOT_FOUND');
    });

    it('answers 400 VALIDATION_FAILED for a bad product id', async () => {
      const res = await http().get('/api/inventory/no%20spaces/ledger').set(admin).expect(400);
      expect(res.body.code).toBe('VALIDATION_FAILED');
    });

    it('answers 401 without a token and 403 to a user', async () => {
      const created = await createProduct();
      const path = `/api/inventory/${created.productId}/ledger`;
      expect((await http().get(path)).body.code).toBe('UNAUTHORIZED');
      const denied = await http().get(path).set(user);
      expect([denied.status, denied.body.code]).toEqual([403, 'FORBIDDEN']);
    });
  });

  describe('ledger', () => {
    it('equals the stock for every product these tests touched', async () => {
      expect(touched.size).toBeGreaterThan(10);
      await db.expectLedgerMatchesStock(touched);
    });
  });
});
