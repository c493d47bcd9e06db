import { randomUUID } from 'node:crypto';
import { jest } from '@jest/globals';
import { eventually } from '@flash-sale/common/testing';
import { StockKeys } from '../src/stock/stock-keys.js';
import {
  bearer,
  InventoryAdmin,
  newProductId,
  newUserId,
  SpawnedService,
} from './support/stack.js';
import { ThrowawayRedis } from './support/throwaway-redis.js';

/**
 * `/api/health/ready` tells the truth: order-service reports ready only once its stock counters
 * are loaded, so the first order after "ready" on an empty Redis is answered 201/404/409, never
 * 503. The first load runs at boot (the periodic reconciliation is off here, so nothing but the
 * boot load and the readiness probe can load them). `/api/health/live` checks nothing.
 */
jest.setTimeout(90_000);

async function get(url: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(url, { signal: AbortSignal.timeout(5_000) });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

function order(url: string, productId: string) {
  return fetch(`${url}/api/orders`, {
    method: 'POST',
    headers: { authorization: bearer(newUserId()), 'content-type': 'application/json' },
    body: JSON.stringify({ productId, quantity: 1 }),
    signal: AbortSignal.timeout(10_000),
  });
}

describe('readiness (e2e, real stack)', () => {
  let redis: ThrowawayRedis;
  let inventory: SpawnedService;
  let orders: SpawnedService | undefined;
  let admin: InventoryAdmin;

  beforeAll(async () => {
    redis = await ThrowawayRedis.start();
    inventory = await SpawnedService.start('inventory-service', {
      REDIS_HOST: '127.0.0.1',
      REDIS_PORT: String(redis.port),
    });
    admin = new InventoryAdmin(inventory.url);
  }, 90_000);

  afterAll(async () => {
    await orders?.stop();
    await inventory?.stop();
    await redis?.stop();
  });

  it('is ready only with the counters loaded: the first order is never refused 503', async () => {
    const productId = newProductId('T-os-ready');
    await admin.create({ productId, stock: 5 });
    // inventory-service mirrors the new stock into Redis; once it has, empty Redis for real.
    await eventually(
      async () => ((await redis.client.exists(StockKeys.stock(productId))) ? true : undefined),
      20_000,
      100,
    );
    await redis.client.flushall();
    expect(await redis.client.dbsize()).toBe(0);

    // Polls /api/health/ready every 100 ms and returns as soon as it is 200.
    const startedAt = Date.now();
    orders = await SpawnedService.start(
      'order-service',
      {
        REDIS_HOST: '127.0.0.1',
        REDIS_PORT: String(redis.port),
        INVENTORY_SERVICE_URL: inventory.url,
        ORDER_KAFKA_GROUP_ID: `order-service-ready-${randomUUID()}`,
        ORDER_KAFKA_START_FROM: 'latest',
        STOCK_RECONCILE_INTERVAL_MS: '0',
        STOCK_REBUILD_GRACE_MS: '500',
      },
      60_000,
      'ready',
    );
    const url = orders.url;
    const [first, unknown, ready] = await Promise.all([
      order(url, productId),
      order(url, newProductId('T-os-ready-none')),
      get(`${url}/api/health/ready`),
    ]);
    process.stderr.write(
      `readiness: order-service ready ${Date.now() - startedAt} ms after spawn\n`,
    );
    expect(first.status).toBe(201);
    expect(unknown.status).toBe(404);
    expect(ready.status).toBe(200);
    expect(ready.body.info).toMatchObject({
      database: { status: 'up' },
      redis: { status: 'up' },
      stock: { status: 'up' },
    });
    // Kafka is no part of readiness (the outbox takes orders while it is down).
    expect(ready.body.info).not.toHaveProperty('kafka');
    expect(await get(`${url}/api/health/live`)).toEqual({ status: 200, body: { status: 'ok' } });

    // Redis loses its data: not ready (naming the stock), and, with no order and no periodic
    // pass, the probes alone get the counters rebuilt and the service ready again.
    await redis.client.flushall();
    const lost = await get(`${url}/api/health/ready`);
    expect(lost.status).toBe(503);
    expect(lost.body.error).toMatchObject({ stock: { status: 'down' } });
    const lostAt = Date.now();
    await eventually(
      async () => ((await get(`${url}/api/health/ready`)).status === 200 ? true : undefined),
      30_000,
      200,
    );
    process.stderr.write(`readiness: ready again ${Date.now() - lostAt} ms after FLUSHALL\n`);
    expect((await order(url, productId)).status).toBe(201);
  });

  it('answers /api/health/live without its dependencies, and ready names the one down', async () => {
    expect(orders).toBeDefined();
    const url = (orders as SpawnedService).url;
    redis.pause();
    try {
      const live = await get(`${url}/api/health/live`);
      expect(live).toEqual({ status: 200, body: { status: 'ok' } });
      const ready = await get(`${url}/api/health/ready`);
      expect(ready.status).toBe(503);
      expect(ready.body.error).toHaveProperty('redis');
      const health = await get(`${url}/api/health`);
      expect(health.status).toBe(503);
    } finally {
      redis.resume();
    }
  });
});
