import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { jest } from '@jest/globals';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import {
  databaseOptions,
  KafkaClient,
  KafkaConsumerService,
  openDatabase,
} from '@flash-sale/common';
import { createTestApp, eventually } from '@flash-sale/common/testing';
import { Topics } from '@flash-sale/contracts';
import mysql from 'mysql2/promise';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { AppModule } from '../src/app.module.js';
import { loadOrderServiceConfig } from '../src/config.js';
import { migrations } from '../src/database/migrations/index.js';
import { SqlOrdersRepository } from '../src/orders/sql-orders.repository.js';
import { StockCountersStore } from '../src/stock/stock-counters.store.js';
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
 * Every give-back confirmed: inventory-service answers each `inventory-restore` on
 * `inventory-restore-response`, the order records its restore as done only on that answer, and the
 * relay resends until then. Real Kafka, MariaDB and Redis; inventory-service spawned from its build.
 *
 * The answers that get lost here are lost for real: inventory-service deducts (or restores) before
 * this order-service exists, and its consumer group, new, starts at the newest offset, so it never
 * sees them. The orders live in a database of this suite's own (the topics are shared: another
 * stack's order-service must not find these orders and settle them).
 */
const info = { name: 'order-service', version: 'test' };
const ORDERS_DB = 'order_service_restores_e2e';
const DB_ADMIN = {
  DB_USERNAME: process.env.DB_ADMIN_USERNAME ?? 'root',
  DB_PASSWORD: process.env.DB_ADMIN_PASSWORD ?? '',
};
jest.setTimeout(90_000);

