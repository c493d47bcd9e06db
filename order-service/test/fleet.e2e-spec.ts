import { randomBytes } from 'node:crypto';
import { jest } from '@jest/globals';
import { describeConsumerGroup, eventually } from '@flash-sale/common/testing';
import { Topics } from '@flash-sale/contracts';
import mysql from 'mysql2/promise';
import { migrations } from '../src/database/migrations/index.js';
import { StockKeys } from '../src/stock/stock-keys.js';
import { streamOrders } from './support/order-stream.js';
import { freePort, infra, InventoryAdmin, newProductId, SpawnedService } from './support/stack.js';
import { ThrowawayKafka } from './support/throwaway-kafka.js';
import { ThrowawayRedis } from './support/throwaway-redis.js';

/**
 * A fleet: two order-service and two inventory-service processes on different ports sharing one
 * MySQL, Redis and Kafka (a broker, a Redis and databases of this test's own, so no other stack
 * consumes its messages or sweeps its reservations). Buyers are spread over both order-services;
 * mid-sale one of each service dies with SIGKILL. Then no accepted order is lost, nothing is
 * oversold, and everything settles within 30 s of the kill: the dead order-service's orders are
 * finished by the survivor (relay leases, reservation sweeper, answers on its partitions) and
 * the dead inventory-service's partitions are taken over by the other.
 *
 * Both pairs start at the same time on empty databases, so this also checks that replicas
 * starting together migrate once (the migration lock).
 *
 * Ports: FLEET_E2E_SERVICE_PORTS (four, comma-separated), THROWAWAY_REDIS_PORT,
 * THROWAWAY_KAFKA_PORT / THROWAWAY_KAFKA_CONTROLLER_PORT; free ones otherwise.
 */
jest.setTimeout(180_000);

const INITIAL_STOCK = 600;
/** Units sold before the kill (a third of the stock: the sale is in full swing). */
const SOLD_BEFORE_KILL = 200;
const SETTLE_BOUND_MS = 30_000;
const PARTITIONS = 4;

