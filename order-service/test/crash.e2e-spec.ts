import { randomUUID } from 'node:crypto';
import { jest } from '@jest/globals';
import { eventually } from '@flash-sale/common/testing';
import { Redis } from 'ioredis';
import type { FailPoint } from '../src/config.js';
import { StockKeys } from '../src/stock/stock-keys.js';
import { streamOrders } from './support/order-stream.js';
import { OrdersDb } from './support/orders-db.js';
import { freePort, infra, InventoryAdmin, newProductId, SpawnedService } from './support/stack.js';

/**
 * Crash tests: order-service (spawned from its build) dies with SIGKILL right after a named step
 * while buyers keep ordering, and is started again without the fail-point. Afterwards every
 * accepted order is CONFIRMED or FAILED, nothing stays PENDING, and confirmed units plus the Redis
 * counter equal the initial stock (nothing leaked, nothing oversold); MySQL agrees.
 */
jest.setTimeout(90_000);

const INITIAL_STOCK = 1_000;

describe('crash recovery (e2e, real stack)', () => {
  let inventory: SpawnedService;
  let admin: InventoryAdmin;
  let db: OrdersDb;
  let redis: Redis;
  const running: SpawnedService[] = [];

  beforeAll(async () => {
    inventory = await SpawnedService.start('inventory-service', {});
    admin = new InventoryAdmin(inventory.url);
    db = new OrdersDb();
    redis = new Redis({ host: infra.REDIS_HOST, port: infra.REDIS_PORT });
  }, 60_000);

  afterAll(async () => {
    await Promise.all(running.map((s) => s.stop()));
    await inventory?.stop();
    await db?.close();
    await redis?.quit();
  });

  it.each<[FailPoint, string]>([
    ['after-reserve', '15'],
    ['after-insert', '5'],
    ['after-publish', '5'],
  ])('recovers from a crash %s', async (failPoint, skip) => {
    const productId = newProductId('T-os-crash');
    await admin.create({ productId, stock: INITIAL_STOCK });
    const port = String(await freePort());
    const env = {
      PORT: port,
      INVENTORY_SERVICE_URL: inventory.url,
      ORDER_KAFKA_GROUP_ID: `order-service-crash-${randomUUID()}`,
      ORDER_KAFKA_START_FROM: 'latest',
      ORDER_RESERVATION_TIMEOUT_MS: '3000',
      ORDER_REPUBLISH_AFTER_MS: '2000',
      // Each buyer of the stream orders again and again, as fast as answers come: no default
      // per-user cap and no order rate limit (neither is what this suite is about).
      ORDER_DEFAULT_MAX_PER_USER: '0',
      RATE_LIMIT_ORDERS_PER_USER: 'off',
      RATE_LIMIT_ORDERS_PER_ADDRESS: 'off',
      ORDER_RELAY_INTERVAL_MS: '500',
      LOG_LEVEL: 'info',
    };
    const doomed = await SpawnedService.start('order-service', {
      ...env,
      ORDER_FAILPOINT: failPoint,
      ORDER_FAILPOINT_SKIP: skip,
    });
    running.push(doomed);

    const target = { url: doomed.url };
    let afterRestart = 0;
    const deadline = Date.now() + 45_000;
    const stream = streamOrders({
      url: () => target.url,
      productId,
      workers: 12,
      quantity: (i) => 1 + (i % 2),
      stop: () => afterRestart >= 40 || Date.now() > deadline,
    });

    const exit = await doomed.exited;
    expect(exit.signal).toBe('SIGKILL');
    expect(doomed.logs).toContain(`fail-point ${failPoint} reached`);
    const restarted = await SpawnedService.start('order-service', env);
    running.push(restarted);
    target.url = restarted.url;
    // Keep ordering for a while after the restart: the service goes on taking orders.
    const counting = setInterval(() => (afterRestart += 1), 50);
    const result = await stream;
    clearInterval(counting);
    expect(result.accepted.length).toBeGreaterThan(0);

    // Quiet: nothing pending, no reservation left, no give-back due.
    await eventually(
      async () => {
        const unsettled = await db.unsettled(productId);
        const reservations = await redis.hlen(StockKeys.reservations(productId));
        return unsettled === 0 && reservations === 0 ? true : undefined;
      },
      40_000,
      500,
    );

    const statuses = await db.statuses(result.accepted.map((a) => a.id));
    for (const { id } of result.accepted) {
      expect(['CONFIRMED', 'FAILED']).toContain(statuses.get(id));
    }
    const counts = await db.statusCounts(productId);
    expect(counts.PENDING).toBeUndefined();
    const confirmed = counts.CONFIRMED?.units ?? 0;
    const counter = Number(await redis.get(StockKeys.stock(productId)));
    const mysql = (await admin.get(productId)).stock;
    process.stderr.write(
      `${failPoint}: accepted ${result.accepted.length}, statuses ${JSON.stringify([...result.statuses])}, ` +
        `orders ${JSON.stringify(counts)}, counter ${counter}, MySQL ${mysql}\n`,
    );
    if (confirmed + counter !== INITIAL_STOCK) {
      for (const s of [doomed, restarted]) {
        process.stderr.write(
          s.logs
            .split('\n')
            .filter((l) =>
              /Reconciler|Sweeper|Settlement|republished|fail-point|"level":[45]0/.test(l),
            )
            .join('\n') + '\n----\n',
        );
      }
    }
    expect(confirmed + counter).toBe(INITIAL_STOCK);
    expect((await admin.get(productId)).stock).toBe(INITIAL_STOCK - confirmed);
    await restarted.stop();
  });
});
