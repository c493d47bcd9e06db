import { setTimeout as sleep } from 'node:timers/promises';
import { jest } from '@jest/globals';
import { eventually } from '@flash-sale/common/testing';
import { createPool, type Pool, type RowDataPacket } from 'mysql2/promise';
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
import { ThrowawayKafka } from './support/throwaway-kafka.js';
import { ThrowawayRedis } from './support/throwaway-redis.js';

/**
 * The per-user cap when Redis loses count of what each buyer holds (issue 12). Both services run
 * against a Redis and a Kafka broker of this test's own (so no other inventory-service consumes
 * these requests). Buyers order one unit at a time; in the middle of their buying:
 *
 * - the per-user totals alone vanish (`DEL bought:{p}`, a loss nothing detects): Redis then lets
 *   buyers past the cap, and the stock of record refuses (PURCHASE_LIMIT_EXCEEDED), so MySQL never
 *   holds more than the cap for anyone, and the refused orders give their units back once;
 * - Redis goes back to an older snapshot, then loses everything (FLUSHALL): both are detected and
 *   rebuilt from MySQL with the per-user totals, so the cap holds in Redis already and no
 *   accepted order ends FAILED. Buyers who cancel and re-order right away are not let through
 *   before the stock of record has the cancelled units back either.
 */
jest.setTimeout(180_000);

const CAP = 3;

type Answer = { status: number; code?: string; id?: string };

