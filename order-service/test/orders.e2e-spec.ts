import { randomUUID } from 'node:crypto';
import { jest } from '@jest/globals';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { KafkaClient, KafkaConsumerService } from '@flash-sale/common';
import { createTestApp, eventually, TestTokenIssuer } from '@flash-sale/common/testing';
import { Role, Topics } from '@flash-sale/contracts';
import { Redis } from 'ioredis';
import request from 'supertest';
import { AppModule } from '../src/app.module.js';
import { loadOrderServiceConfig } from '../src/config.js';
import { StockKeys } from '../src/stock/stock-keys.js';
import {
  bearer,
  infra,
  InventoryAdmin,
  newProductId,
  newUserId,
  SIGNING_KEY,
  SpawnedService,
} from './support/stack.js';

/**
 * The order pipeline end to end on the real stack: this order-service in-process, inventory-service
 * spawned from its build, real MariaDB, Redis and Kafka. Every test uses its own products and users.
 */
const info = { name: 'order-service', version: 'test' };
jest.setTimeout(60_000);

describe('orders (e2e, real stack)', () => {
  let inventory: SpawnedService;
  let admin: InventoryAdmin;
  let app: NestFastifyApplication;
  let redis: Redis;

  beforeAll(async () => {
    inventory = await SpawnedService.start('inventory-service', {});
    admin = new InventoryAdmin(inventory.url);
    const config = loadOrderServiceConfig({
      ...process.env,
      LOG_LEVEL: 'warn',
      JWT_JWKS: SIGNING_KEY.jwksJson,
      INVENTORY_SERVICE_URL: inventory.url,
      ORDER_KAFKA_GROUP_ID: `order-service-e2e-${randomUUID()}`,
      ORDER_KAFKA_START_FROM: 'latest',
      // This suite checks exact counters; the periodic reconciler is tested on its own.
      STOCK_RECONCILE_INTERVAL_MS: '0',
      ORDER_MAX_QUANTITY: '10',
    });
    app = await createTestApp(AppModule.register(config, info), config, info);
    await app.get(KafkaConsumerService).whenConsuming();
    redis = new Redis({ host: infra.REDIS_HOST, port: infra.REDIS_PORT });
    // The counters must be known good for new products to sell (normally true on this machine).
    if (!(await redis.exists(StockKeys.catalogueLoaded))) {
      await request(app.getHttpServer())
        .post('/api/stock/reconcile?repair=true')
        .set('authorization', bearer(1, Role.Admin))
        .expect(200);
    }
  }, 90_000);

  afterAll(async () => {
    await app?.close();
    await inventory?.stop();
    await redis?.quit();
  });

  const http = () => request(app.getHttpServer());
  const counter = async (p: string) => Number(await redis.get(StockKeys.stock(p)));

  async function product(stock: number, extra: { maxPerUser?: number; priceCents?: number } = {}) {
    const productId = newProductId('T-os');
    await admin.create({ productId, stock, priceCents: 2_500, ...extra });
    return productId;
  }

  function order(user: number, productId: unknown, quantity: unknown = 1, key?: string) {
    const req = http().post('/api/orders').set('authorization', bearer(user));
    if (key !== undefined) req.set('idempotency-key', key);
    return req.send({ productId, quantity });
  }

  async function statusOf(user: number, id: string): Promise<string> {
    const res = await http().get(`/api/orders/${id}`).set('authorization', bearer(user));
    return res.body.status as string;
  }

  const settled = (user: number, id: string, wanted: string[] = ['CONFIRMED', 'FAILED']) =>
    eventually(
      async () => {
        const status = await statusOf(user, id);
        return wanted.includes(status) ? status : undefined;
      },
      30_000,
      100,
    );

  it('takes an order to CONFIRMED; MySQL and Redis both drop by its quantity; price from the catalogue', async () => {
    const p = await product(10, { priceCents: 1_234 });
    const user = newUserId();
    const res = await order(user, p, 3).expect(201);
    expect(res.body).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      userId: String(user),
      productId: p,
      quantity: 3,
      status: 'PENDING',
      unitPriceCents: 1_234,
      totalCents: 3_702,
      failureReason: null,
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
    });
    expect(await counter(p)).toBe(7);
    expect(await settled(user, res.body.id)).toBe('CONFIRMED');
    await eventually(async () => ((await admin.get(p)).stock === 7 ? true : undefined));
    expect(await counter(p)).toBe(7);
    expect(await redis.hexists(StockKeys.reservations(p), res.body.id)).toBe(0);
    const stock = await http().get(`/api/stock/${p}`).expect(200);
    expect(stock.body).toEqual({ productId: p, stock: 7 });
  });

  it('fails an order inventory rejects and gives its Redis units back exactly once', async () => {
    const p = await product(2);
    // Redis says 10, MySQL says 2: the order passes Redis and inventory refuses it.
    await redis.set(StockKeys.stock(p), 10);
    const user = newUserId();
    const res = await order(user, p, 5).expect(201);
    expect(await counter(p)).toBe(5);
    expect(await settled(user, res.body.id)).toBe('FAILED');
    const failed = await http()
      .get(`/api/orders/${res.body.id}`)
      .set('authorization', bearer(user));
    expect(failed.body.failureReason).toBe('INSUFFICIENT_STOCK');
    await eventually(async () => ((await counter(p)) === 10 ? true : undefined));
    // The same answer again (a redelivery) gives nothing back a second time. order-service may
    // not write inventory-response (Kafka ACLs), so the answer comes from a client of its own,
    // which on the development broker logs in as the development super user.
    const redelivery = new KafkaClient(
      { clientId: 'orders-e2e-redelivery', groupId: 'unused', topics: [] },
      loadOrderServiceConfig(process.env),
    );
    await redelivery.publish(Topics.InventoryResponse, [
      {
        key: p,
        value: {
          schemaVersion: 1,
          orderId: res.body.id,
          productId: p,
          quantity: 5,
          success: false,
          reason: 'INSUFFICIENT_STOCK',
          processedAt: new Date().toISOString(),
        },
      },
    ]);
    await redelivery.onApplicationShutdown();
    await new Promise((r) => setTimeout(r, 1_500));
    expect(await counter(p)).toBe(10);
    expect((await admin.get(p)).stock).toBe(2);
  });

  it('cancels a confirmed order: stock back to MySQL and Redis once, a second cancel is 409', async () => {
    const p = await product(10);
    const user = newUserId();
    const res = await order(user, p, 4).expect(201);
    expect(await settled(user, res.body.id)).toBe('CONFIRMED');
    await eventually(async () => ((await admin.get(p)).stock === 6 ? true : undefined));
    const cancel = async () =>
      http().put(`/api/orders/${res.body.id}/cancel`).set('authorization', bearer(user));
    const first = await cancel();
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ id: res.body.id, status: 'CANCELLED' });
    const second = await cancel();
    expect(second.status).toBe(409);
    expect(second.body.code).toBe('ORDER_NOT_CANCELLABLE');
    // MySQL first: Redis gives the units back only once inventory-service has answered the restore.
    await eventually(async () => ((await admin.get(p)).stock === 10 ? true : undefined));
    await eventually(async () => ((await counter(p)) === 10 ? true : undefined));
    await new Promise((r) => setTimeout(r, 1_000));
    expect((await admin.get(p)).stock).toBe(10);
    expect(await counter(p)).toBe(10);
  });

  it('returns stock once when two cancels race each other and the inventory answer', async () => {
    const p = await product(10);
    const user = newUserId();
    const res = await order(user, p, 3).expect(201);
    const auth = bearer(user);
    const answers = await Promise.all(
      [1, 2, 3].map(() =>
        http().put(`/api/orders/${res.body.id}/cancel`).set('authorization', auth),
      ),
    );
    expect(answers.map((a) => a.status).sort()).toEqual([200, 409, 409]);
    // Whether inventory deducted before or after the cancel, MySQL ends where it started, and
    // Redis follows once the restore is answered.
    await eventually(async () => ((await admin.get(p)).stock === 10 ? true : undefined), 20_000);
    await eventually(async () => ((await counter(p)) === 10 ? true : undefined), 20_000);
    await new Promise((r) => setTimeout(r, 2_000));
    expect(await counter(p)).toBe(10);
    expect((await admin.get(p)).stock).toBe(10);
    expect(await statusOf(user, res.body.id)).toBe('CANCELLED');
  });

  it("hides another user's orders (404) and lists only the caller's own, newest first", async () => {
    const p = await product(10);
    const alice = newUserId();
    const bob = newUserId();
    const a1 = await order(alice, p).expect(201);
    await new Promise((r) => setTimeout(r, 5));
    const a2 = await order(alice, p).expect(201);
    await order(bob, p).expect(201);
    await http().get(`/api/orders/${a1.body.id}`).set('authorization', bearer(bob)).expect(404);
    const cancel = await http()
      .put(`/api/orders/${a1.body.id}/cancel`)
      .set('authorization', bearer(bob))
      .expect(404);
    expect(cancel.body.code).toBe('ORDER_NOT_FOUND');
    const page1 = await http()
      .get('/api/orders?limit=1')
      .set('authorization', bearer(alice))
      .expect(200);
    expect((page1.body.items as { id: string }[]).map((o) => o.id)).toEqual([a2.body.id]);
    expect(page1.body.nextCursor).toEqual(expect.any(String));
    const page2 = await http()
      .get(`/api/orders?limit=1&cursor=${page1.body.nextCursor}`)
      .set('authorization', bearer(alice))
      .expect(200);
    expect(page2.body).toEqual({
      items: [expect.objectContaining({ id: a1.body.id })],
      nextCursor: null,
    });
    const all = await http().get('/api/orders').set('authorization', bearer(alice)).expect(200);
    expect((all.body.items as { id: string }[]).map((o) => o.id)).toEqual([a2.body.id, a1.body.id]);
  });

  it('answers a repeated Idempotency-Key with the first order, taking stock once', async () => {
    const p = await product(10);
    const q = await product(10);
    const user = newUserId();
    const first = await order(user, p, 2, 'checkout-1').expect(201);
    const again = await Promise.all([1, 2, 3].map(() => order(user, p, 2, 'checkout-1')));
    for (const res of again) {
      expect(res.status).toBe(200);
      expect(res.body.id).toBe(first.body.id);
    }
    expect(await counter(p)).toBe(8);
    const reused = await order(user, p, 3, 'checkout-1').expect(422);
    expect(reused.body.code).toBe('IDEMPOTENCY_KEY_REUSED');
    // The same key on another product is caught by MySQL and its reservation given back.
    await order(user, q, 2, 'checkout-1').expect(422);
    expect(await counter(q)).toBe(10);
    // Another user may use the same key.
    await order(newUserId(), p, 2, 'checkout-1').expect(201);
  });

  it('refuses orders beyond stock (409 OUT_OF_STOCK) and beyond the per-user cap (409)', async () => {
    const p = await product(3, { maxPerUser: 2 });
    const user = newUserId();
    await order(user, p, 2).expect(201);
    const capped = await order(user, p, 1).expect(409);
    expect(capped.body.code).toBe('PURCHASE_LIMIT_EXCEEDED');
    await order(newUserId(), p, 1).expect(201);
    const short = await order(newUserId(), p, 1).expect(409);
    expect(short.body.code).toBe('OUT_OF_STOCK');
  });

  it('answers an unknown product with 404 PRODUCT_NOT_FOUND', async () => {
    const res = await order(newUserId(), newProductId('T-os-none'), 1).expect(404);
    expect(res.body.code).toBe('PRODUCT_NOT_FOUND');
    await http()
      .get(`/api/stock/${newProductId('T-os-none')}`)
      .expect(404);
  });

  describe('bad input', () => {
    let p: string;
    beforeAll(async () => {
      p = await product(100);
    });

    it.each([
      ['a productId with a space', { productId: 'SKU 1', quantity: 1 }, ['productId']],
      ['a productId of 65 characters', { productId: 'x'.repeat(65), quantity: 1 }, ['productId']],
      ['an empty productId', { productId: '', quantity: 1 }, ['productId']],
      ['a negative numeric productId', { productId: -1, quantity: 1 }, ['productId']],
      ['a fractional numeric productId', { productId: 1.5, quantity: 1 }, ['productId']],
      ['a productId object', { productId: { a: 1 }, quantity: 1 }, ['productId']],
      ['quantity 0', { quantity: 0 }, ['quantity']],
      ['quantity -1', { quantity: -1 }, ['quantity']],
      ['quantity 1.5', { quantity: 1.5 }, ['quantity']],
      ['quantity "2"', { quantity: '2' }, ['quantity']],
      ['quantity above the maximum', { quantity: 11 }, ['quantity']],
      ['quantity null', { quantity: null }, ['quantity']],
      ['a missing quantity', {}, ['quantity']],
      ['a missing productId', { productId: undefined, quantity: 1 }, ['productId']],
      ['missing everything', { productId: undefined }, ['productId', 'quantity']],
      ['an unknown field', { quantity: 1, colour: 'red' }, ['colour']],
      ['a client-set price', { quantity: 1, unitPriceCents: 1 }, ['unitPriceCents']],
    ])('refuses %s with 400 naming each bad field', async (_label, body, fields) => {
      const res = await http()
        .post('/api/orders')
        .set('authorization', bearer(newUserId()))
        .send({ productId: p, ...body });
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('VALIDATION_FAILED');
      for (const field of fields) {
        expect((res.body.message as string[]).some((m) => m.includes(field))).toBe(true);
      }
      expect(await counter(p)).toBe(100);
    });

    it('reads a positive JSON integer productId as its decimal string', async () => {
      const numeric = String(Date.now());
      await admin.create({ productId: numeric, stock: 5 });
      const res = await order(newUserId(), Number(numeric), 1).expect(201);
      expect(res.body.productId).toBe(numeric);
    });

    it('accepts the original API’s body and charges the catalogue price, not the client’s', async () => {
      const numeric = String(Date.now() + 1);
      await admin.create({ productId: numeric, stock: 5, priceCents: 2_500 });
      const res = await http()
        .post('/api/orders')
        .set('authorization', bearer(newUserId()))
        .send({ productId: Number(numeric), productName: 'iPhone 15', price: 0.01, quantity: 2 })
        .expect(201);
      expect(res.body).toMatchObject({
        productId: numeric,
        quantity: 2,
        unitPriceCents: 2_500,
        totalCents: 5_000,
      });
      expect(await counter(numeric)).toBe(3);
    });

    it.each([
      ['a price with three decimals', { price: 9.999 }, 'price'],
      ['a price sent as a string', { price: '9.99' }, 'price'],
      ['a productName that is not a string', { productName: 5 }, 'productName'],
    ])('refuses %s in the ignored aliases with 400', async (_label, change, field) => {
      const p = await product(5);
      const res = await http()
        .post('/api/orders')
        .set('authorization', bearer(newUserId()))
        .send({ productId: p, quantity: 1, ...change })
        .expect(400);
      expect(res.body.code).toBe('VALIDATION_FAILED');
      expect((res.body.message as string[]).join('\n')).toContain(field);
      expect(await counter(p)).toBe(5);
    });

    it.each([
      ['a JSON array', '[1,2]'],
      ['a JSON string', '"order"'],
      ['null', 'null'],
    ])('refuses %s as the body with 400', async (_label, raw) => {
      const res = await http()
        .post('/api/orders')
        .set('authorization', bearer(newUserId()))
        .set('content-type', 'application/json')
        .send(raw);
      expect(res.status).toBe(400);
    });

    it('refuses malformed JSON with 400 MALFORMED_JSON', async () => {
      const res = await http()
        .post('/api/orders')
        .set('authorization', bearer(newUserId()))
        .set('content-type', 'application/json')
        .send('{"productId": "x", ');
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('MALFORMED_JSON');
    });

    it.each([
      ['empty', ''],
      ['129 characters', 'k'.repeat(129)],
      ['with a space', 'a b'],
      ['with a slash', 'a/b'],
    ])('refuses an Idempotency-Key %s with 400', async (_label, key) => {
      const res = await order(newUserId(), p, 1, key);
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('VALIDATION_FAILED');
    });

    it.each([
      ['no token', undefined],
      ['a malformed token', 'Bearer nope'],
      ['another scheme', 'Basic dXNlcjpwYXNz'],
      ['an HS256 token', `Bearer ${forgedToken()}`],
      ['a token of a key that is not published', `Bearer ${strangerToken()}`],
    ])('refuses %s with 401', async (_label, authorization) => {
      const req = http().post('/api/orders');
      if (authorization) req.set('authorization', authorization);
      const res = await req.send({ productId: p, quantity: 1 });
      expect(res.status).toBe(401);
      expect(res.body.code).toBe('UNAUTHORIZED');
      await http()
        .get('/api/orders')
        .set('authorization', authorization ?? '')
        .expect(401);
    });

    it.each(['limit=0', 'limit=101', 'limit=abc', 'limit=1.5', 'cursor=garbage', 'extra=1'])(
      'refuses GET /api/orders?%s with 400',
      async (query) => {
        const res = await http()
          .get(`/api/orders?${query}`)
          .set('authorization', bearer(newUserId()));
        expect(res.status).toBe(400);
      },
    );

    it('answers an order id that is not a UUID with 404', async () => {
      await http()
        .get('/api/orders/not-a-uuid')
        .set('authorization', bearer(newUserId()))
        .expect(404);
      await http()
        .put('/api/orders/not-a-uuid/cancel')
        .set('authorization', bearer(newUserId()))
        .expect(404);
    });
  });

  describe('stock', () => {
    it('sets the stock of record through inventory-service with PUT /api/stock/:productId (admin)', async () => {
      const p = await product(4);
      const path = `/api/stock/${p}`;
      await http().put(path).send({ quantity: 9 }).expect(401);
      await http()
        .put(path)
        .set('authorization', bearer(newUserId()))
        .send({ quantity: 9 })
        .expect(403);
      const auth = bearer(1, Role.Admin);
      const res = await http()
        .put(path)
        .set('authorization', auth)
        .send({ quantity: 9 })
        .expect(200);
      expect(res.body).toEqual({ productId: p, stock: 9 });
      expect((await admin.get(p)).stock).toBe(9);
      expect(await counter(p)).toBe(9);
      await http().get(path).expect(200, { productId: p, stock: 9 });

      for (const body of [{ quantity: -1 }, { quantity: 1.5 }, { stock: 3 }, {}]) {
        const bad = await http().put(path).set('authorization', auth).send(body).expect(400);
        expect(bad.body.code).toBe('VALIDATION_FAILED');
      }
      const unknown = await http()
        .put(`/api/stock/${newProductId('T-none')}`)
        .set('authorization', auth)
        .send({ quantity: 1 })
        .expect(404);
      expect(unknown.body.code).toBe('PRODUCT_NOT_FOUND');
      expect((await admin.get(p)).stock).toBe(9);
    });

    it('answers GET /api/stock/health/check with 200 while Redis answers', async () => {
      await http().get('/api/stock/health/check').expect(200, { status: 'ok', redis: 'up' });
    });

    it('lists counters publicly and reconciles for admins only', async () => {
      const p = await product(4);
      // The list may be up to 1 s old (it is cached).
      const list = await eventually(async () => {
        const res = await http().get('/api/stock').expect(200);
        const levels = res.body as { productId: string; stock: number }[];
        return levels.some((l) => l.productId === p) ? res : undefined;
      });
      expect(list.body).toContainEqual({ productId: p, stock: 4 });
      await http().post('/api/stock/reconcile').expect(401);
      await http()
        .post('/api/stock/reconcile')
        .set('authorization', bearer(newUserId()))
        .expect(403);
      // Drift (a counter set wrong on purpose) is reported, then repaired on demand.
      await redis.set(StockKeys.stock(p), 9);
      const auth = bearer(1, Role.Admin);
      const check = await http()
        .post('/api/stock/reconcile')
        .set('authorization', auth)
        .expect(200);
      expect((check.body as { productId: string }[]).find((r) => r.productId === p)).toMatchObject({
        counter: 9,
        mysqlStock: 4,
        expected: 4,
        drift: -5,
      });
      expect(await counter(p)).toBe(9);
      await http().post('/api/stock/reconcile?repair=true').set('authorization', auth).expect(200);
      expect(await counter(p)).toBe(4);
    });
  });
});

/** A token as user-service makes them, but signed with a key the services were not given. */
function strangerToken(): string {
  return new TestTokenIssuer({ issuer: infra.JWT_ISSUER, audience: infra.JWT_AUDIENCE }).signSync({
    sub: '5',
    username: 'x',
    role: Role.User,
  });
}

/** An HS256 token with the right claims and a signature that is not even HMAC's. */
function forgedToken(): string {
  const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  const head = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({ sub: '5', username: 'x', role: 'user', iat: now, exp: now + 60, iss: infra.JWT_ISSUER, aud: infra.JWT_AUDIENCE })}`;
  return `${head}.${Buffer.from('not-the-signature').toString('base64url')}`;
}