describe('a fleet of two order-services and two inventory-services (e2e, real processes)', () => {
  const tag = randomBytes(4).toString('hex');
  const databases = { orders: `fleet_${tag}_orders`, inventory: `fleet_${tag}_inventory` };
  const services: SpawnedService[] = [];
  let kafka: ThrowawayKafka | undefined;
  let redis: ThrowawayRedis | undefined;
  let db: mysql.Connection;

  const givenPorts = (process.env.FLEET_E2E_SERVICE_PORTS ?? '').split(',').filter(Boolean);

  afterAll(async () => {
    await Promise.all(services.map((s) => s.stop()));
    await kafka?.stop();
    await redis?.stop();
    if (db) {
      await db.query(`DROP DATABASE IF EXISTS ${databases.orders}`);
      await db.query(`DROP DATABASE IF EXISTS ${databases.inventory}`);
      await db.end();
    }
  }, 60_000);

  it('loses no accepted order, oversells nothing and settles within 30 s when one of each dies', async () => {
    db = await mysql.createConnection({
      host: infra.DB_HOST,
      port: infra.DB_PORT,
      user: 'root',
      password: '',
    });
    await db.query(`CREATE DATABASE ${databases.orders}`);
    await db.query(`CREATE DATABASE ${databases.inventory}`);
    const kafkaPort = await ThrowawayKafka.choosePort();
    const redisPort = process.env.THROWAWAY_REDIS_PORT
      ? Number(process.env.THROWAWAY_REDIS_PORT)
      : undefined;
    redis = await ThrowawayRedis.start(redisPort);
    const broker = `127.0.0.1:${kafkaPort}`;
    const shared = {
      KAFKA_BROKER: broker,
      KAFKA_TOPIC_PARTITIONS: String(PARTITIONS),
      REDIS_HOST: '127.0.0.1',
      REDIS_PORT: String(redis.port),
      DB_USERNAME: 'root',
      DB_PASSWORD: '',
      LOG_LEVEL: 'warn',
    };
    const ports =
      givenPorts.length === 4
        ? givenPorts
        : await Promise.all([0, 1, 2, 3].map(async () => String(await freePort())));
    const port = (i: number) => ({ PORT: ports[i] });
    const inventoryEnv = { ...shared, DB_DATABASE: databases.inventory };
    const orderEnv = {
      ...shared,
      DB_DATABASE: databases.orders,
      ORDER_RESERVATION_TIMEOUT_MS: '3000',
      ORDER_REPUBLISH_AFTER_MS: '2000',
      ORDER_RELAY_INTERVAL_MS: '500',
      ORDER_RELAY_LEASE_MS: '3000',
      // Each buyer orders again and again: no per-user cap, no rate limit (not what this is about).
      ORDER_DEFAULT_MAX_PER_USER: '0',
      RATE_LIMIT_ORDERS_PER_USER: 'off',
      RATE_LIMIT_ORDERS_PER_ADDRESS: 'off',
    };
    const inventoryUrl = (i: number) => `http://127.0.0.1:${ports[2 + i]}`;
    // Everything at once (the services wait for the broker by themselves): both inventory-services
    // and both order-services on the empty databases. Each order-service asks "its"
    // inventory-service for the catalogue (reconciliation).
    const started = Date.now();
    const [, inventoryA, inventoryB, ordersA, ordersB] = await startAll(
      ThrowawayKafka.start(kafkaPort).then((k) => (kafka = k)),
      [
        ['inventory-service', { ...inventoryEnv, ...port(2) }],
        ['inventory-service', { ...inventoryEnv, ...port(3) }],
        ['order-service', { ...orderEnv, ...port(0), INVENTORY_SERVICE_URL: inventoryUrl(0) }],
        ['order-service', { ...orderEnv, ...port(1), INVENTORY_SERVICE_URL: inventoryUrl(1) }],
      ],
    );
    process.stderr.write(`fleet: up in ${Date.now() - started} ms\n`);

    // Replicas that started together migrated once.
    const [orderMigrations] = await db.query<mysql.RowDataPacket[]>(
      `SELECT name, COUNT(*) AS n FROM ${databases.orders}.migrations GROUP BY name`,
    );
    expect(orderMigrations).toHaveLength(migrations.length);
    expect(orderMigrations.every((r) => Number(r.n) === 1)).toBe(true);
    const [inventoryMigrations] = await db.query<mysql.RowDataPacket[]>(
      `SELECT name, COUNT(*) AS n FROM ${databases.inventory}.migrations GROUP BY name`,
    );
    expect(inventoryMigrations.length).toBeGreaterThan(0);
    expect(inventoryMigrations.every((r) => Number(r.n) === 1)).toBe(true);

    // Both inventory-services share the request topic's partitions.
    const brokers = [broker];
    await eventually(
      async () => {
        const members = await describeConsumerGroup(brokers, 'inventory-service');
        const held = members.map((m) => m.partitions.get(Topics.InventoryRequest) ?? []);
        return held.length === 2 && held.every((p) => p.length > 0) ? true : undefined;
      },
      30_000,
      250,
    );

    const productId = newProductId('T-fleet');
    const admin = new InventoryAdmin(inventoryA.url);
    await admin.create({ productId, stock: INITIAL_STOCK });
    const counter = async () =>
      Number((await redis!.client.get(StockKeys.stock(productId))) ?? NaN);
    await eventually(async () => ((await counter()) === INITIAL_STOCK ? true : undefined));

    // Buyers, spread over both order-services in turn (a balancer's round robin; a refused
    // connection to the dead one is simply retried on the next).
    const urls = [ordersA.url, ordersB.url];
    let turn = 0;
    let killedAt = 0;
    let stop = false;
    const stream = streamOrders({
      url: () => urls[turn++ % urls.length],
      productId,
      workers: 16,
      quantity: (i) => 1 + (i % 2),
      stop: () => stop,
    });
    try {
      await eventually(
        async () => ((await counter()) <= INITIAL_STOCK - SOLD_BEFORE_KILL ? true : undefined),
        60_000,
        20,
      );
      // Mid-sale: one of each dies at once.
      killedAt = Date.now();
      await Promise.all([ordersA.stop('SIGKILL'), inventoryA.stop('SIGKILL')]);
      // The sale goes on against the survivors until sold out (or a few seconds at most).
      await eventually(
        async () => ((await counter()) === 0 || Date.now() - killedAt > 8_000 ? true : undefined),
        20_000,
        100,
      );
    } finally {
      stop = true;
    }
    const result = await stream;

    const acceptedBy = new Map<string, number>();
    for (const a of result.accepted) acceptedBy.set(a.url, (acceptedBy.get(a.url) ?? 0) + 1);
    // The load was spread: both order-services accepted orders.
    expect(acceptedBy.get(ordersA.url) ?? 0).toBeGreaterThan(0);
    expect(acceptedBy.get(ordersB.url) ?? 0).toBeGreaterThan(0);

    // Everything settles within 30 s of the kill: every 201 CONFIRMED, nothing pending, no
    // give-back or restore due, no reservation left, Redis and MySQL agreeing.
    const accepted = result.accepted.map((a) => a.id);
    const settled = await eventually(
      async () => {
        const [rows] = await db.query<mysql.RowDataPacket[]>(
          `SELECT
             SUM(id IN (?) AND status = 'CONFIRMED') AS confirmedAccepted,
             SUM(status = 'CONFIRMED') AS confirmedOrders,
             SUM(IF(status = 'CONFIRMED', quantity, 0)) AS confirmedUnits,
             SUM(status = 'PENDING' OR stock_release = 'DUE' OR restore = 'DUE') AS unsettled
           FROM ${databases.orders}.orders WHERE product_id = ?`,
          [accepted, productId],
        );
        const row = rows[0];
        const reservations = await redis!.client.hlen(StockKeys.reservations(productId));
        const [stockRows] = await db.query<mysql.RowDataPacket[]>(
          `SELECT stock FROM ${databases.inventory}.products WHERE product_id = ?`,
          [productId],
        );
        const state = {
          confirmedAccepted: Number(row.confirmedAccepted ?? 0),
          confirmedOrders: Number(row.confirmedOrders ?? 0),
          confirmedUnits: Number(row.confirmedUnits ?? 0),
          unsettled: Number(row.unsettled ?? 0),
          reservations,
          counter: await counter(),
          mysqlStock: Number(stockRows[0]?.stock),
          at: Date.now(),
        };
        return state.confirmedAccepted === accepted.length &&
          state.unsettled === 0 &&
          state.reservations === 0 &&
          state.counter === state.mysqlStock
          ? state
          : undefined;
      },
      Math.max(1, killedAt + SETTLE_BOUND_MS - Date.now()),
      250,
    ).catch((error: Error) => {
      for (const s of services) {
        process.stderr.write(`---- ${s.name} ${s.url}\n${s.logs.slice(-3_000)}\n`);
      }
      throw error;
    });
    const settleMs = settled.at - killedAt;
    process.stderr.write(
      `fleet: accepted ${accepted.length} (${JSON.stringify([...acceptedBy])}), ` +
        `answers ${JSON.stringify([...result.statuses])}, confirmed ${settled.confirmedOrders} ` +
        `orders / ${settled.confirmedUnits} units, counter ${settled.counter}, MySQL ` +
        `${settled.mysqlStock}, settled ${settleMs} ms after the kill\n`,
    );
    expect(settleMs).toBeLessThanOrEqual(SETTLE_BOUND_MS);

    // No accepted order lost (each is CONFIRMED), nothing oversold, stock of record consistent.
    expect(settled.confirmedAccepted).toBe(accepted.length);
    expect(settled.confirmedUnits).toBeLessThanOrEqual(INITIAL_STOCK);
    expect(settled.mysqlStock).toBe(INITIAL_STOCK - settled.confirmedUnits);
    expect(settled.counter + settled.confirmedUnits).toBe(INITIAL_STOCK);

    // The dead inventory-service's partitions are held by the survivor alone (once the broker
    // has given up on the dead member: its session timeout), also within the bound.
    const takenOver = await eventually(
      async () => {
        const members = await describeConsumerGroup(brokers, 'inventory-service');
        const held = members[0]?.partitions.get(Topics.InventoryRequest) ?? [];
        return members.length === 1 && held.length === PARTITIONS ? Date.now() : undefined;
      },
      Math.max(1, killedAt + SETTLE_BOUND_MS - Date.now()),
      250,
    );
    process.stderr.write(
      `fleet: partitions taken over ${takenOver - killedAt} ms after the kill\n`,
    );
    expect(ordersB.running && inventoryB.running).toBe(true);
  });

  /**
   * Starts the broker and the services at the same time; every one that started is kept for
   * afterAll to stop, even when another failed.
   */
  async function startAll(
    broker: Promise<ThrowawayKafka>,
    list: ['order-service' | 'inventory-service', Record<string, string>][],
  ): Promise<[ThrowawayKafka, ...SpawnedService[]]> {
    const [kafkaOutcome, ...outcomes] = await Promise.allSettled([
      broker,
      ...list.map(([name, env]) => SpawnedService.start(name, env, 120_000)),
    ]);
    for (const outcome of outcomes) {
      if (outcome.status === 'fulfilled') services.push(outcome.value);
    }
    if (kafkaOutcome.status === 'rejected') throw kafkaOutcome.reason;
    const failed = outcomes.find((o) => o.status === 'rejected');
    if (failed) throw failed.reason;
    return [
      kafkaOutcome.value,
      ...outcomes.map((o) => (o as PromiseFulfilledResult<SpawnedService>).value),
    ];
  }
});
