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
import { ThrowawayRedisCluster } from './support/throwaway-redis-cluster.js';

/**
 * The flash sale on a 3-master Redis Cluster (REDIS_CLUSTER_NODES): both services run against a
 * cluster of this test's own. Six products, chosen so that every master holds two of them, sell
 * out at once to many buyers: per product exactly its stock is accepted and confirmed, MySQL and
 * the cluster's counters both end at 0, the keys live on the cluster's masters (none on the
 * shared stand-alone Redis), and a reservation nobody recorded is swept and given back (the
 * sweeper lists products without a keyspace SCAN, which would see one master only).
 */
jest.setTimeout(120_000);

const PRODUCTS_PER_MASTER = 2;
const STOCK = 30;
const BUYERS = 240;
const ORDERS_EACH = 2;

describe('flash sale on a Redis Cluster (e2e, real stack)', () => {
  let cluster: ThrowawayRedisCluster;
  let inventory: SpawnedService;
  let orders: SpawnedService;
  let admin: InventoryAdmin;
  let db: OrdersDb;
  let shared: Redis;

  beforeAll(async () => {
    cluster = await ThrowawayRedisCluster.start();
    const redisEnv = { REDIS_CLUSTER_NODES: cluster.nodes };
    inventory = await SpawnedService.start('inventory-service', redisEnv);
    admin = new InventoryAdmin(inventory.url);
    orders = await SpawnedService.start('order-service', {
      ...redisEnv,
      INVENTORY_SERVICE_URL: inventory.url,
      ORDER_KAFKA_GROUP_ID: `order-service-cluster-${randomUUID()}`,
      ORDER_KAFKA_START_FROM: 'latest',
      STOCK_RECONCILE_INTERVAL_MS: '2000',
      STOCK_REBUILD_GRACE_MS: '500',
      ORDER_RESERVATION_TIMEOUT_MS: '2000',
    });
    db = new OrdersDb();
    shared = new Redis({ host: infra.REDIS_HOST, port: infra.REDIS_PORT, lazyConnect: true });
    await shared.connect();
    // A fresh cluster has no counters: sellable once the first reconciliation loaded them.
    await eventually(
      async () => ((await cluster.client.exists(StockKeys.catalogueLoaded)) ? true : undefined),
      30_000,
      200,
    );
  }, 120_000);

  afterAll(async () => {
    await orders?.stop();
    await inventory?.stop();
    await db?.close();
    shared?.disconnect();
    await cluster?.stop();
  });

  /** Product ids such that each master holds `perMaster` of them (keys follow the hash tag). */
  async function productsOnEveryMaster(perMaster: number): Promise<string[]> {
    const byMaster = new Map<number, string[]>(cluster.ports.map((p) => [p, []]));
    while ([...byMaster.values()].some((ids) => ids.length < perMaster)) {
      const id = newProductId('T-os-cluster');
      const ids = byMaster.get(await cluster.masterOf(StockKeys.stock(id))) ?? [];
      if (ids.length < perMaster) ids.push(id);
    }
    return [...byMaster.values()].flat();
  }

  it('sells out products on every master: exactly the stock confirmed, counters and MySQL at 0', async () => {
    const productIds = await productsOnEveryMaster(PRODUCTS_PER_MASTER);
    for (const productId of productIds) await admin.create({ productId, stock: STOCK });

    const buyers = Array.from({ length: BUYERS }, () => bearer(newUserId()));
    const answers = await Promise.all(
      buyers.flatMap((auth, b) =>
        Array.from({ length: ORDERS_EACH }, async (_, n) => {
          const productId = productIds[(b + n) % productIds.length] ?? '';
          const res = await fetch(`${orders.url}/api/orders`, {
            method: 'POST',
            headers: { authorization: auth, 'content-type': 'application/json' },
            body: JSON.stringify({ productId, quantity: 1 }),
          });
          const body = (await res.json()) as { id?: string; code?: string };
          return { productId, status: res.status, body };
        }),
      ),
    );
    expect(
      new Set(answers.filter((a) => a.status !== 201).map((a) => `${a.status} ${a.body.code}`)),
    ).toEqual(new Set(['409 OUT_OF_STOCK']));
    for (const productId of productIds) {
      const accepted = answers.filter((a) => a.productId === productId && a.status === 201);
      expect(accepted).toHaveLength(STOCK);
    }

    for (const productId of productIds) {
      await eventually(
        async () => ((await db.unsettled(productId)) === 0 ? true : undefined),
        30_000,
        200,
      );
      expect(await db.statusCounts(productId)).toEqual({
        CONFIRMED: { orders: STOCK, units: STOCK },
      });
      expect((await admin.get(productId)).stock).toBe(0);
      expect(await cluster.client.get(StockKeys.stock(productId))).toBe('0');
      // The keys live in the cluster, not in the shared stand-alone Redis.
      expect(await shared.exists(StockKeys.stock(productId), StockKeys.product(productId))).toBe(0);
    }

    // GET /api/stock lists the products from the index, whichever master holds their counters.
    const listed = (await (await fetch(`${orders.url}/api/stock`)).json()) as {
      productId: string;
      stock: number;
    }[];
    expect(listed.filter((s) => productIds.includes(s.productId))).toHaveLength(productIds.length);
    const masters = new Set(
      await Promise.all(productIds.map((p) => cluster.masterOf(StockKeys.stock(p)))),
    );
    expect(masters.size).toBe(cluster.ports.length);
    for (const count of (await cluster.keysPerMaster()).values()) expect(count).toBeGreaterThan(0);
  });

  it('sweeps a reservation nobody recorded on whichever master holds it, and gives it back', async () => {
    const [productId] = await productsOnEveryMaster(1).then((ids) => ids.slice(-1));
    if (!productId) throw new Error('no product id');
    await admin.create({ productId, stock: 5 });
    await eventually(
      async () =>
        (await cluster.client.get(StockKeys.stock(productId))) === '5' ? true : undefined,
      10_000,
      100,
    );
    // What the hot path leaves when it dies between the Redis script and the insert: units taken
    // and a reservation entry, no order row.
    const orderId = randomUUID();
    const userId = String(newUserId());
    await cluster.client.decrby(StockKeys.stock(productId), 2);
    await cluster.client.hset(
      StockKeys.reservations(productId),
      orderId,
      `${userId}|2|${Date.now()}|1999|`,
    );
    await eventually(
      async () => ((await db.statuses([orderId])).get(orderId) === 'FAILED' ? true : undefined),
      30_000,
      200,
    );
    await eventually(
      async () =>
        (await cluster.client.get(StockKeys.stock(productId))) === '5' ? true : undefined,
      30_000,
      200,
    );
    expect(await cluster.client.hexists(StockKeys.reservations(productId), orderId)).toBe(0);
  });
});
