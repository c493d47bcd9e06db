import { randomUUID } from 'node:crypto';
import { jest } from '@jest/globals';
import { eventually } from '@flash-sale/common/testing';
import { Redis } from 'ioredis';
import { StockKeys } from '../src/stock/stock-keys.js';
import { OrdersDb } from './support/orders-db.js';
import {
  bearer,
  infra,
  InventoryAdmin,
  newProductId,
  newUserId,
  SpawnedService,
} from './support/stack.js';

/**
 * The flash sale: 300 buyers each send 3 orders at the same moment for 100 units. Exactly 100
 * orders are accepted and confirmed, Redis and MySQL both end at 0, nothing stays PENDING.
 */
jest.setTimeout(90_000);

describe('flash sale (e2e, real stack)', () => {
  let inventory: SpawnedService;
  let orders: SpawnedService;
  let admin: InventoryAdmin;
  let db: OrdersDb;
  let redis: Redis;

  beforeAll(async () => {
    inventory = await SpawnedService.start('inventory-service', {});
    admin = new InventoryAdmin(inventory.url);
    orders = await SpawnedService.start('order-service', {
      INVENTORY_SERVICE_URL: inventory.url,
      ORDER_KAFKA_GROUP_ID: `order-service-flash-${randomUUID()}`,
      ORDER_KAFKA_START_FROM: 'latest',
    });
    db = new OrdersDb();
    redis = new Redis({ host: infra.REDIS_HOST, port: infra.REDIS_PORT });
  }, 90_000);

  afterAll(async () => {
    await orders?.stop();
    await inventory?.stop();
    await db?.close();
    await redis?.quit();
  });

  it('300 users x 3 concurrent orders on 100 units: exactly 100 confirmed, Redis 0, MySQL 0', async () => {
    const productId = newProductId('T-os-flash');
    await admin.create({ productId, stock: 100 });
    const buyers = Array.from({ length: 300 }, () => bearer(newUserId()));
    const started = Date.now();
    const answers = await Promise.all(
      buyers.flatMap((auth) =>
        [1, 2, 3].map(async () => {
          const res = await fetch(`${orders.url}/api/orders`, {
            method: 'POST',
            headers: { authorization: auth, 'content-type': 'application/json' },
            body: JSON.stringify({ productId, quantity: 1 }),
          });
          return { status: res.status, body: (await res.json()) as { id?: string; code?: string } };
        }),
      ),
    );
    const elapsed = Date.now() - started;
    const accepted = answers.filter((a) => a.status === 201);
    const refused = answers.filter((a) => a.status !== 201);
    expect(accepted).toHaveLength(100);
    expect(new Set(refused.map((a) => `${a.status} ${a.body.code}`))).toEqual(
      new Set(['409 OUT_OF_STOCK']),
    );
    expect(Number(await redis.get(StockKeys.stock(productId)))).toBe(0);

    await eventually(
      async () => ((await db.unsettled(productId)) === 0 ? true : undefined),
      30_000,
      200,
    );
    const counts = await db.statusCounts(productId);
    expect(counts).toEqual({ CONFIRMED: { orders: 100, units: 100 } });
    const statuses = await db.statuses(accepted.map((a) => a.body.id as string));
    expect([...statuses.values()].every((s) => s === 'CONFIRMED')).toBe(true);
    expect((await admin.get(productId)).stock).toBe(0);
    expect(Number(await redis.get(StockKeys.stock(productId)))).toBe(0);
    process.stderr.write(`flash sale: 900 orders answered in ${elapsed} ms\n`);
  });
});
