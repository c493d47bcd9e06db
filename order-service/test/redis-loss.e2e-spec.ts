import { randomUUID } from 'node:crypto';
import { jest } from '@jest/globals';
import { eventually } from '@flash-sale/common/testing';
import { StockKeys } from '../src/stock/stock-keys.js';
import { streamOrders } from './support/order-stream.js';
import { OrdersDb } from './support/orders-db.js';
import { InventoryAdmin, newProductId, SpawnedService } from './support/stack.js';
import { ThrowawayRedis } from './support/throwaway-redis.js';

/**
 * Redis loses everything (FLUSHALL) while buyers order. Both services run against a redis-server
 * of this test's own. Orders meanwhile get only 201, 409 or 503 (never another 5xx), nothing is
 * oversold, and the counter is rebuilt from MySQL and ends equal to MySQL stock.
 */
jest.setTimeout(90_000);

// Enough that the product is still on sale when Redis is flushed (a sold-out product is refused
// by the local mark without touching Redis, so the loss would go unnoticed).
const INITIAL_STOCK = 3_000;

describe('loss of Redis data (e2e, real stack)', () => {
  let redis: ThrowawayRedis;
  let inventory: SpawnedService;
  let orders: SpawnedService;
  let admin: InventoryAdmin;
  let db: OrdersDb;

  beforeAll(async () => {
    redis = await ThrowawayRedis.start();
    const redisEnv = { REDIS_HOST: '127.0.0.1', REDIS_PORT: String(redis.port) };
    inventory = await SpawnedService.start('inventory-service', redisEnv);
    admin = new InventoryAdmin(inventory.url);
    orders = await SpawnedService.start('order-service', {
      ...redisEnv,
      INVENTORY_SERVICE_URL: inventory.url,
      ORDER_KAFKA_GROUP_ID: `order-service-redis-loss-${randomUUID()}`,
      ORDER_KAFKA_START_FROM: 'latest',
      STOCK_RECONCILE_INTERVAL_MS: '2000',
      STOCK_REBUILD_GRACE_MS: '500',
      STOCK_REPAIR_QUIET_MS: '3000',
      // Each buyer of the stream orders again and again, as fast as answers come: no default
      // per-user cap and no order rate limit (neither is what this suite is about).
      ORDER_DEFAULT_MAX_PER_USER: '0',
      RATE_LIMIT_ORDERS_PER_USER: 'off',
      RATE_LIMIT_ORDERS_PER_ADDRESS: 'off',
    });
    db = new OrdersDb();
  }, 90_000);

  afterAll(async () => {
    await orders?.stop();
    await inventory?.stop();
    await redis?.stop();
    await db?.close();
  });

  it('answers 503 while counters are rebuilt, never oversells, and ends with Redis = MySQL', async () => {
    const productId = newProductId('T-os-flush');
    await admin.create({ productId, stock: INITIAL_STOCK });
    // Sellable once the fresh Redis has been loaded from MySQL (the first reconciliation).
    await eventually(
      async () => ((await redis.client.exists(StockKeys.catalogueLoaded)) ? true : undefined),
      30_000,
      200,
    );

    let stop = false;
    let accepted = 0;
    const stream = streamOrders({
      url: () => orders.url,
      productId,
      workers: 16,
      stop: () => stop,
      pauseMs: 5,
      onAccepted: () => (accepted += 1),
    });
    let stockBeforeLoss = 0;
    let acceptedBeforeLoss = 0;
    try {
      // Sales are flowing (however slow this machine is today), then Redis loses everything.
      await eventually(() => (accepted >= 20 ? true : undefined), 30_000, 50);
      stockBeforeLoss = Number(await redis.client.get(StockKeys.stock(productId)));
      await redis.client.flushall();
      acceptedBeforeLoss = accepted;
      // Buyers keep ordering until the counters are rebuilt (the catalogue marked loaded again),
      // and until orders are accepted again: sales are seen to resume, however long the rebuild
      // takes here.
      await eventually(
        async () => ((await redis.client.exists(StockKeys.catalogueLoaded)) ? true : undefined),
        30_000,
        100,
      );
      const acceptedAtRebuild = accepted;
      await eventually(() => (accepted > acceptedAtRebuild ? true : undefined), 30_000, 50);
    } finally {
      stop = true; // also when a wait fails: the buyers must not outlive the test
    }
    const result = await stream;
    expect(acceptedBeforeLoss).toBeGreaterThan(0);

    const statuses = [...result.statuses.keys()];
    for (const status of statuses) expect([201, 409, 503]).toContain(status);
    expect(result.statuses.get(201) ?? 0).toBeGreaterThan(0);
    // The loss was noticed: the catalogue was loaded again, and while stock remained, orders
    // were turned away until the counter was rebuilt.
    expect(await redis.client.exists(StockKeys.catalogueLoaded)).toBe(1);
    expect(stockBeforeLoss).toBeGreaterThan(0);
    expect(result.codes.get('STOCK_UNAVAILABLE') ?? 0).toBeGreaterThan(0);

    await eventually(
      async () => ((await db.unsettled(productId)) === 0 ? true : undefined),
      40_000,
      500,
    );
    const counts = await db.statusCounts(productId);
    const confirmed = counts.CONFIRMED?.units ?? 0;
    expect(confirmed).toBeLessThanOrEqual(INITIAL_STOCK);
    const mysql = (await admin.get(productId)).stock;
    expect(mysql).toBe(INITIAL_STOCK - confirmed);
    // Rebuilt, and once quiet the reconciler brings it exactly to MySQL stock.
    await eventually(
      async () =>
        Number(await redis.client.get(StockKeys.stock(productId))) === mysql ? true : undefined,
      30_000,
      500,
    );
    process.stderr.write(
      `redis-loss: statuses ${JSON.stringify([...result.statuses])}, codes ${JSON.stringify([...result.codes])}, ` +
        `orders ${JSON.stringify(counts)}, MySQL ${mysql}\n`,
    );
  });
});