describe('per-user cap across Redis losses (e2e, real stack, throwaway Redis and Kafka)', () => {
  let redis: ThrowawayRedis;
  let kafka: ThrowawayKafka;
  let inventory: SpawnedService;
  let orders: SpawnedService;
  let admin: InventoryAdmin;
  let db: OrdersDb;
  let pool: Pool;

  beforeAll(async () => {
    redis = await ThrowawayRedis.start();
    const kafkaPort = await ThrowawayKafka.choosePort();
    const env = {
      REDIS_HOST: '127.0.0.1',
      REDIS_PORT: String(redis.port),
      KAFKA_BROKER: `127.0.0.1:${kafkaPort}`,
      KAFKA_TOPIC_PARTITIONS: '3',
    };
    // allSettled: whichever starts must be stopped by afterAll, even when the other fails.
    const [broker, inventoryStart] = await Promise.allSettled([
      ThrowawayKafka.start(kafkaPort),
      SpawnedService.start('inventory-service', env, 90_000, 'ready'),
    ]);
    if (broker.status === 'fulfilled') kafka = broker.value;
    if (inventoryStart.status === 'fulfilled') inventory = inventoryStart.value;
    if (broker.status === 'rejected') throw broker.reason;
    if (inventoryStart.status === 'rejected') throw inventoryStart.reason;
    admin = new InventoryAdmin(inventory.url);
    orders = await SpawnedService.start(
      'order-service',
      {
        ...env,
        INVENTORY_SERVICE_URL: inventory.url,
        STOCK_RECONCILE_INTERVAL_MS: '1000',
        STOCK_REBUILD_GRACE_MS: '300',
        STOCK_REPAIR_QUIET_MS: '3000',
        STOCK_STALE_CHECK_INTERVAL_MS: '300',
        ORDER_REPUBLISH_AFTER_MS: '2000',
        ORDER_RELAY_INTERVAL_MS: '300',
        // The second test's product sets no cap of its own: this one holds it.
        ORDER_DEFAULT_MAX_PER_USER: String(CAP),
        RATE_LIMIT_ORDERS_PER_USER: 'off',
        RATE_LIMIT_ORDERS_PER_ADDRESS: 'off',
      },
      90_000,
    );
    db = new OrdersDb();
    pool = createPool({
      host: infra.DB_HOST,
      port: infra.DB_PORT,
      user: infra.DB_USERNAME,
      password: infra.DB_PASSWORD,
      database: infra.DB_DATABASE,
      connectionLimit: 2,
    });
  }, 240_000);

  afterAll(async () => {
    await orders?.stop();
    await inventory?.stop();
    await kafka?.stop();
    await redis?.stop();
    await db?.close();
    await pool?.end();
  });

  async function order(productId: string, userId: number): Promise<Answer> {
    const res = await fetch(`${orders.url}/api/orders`, {
      method: 'POST',
      headers: { authorization: bearer(userId), 'content-type': 'application/json' },
      body: JSON.stringify({ productId, quantity: 1 }),
      signal: AbortSignal.timeout(10_000),
    });
    const body = (await res.json()) as { id?: string; code?: string };
    return { status: res.status, code: body.code, id: body.id };
  }

  /** Orders until answered otherwise than 503 (the counters being rebuilt), as a client would. */
  async function orderThroughRebuild(productId: string, userId: number): Promise<Answer> {
    const deadline = Date.now() + 60_000;
    for (;;) {
      const answer = await order(productId, userId);
      if (answer.status !== 503 || Date.now() > deadline) return answer;
      await sleep(100);
    }
  }

  /** Each buyer orders `times` times in turn; the buyers all at once. */
  async function buyEach(productId: string, users: number[], times: number): Promise<Answer[]> {
    const answers = await Promise.all(
      users.map(async (user) => {
        const mine: Answer[] = [];
        for (let i = 0; i < times; i++) mine.push(await orderThroughRebuild(productId, user));
        return mine;
      }),
    );
    return answers.flat();
  }

  async function cancel(orderId: string, userId: number): Promise<number> {
    const res = await fetch(`${orders.url}/api/orders/${orderId}/cancel`, {
      method: 'PUT',
      headers: { authorization: bearer(userId) },
    });
    return res.status;
  }

  async function settled(productId: string): Promise<void> {
    await eventually(
      async () => ((await db.unsettled(productId)) === 0 ? true : undefined),
      60_000,
      200,
    );
  }

  /** Per buyer, units MySQL holds for them (PENDING or CONFIRMED orders). */
  async function heldInMysql(productId: string): Promise<Map<string, number>> {
    const [rows] = await pool.query<RowDataPacket[]>(
      `SELECT user_id, SUM(quantity) AS units FROM orders
        WHERE product_id = ? AND status IN ('PENDING', 'CONFIRMED') GROUP BY user_id`,
      [productId],
    );
    return new Map(rows.map((r) => [String(r.user_id), Number(r.units)]));
  }

  async function failureReasons(productId: string): Promise<string[]> {
    const [rows] = await pool.query<RowDataPacket[]>(
      "SELECT failure_reason FROM orders WHERE product_id = ? AND status = 'FAILED'",
      [productId],
    );
    return rows.map((r) => String(r.failure_reason));
  }

  async function redisMatchesMysql(productId: string): Promise<void> {
    await eventually(
      async () => {
        const counter = Number(await redis.client.get(StockKeys.stock(productId)));
        return counter === (await admin.get(productId)).stock ? true : undefined;
      },
      30_000,
      200,
    );
  }

  it('the stock of record refuses what Redis lets through once its per-user totals are gone', async () => {
    const productId = newProductId('T-os-cap-lost');
    const stock = 500;
    await admin.create({ productId, stock, maxPerUser: CAP });
    const buyers = Array.from({ length: 12 }, () => newUserId());
    await eventually(
      async () => ((await order(productId, buyers[0])).status === 201 ? true : undefined),
      30_000,
      200,
    );

    const first = await buyEach(productId, buyers.slice(1), CAP);
    first.push(...(await buyEach(productId, buyers.slice(0, 1), CAP - 1)));
    // (The first order, above, was the probe.)
    expect(first.filter((a) => a.status === 201)).toHaveLength(buyers.length * CAP - 1);
    await settled(productId);

    // Redis forgets what each buyer holds, and nothing notices: the counter stays ready.
    await redis.client.del(StockKeys.bought(productId));
    const second = await buyEach(productId, buyers, 2);
    // Redis took them (every buyer is at the cap in MySQL)...
    expect(second.filter((a) => a.status === 201)).toHaveLength(buyers.length * 2);
    await settled(productId);

    // ...and the stock of record refused every one: nobody holds more than the cap in MySQL.
    const held = await heldInMysql(productId);
    expect([...held.values()]).toEqual(Array(buyers.length).fill(CAP));
    const reasons = await failureReasons(productId);
    expect(reasons).toEqual(Array(buyers.length * 2).fill('PURCHASE_LIMIT_EXCEEDED'));
    const counts = await db.statusCounts(productId);
    expect(counts.CONFIRMED?.units).toBe(buyers.length * CAP);
    expect((await admin.get(productId)).stock).toBe(stock - buyers.length * CAP);
    // The refused orders' units went back to Redis exactly once, and their buyers' totals too.
    await redisMatchesMysql(productId);
    expect(await redis.client.hlen(StockKeys.bought(productId))).toBe(0);
  });

  it('a stale snapshot and a FLUSHALL mid-buying: totals rebuilt from MySQL, no accepted order FAILS, the cap holds', async () => {
    const productId = newProductId('T-os-cap-stale');
    const stock = 500;
    // No cap of its own: order-service's default (ORDER_DEFAULT_MAX_PER_USER) holds it.
    await admin.create({ productId, stock });
    const eager = Array.from({ length: 10 }, () => newUserId());
    const slow = Array.from({ length: 10 }, () => newUserId());
    await eventually(
      async () => ((await order(productId, eager[0])).status === 201 ? true : undefined),
      30_000,
      200,
    );
    const phaseA = [
      ...(await buyEach(productId, eager.slice(1), 1)),
      ...(await buyEach(productId, slow, 1)),
    ];
    expect(phaseA.filter((a) => a.status === 201)).toHaveLength(19);

    // The snapshot: every key with its time to live (as the chaos suite's stale-snapshot fault).
    const snapshot = [];
    for (const key of await redis.client.keys('*')) {
      const dump = await redis.client.dumpBuffer(key);
      if (dump) snapshot.push({ key, ttl: Math.max(0, await redis.client.pttl(key)), dump });
    }

    // The eager buyers reach the cap.
    const phaseB = await buyEach(productId, eager, CAP);
    expect(phaseB.filter((a) => a.status === 201)).toHaveLength(eager.length * (CAP - 1));
    expect(phaseB.filter((a) => a.code === 'PURCHASE_LIMIT_EXCEEDED')).toHaveLength(eager.length);
    await settled(productId);

    // Redis goes back to the snapshot: there every eager buyer holds 1 unit, not 3.
    await redis.client.flushall();
    for (const { key, ttl, dump } of snapshot) {
      await redis.client.restore(key, ttl, dump, 'REPLACE');
    }
    const afterStale = [
      ...(await buyEach(productId, eager, 2)),
      ...(await buyEach(productId, slow, CAP)),
    ];
    // The eager ones are at the cap (rebuilt from MySQL); each slow one gets 2 more, then no.
    expect(afterStale.filter((a) => a.status === 201)).toHaveLength(slow.length * (CAP - 1));
    for (const a of afterStale) expect([201, 409]).toContain(a.status);

    // Three eager buyers cancel one order each and order again at once, until accepted: Redis
    // lets them only once the stock of record has the cancelled unit back, so none FAILS.
    const cancelled = eager.slice(0, 3);
    const reorders = await Promise.all(
      cancelled.map(async (user) => {
        const [row] = (
          await pool.query<RowDataPacket[]>(
            "SELECT id FROM orders WHERE product_id = ? AND user_id = ? AND status = 'CONFIRMED' LIMIT 1",
            [productId, String(user)],
          )
        )[0];
        expect(await cancel(String(row?.id), user)).toBe(200);
        return eventually(
          async () => {
            const answer = await order(productId, user);
            expect([201, 409]).toContain(answer.status);
            return answer.status === 201 ? answer : undefined;
          },
          30_000,
          20,
        );
      }),
    );
    expect(reorders).toHaveLength(3);

    // Then Redis loses everything.
    await redis.client.flushall();
    const afterFlush = await buyEach(productId, [...eager, ...slow], 2);
    for (const a of afterFlush) expect(a.status).toBe(409);
    await settled(productId);

    // Nobody holds more than the cap in MySQL, and every accepted order was confirmed.
    const held = await heldInMysql(productId);
    for (const user of [...eager, ...slow]) expect(held.get(String(user))).toBe(CAP);
    const counts = await db.statusCounts(productId);
    expect(counts.FAILED).toBeUndefined();
    expect(counts.PENDING).toBeUndefined();
    expect(counts.CONFIRMED?.units).toBe((eager.length + slow.length) * CAP);
    expect(counts.CANCELLED?.units).toBe(3);
    expect((await admin.get(productId)).stock).toBe(stock - (eager.length + slow.length) * CAP);
    await redisMatchesMysql(productId);
    // And a newcomer still buys.
    expect((await orderThroughRebuild(productId, newUserId())).status).toBe(201);
  });
});
