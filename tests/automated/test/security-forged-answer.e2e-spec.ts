import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { KafkaClient } from '@flash-sale/common';
import { deadLetterTopicOf, KafkaHeaders, Topics } from '@flash-sale/contracts';
import mysql from 'mysql2/promise';
import { createUser, getOrder, uniqueProductId, type TestUser } from './support/fixtures.js';
import { kafkaProducer, TopicRecorder } from './support/kafka.js';

/** order-service's database (where the services started by the global set-up keep it). */
const ORDER_DB = process.env.ORDER_DB_DATABASE ?? 'order_service';

/**
 * Someone who can write to `inventory-response` forges an answer: success, for an order that
 * inventory-service never deducted, with a quantity that is not the order's. order-service checks
 * every answer against its order, so the order stays PENDING and the answer is dead-lettered with
 * the reason.
 *
 * The order is stored as order-service stores one (PENDING, its request not yet due for
 * republishing), but its request is never sent: inventory-service's real answer would settle it,
 * and the point is what a forged answer alone does. The test's producer is the services' own,
 * built from the same configuration, so it connects (and authenticates) as they do.
 */
describe('security: a forged inventory answer', () => {
  let buyer: TestUser;
  let db: mysql.Pool;
  let kafka: KafkaClient;
  let deadLetters: TopicRecorder;
  const orderId = randomUUID();
  const productId = uniqueProductId();

  beforeAll(async () => {
    buyer = await createUser();
    db = mysql.createPool({
      host: process.env.DB_HOST ?? '127.0.0.1',
      port: Number(process.env.DB_PORT ?? 3306),
      user: process.env.DB_USERNAME ?? 'root',
      password: process.env.DB_PASSWORD ?? '',
      database: ORDER_DB,
      timezone: 'Z',
      connectionLimit: 1,
    });
    const now = new Date();
    await db.query(
      `INSERT INTO orders (id, user_id, product_id, quantity, unit_price_cents, total_cents, status,
         next_publish_at, created_at, updated_at)
       VALUES (?, ?, ?, 2, 500, 1000, 'PENDING', ?, ?, ?)`,
      [orderId, buyer.id, productId, new Date(now.getTime() + 3_600_000), now, now],
    );
    kafka = kafkaProducer('automated-tests-forger');
    deadLetters = await TopicRecorder.start(deadLetterTopicOf(Topics.InventoryResponse));
  });

  afterAll(async () => {
    await deadLetters?.close();
    await kafka?.onApplicationShutdown();
    await db?.query('DELETE FROM orders WHERE id = ?', [orderId]);
    await db?.end();
  });

  it('with a wrong quantity is dead-lettered with the reason, and the order stays PENDING', async () => {
    const before = await getOrder(buyer.token, orderId);
    expect(before.status).toBe(200);
    expect(before.body).toMatchObject({ id: orderId, status: 'PENDING', quantity: 2 });

    await kafka.publish(Topics.InventoryResponse, [
      {
        key: productId,
        requestId: `forged-${randomUUID()}`,
        value: {
          schemaVersion: 1,
          orderId,
          productId,
          quantity: 200,
          success: true,
          processedAt: new Date().toISOString(),
        },
      },
    ]);

    // order-service dead-letters the answer after applying its batch, so once the letter is
    // there the answer has been through the check.
    const letter = await deadLetters.waitFor((m) => m.value.includes(orderId), 30_000);
    expect(JSON.parse(letter.value)).toMatchObject({ orderId, quantity: 200, success: true });
    expect(letter.headers.get(KafkaHeaders.DeadLetterSourceTopic)).toBe(Topics.InventoryResponse);
    expect(letter.headers.get(KafkaHeaders.DeadLetterError)).toBe(
      `order ${orderId} is 2 x ${productId}; the answer names 200 x ${productId}`,
    );

    const after = await getOrder(buyer.token, orderId);
    expect(after.body).toMatchObject({ id: orderId, status: 'PENDING' });
  });
});