describe('restores (e2e, real stack)', () => {
  let inventory: SpawnedService;
  let admin: InventoryAdmin;
  /** inventory-service's settings: restarted with them, it resumes its consumer group. */
  const inventoryEnv = {
    INVENTORY_KAFKA_GROUP_ID: `inventory-service-restores-${randomUUID()}`,
    INVENTORY_KAFKA_START_FROM: 'latest',
  };
  let db: DataSource;
  let kafka: KafkaClient;
  let app: NestFastifyApplication | undefined;
  const user = newUserId();

  /** Lost before the app starts: a deduction whose success answer nobody here reads. */
  const lostAnswer = { id: randomUUID(), productId: newProductId('T-rs-lost'), quantity: 3 };
  /** A restore that was applied, its answer lost: the row still says SENT. */
  const unanswered = { id: randomUUID(), productId: newProductId('T-rs-resend'), quantity: 2 };

  const config = loadOrderServiceConfig({
    ...process.env,
    LOG_LEVEL: 'warn',
    DB_DATABASE: ORDERS_DB,
    ...DB_ADMIN,
    JWT_JWKS: SIGNING_KEY.jwksJson,
    ORDER_KAFKA_GROUP_ID: `order-service-restores-${randomUUID()}`,
    ORDER_KAFKA_START_FROM: 'latest',
    // Resends come quickly: 500 ms, then doubling.
    ORDER_REPUBLISH_AFTER_MS: '500',
    ORDER_RELAY_INTERVAL_MS: '200',
    STOCK_RECONCILE_INTERVAL_MS: '0',
  });

  const stockOf = async (productId: string) => (await admin.get(productId)).stock;
  const restoreOf = async (id: string) => {
    const [row] = await db.query<{ restore: string | null; restore_attempts: number }[]>(
      'SELECT restore, restore_attempts FROM orders WHERE id = ?',
      [id],
    );
    return row;
  };
  const restorations = async (orderId: string) => {
    const [row] = await db.query<{ n: string | number }[]>(
      `SELECT COUNT(*) AS n FROM inventory_service.stock_movements
        WHERE order_id = ? AND kind = 'ORDER_RESTORATION'`,
      [orderId],
    );
    return Number(row?.n);
  };

  /**
   * Publishes until inventory-service has acted on it (it is idempotent per order id, as with
   * the relay): its consumer may not have joined the group when the first copy goes out.
   */
  async function publishUntil(publish: () => Promise<void>, done: () => Promise<boolean>) {
    await eventually(
      async () => {
        if (await done()) return true;
        await publish();
        return undefined;
      },
      45_000,
      1_000,
    );
  }

  beforeAll(async () => {
    // order-service's own MySQL user has rights on order_service only: this suite's database is
    // made, and used, by the server's administrator (root on a development box).
    const server = await mysql.createConnection({
      host: infra.DB_HOST,
      port: infra.DB_PORT,
      user: DB_ADMIN.DB_USERNAME,
      password: DB_ADMIN.DB_PASSWORD,
    });
    try {
      await server.query(`CREATE DATABASE IF NOT EXISTS ${ORDERS_DB}`);
    } finally {
      // Also when the query fails: an open connection would keep Jest from exiting.
      await server.end();
    }
    db = await openDatabase(databaseOptions(config, { entities: [], migrations }));
    const orders = new SqlOrdersRepository(db);

    inventory = await SpawnedService.start('inventory-service', inventoryEnv);
    admin = new InventoryAdmin(inventory.url);
    kafka = new KafkaClient({ clientId: 'restores-e2e', groupId: 'unused', topics: [] }, infra);
    const deduct = (o: typeof lostAnswer) =>
      kafka.publish(Topics.InventoryRequest, [
        {
          key: o.productId,
          value: {
            schemaVersion: 1,
            messageId: randomUUID(),
            orderId: o.id,
            userId: String(user),
            productId: o.productId,
            quantity: o.quantity,
            requestedAt: new Date().toISOString(),
          },
        },
      ]);

    for (const o of [lostAnswer, unanswered]) {
      await admin.create({ productId: o.productId, stock: 10 });
      // Stored as the hot path stores it; not due for republishing for an hour.
      const now = new Date();
      await orders.insertMany([
        {
          id: o.id,
          userId: String(user),
          productId: o.productId,
          quantity: o.quantity,
          unitPriceCents: 100,
          totalCents: 100 * o.quantity,
          idempotencyKey: null,
          requestId: null,
          createdAt: now,
          nextPublishAt: new Date(now.getTime() + 3_600_000),
        },
      ]);
      await publishUntil(
        () => deduct(o),
        async () => (await stockOf(o.productId)) === 10 - o.quantity,
      );
    }

    // `unanswered` was cancelled, its restore sent and applied, and the answer lost.
    await db.query(
      `UPDATE orders SET status = 'CANCELLED', stock_release = 'DONE', restore = 'SENT',
         restore_attempts = 1, next_restore_at = NOW(3) WHERE id = ?`,
      [unanswered.id],
    );
    await publishUntil(
      () =>
        kafka.publish(Topics.InventoryRestore, [
          {
            key: unanswered.productId,
            value: {
              schemaVersion: 1,
              messageId: randomUUID(),
              orderId: unanswered.id,
              productId: unanswered.productId,
              quantity: unanswered.quantity,
              requestedAt: new Date().toISOString(),
            },
          },
        ]),
      async () => (await stockOf(unanswered.productId)) === 10,
    );

    app = await createTestApp(AppModule.register(config, info), config, info);
    await app.get(KafkaConsumerService).whenConsuming();
  }, 180_000);

  afterAll(async () => {
    await app?.close();
    await kafka?.onApplicationShutdown();
    await inventory?.stop();
    await db?.destroy();
  });

  const http = () => request(app!.getHttpServer());

  it('resends a restore whose answer was lost until inventory-service answers; stock goes back once', async () => {
    const done = await eventually(
      async () => {
        const row = await restoreOf(unanswered.id);
        return row?.restore === 'DONE' ? row : undefined;
      },
      45_000,
      200,
    );
    // Sent once before this service started, resent at least once since.
    expect(done.restore_attempts).toBeGreaterThanOrEqual(2);
    // Applied twice (or more), added once.
    expect(await stockOf(unanswered.productId)).toBe(10);
    expect(await restorations(unanswered.id)).toBe(1);
  });

  it('restores an order cancelled while PENDING whose success answer was lost', async () => {
    expect((await restoreOf(lostAnswer.id))?.restore).toBeNull();
    const cancel = await http()
      .put(`/api/orders/${lostAnswer.id}/cancel`)
      .set('authorization', bearer(user));
    expect(cancel.status).toBe(200);
    expect(cancel.body).toMatchObject({ id: lostAnswer.id, status: 'CANCELLED' });
    await eventually(
      async () => ((await restoreOf(lostAnswer.id))?.restore === 'DONE' ? true : undefined),
      45_000,
      200,
    );
    expect(await stockOf(lostAnswer.productId)).toBe(10);
    expect(await restorations(lostAnswer.id)).toBe(1);
  });

  it('cancels a confirmed order: its restore is SENT, then DONE on the answer, stock back once', async () => {
    const productId = newProductId('T-rs-live');
    await admin.create({ productId, stock: 10 });
    const placed = await http()
      .post('/api/orders')
      .set('authorization', bearer(user))
      .send({ productId, quantity: 4 })
      .expect(201);
    const id = placed.body.id as string;
    await eventually(async () => {
      const res = await http().get(`/api/orders/${id}`).set('authorization', bearer(user));
      return res.body.status === 'CONFIRMED' ? true : undefined;
    }, 30_000);
    await http().put(`/api/orders/${id}/cancel`).set('authorization', bearer(user)).expect(200);
    await eventually(
      async () => ((await restoreOf(id))?.restore === 'DONE' ? true : undefined),
      45_000,
      200,
    );
    expect(await stockOf(productId)).toBe(10);
    expect(await restorations(id)).toBe(1);
  });

  it("sells a cancelled order's units again only once inventory-service has answered its restore", async () => {
    // Before, the units went back to Redis at cancel time: the next buyer got a 201 at once, and
    // if that order's deduction reached inventory-service before the restore, MySQL did not have
    // the units yet and it was refused, an accepted order ending FAILED (seen in a test that
    // raced cancels with new orders). Stopping inventory-service holds the restore back for as
    // long as the test needs.
    const productId = newProductId('T-rs-race');
    await admin.create({ productId, stock: 2 });
    const [first, second] = [newUserId(), newUserId()];
    const order = (buyer: number, quantity: number) =>
      http().post('/api/orders').set('authorization', bearer(buyer)).send({ productId, quantity });
    const statusOf = async (buyer: number, id: string) =>
      (await http().get(`/api/orders/${id}`).set('authorization', bearer(buyer))).body
        .status as string;
    const rowOf = async (id: string) => {
      const [row] = await db.query<{ stock_release: string | null; restore: string | null }[]>(
        'SELECT stock_release, restore FROM orders WHERE id = ?',
        [id],
      );
      return row;
    };

    const placed = await order(first, 2).expect(201);
    const id = placed.body.id as string;
    await eventually(async () => ((await statusOf(first, id)) === 'CONFIRMED' ? true : undefined));
    expect((await order(second, 1)).body.code).toBe('OUT_OF_STOCK');

    await inventory.stop();
    await http().put(`/api/orders/${id}/cancel`).set('authorization', bearer(first)).expect(200);
    await eventually(async () => ((await restoreOf(id))?.restore === 'SENT' ? true : undefined));
    // Not answered: MySQL may still hold the units, so Redis does too (the counter itself, not
    // only the sold-out mark, which lapses within the loop).
    const counter = () => app!.get(StockCountersStore).readCounter(productId);
    for (let attempt = 0; attempt < 12; attempt++) {
      expect(await counter()).toBe(0);
      const refused = await order(second, 1);
      expect({ status: refused.status, code: refused.body.code }).toEqual({
        status: 409,
        code: 'OUT_OF_STOCK',
      });
      await sleep(200);
    }
    expect(await rowOf(id)).toEqual({ stock_release: 'DUE', restore: 'SENT' });

    inventory = await SpawnedService.start('inventory-service', inventoryEnv);
    admin = new InventoryAdmin(inventory.url);
    await eventually(
      async () => {
        const row = await rowOf(id);
        return row?.restore === 'DONE' && row.stock_release === 'DONE' ? true : undefined;
      },
      45_000,
      200,
    );
    expect(await stockOf(productId)).toBe(2);
    expect(await counter()).toBe(2);
    const again = await order(second, 2).expect(201);
    const settled = await eventually(async () => {
      const status = await statusOf(second, again.body.id as string);
      return status === 'PENDING' ? undefined : status;
    }, 30_000);
    expect(settled).toBe('CONFIRMED');
    expect(await stockOf(productId)).toBe(0);
    expect(await restorations(id)).toBe(1);
  });
});
