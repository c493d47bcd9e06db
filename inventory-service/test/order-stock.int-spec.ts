import { randomUUID } from 'node:crypto';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { KafkaClient } from '@flash-sale/common';
import { eventually } from '@flash-sale/common/testing';
import {
  deadLetterTopicOf,
  InventoryFailureReason,
  KafkaHeaders,
  Topics,
  type InventoryRequest,
  type InventoryResponse,
  type InventoryRestoreResponse,
} from '@flash-sale/contracts';
import { Clock } from '../src/clock.js';
import type { InventoryResponsePublisher } from '../src/order-stock/inventory-response.publisher.js';
import { OrderStockRepository } from '../src/order-stock/order-stock.repository.js';
import { OrderStockService } from '../src/order-stock/order-stock.service.js';
import { ProductsService } from '../src/products/products.service.js';
import { DatabaseProbe } from './support/database.js';
import { inventoryRequest, inventoryRestore } from './support/messages.js';
import {
  removeTestProducts,
  startTestApp,
  uniqueProductId,
  whenKafkaReady,
} from './support/test-app.js';
import { TestPublisher } from './support/test-publisher.js';
import { TopicRecorder, type RecordedMessage } from './support/topic-recorder.js';

/**
 * The Kafka side of inventory-service against the real broker and database: the app runs
 * in-process with its real consumer (in a group of its own, from the newest offset), requests are
 * published to `inventory-request`, and outcomes are read back from `inventory-response`.
 * Other suites may use the same topics at the same time, so everything is filtered by this
 * run's own order and product ids.
 */
describe('inventory-service order stock over Kafka (integration)', () => {
  let app: NestFastifyApplication;
  let kafka: TestPublisher;
  let db: DatabaseProbe;
  let responses: TopicRecorder;
  let deadLetters: TopicRecorder;
  let restoreAnswers: TopicRecorder;
  const touched = new Set<string>();

  async function createProduct(stock: number, maxPerUser: number | null = null): Promise<string> {
    const productId = uniqueProductId('kafka');
    touched.add(productId);
    await app.get(ProductsService).create(
      { productId, name: 'Kafka test', priceCents: 100, stock, maxPerUser },
      {
        userId: '1',
      },
    );
    return productId;
  }

  async function publishRequests(requests: InventoryRequest[]): Promise<void> {
    await kafka.publish(Topics.InventoryRequest, requests, (value) => `req-${value.orderId}`);
  }

  /** Waits until every order has an answer; returns the answers per order (all of them). */
  async function answersFor(orderIds: string[], timeoutMs = 30_000) {
    const wanted = new Set(orderIds);
    const found = await eventually(() => {
      const byOrder = new Map<string, InventoryResponse[]>();
      for (const response of responses.values<InventoryResponse>((r) => wanted.has(r.orderId))) {
        byOrder.set(response.orderId, [...(byOrder.get(response.orderId) ?? []), response]);
      }
      return byOrder.size === wanted.size ? byOrder : undefined;
    }, timeoutMs);
    return found;
  }

  const answersOf = (orderId: string) =>
    responses.values<InventoryResponse>((r) => r.orderId === orderId);

  beforeAll(async () => {
    app = await startTestApp();
    await whenKafkaReady(app);
    const brokers = app.get(KafkaClient).brokers;
    kafka = new TestPublisher(brokers);
    db = new DatabaseProbe(app);
    responses = await TopicRecorder.start(Topics.InventoryResponse, brokers);
    deadLetters = await TopicRecorder.start(deadLetterTopicOf(Topics.InventoryRequest), brokers);
    restoreAnswers = await TopicRecorder.start(Topics.InventoryRestoreResponse, brokers);
    // The consumer fixes its start offsets shortly after joining: probe until it answers.
    await eventually(
      async () => {
        const probe = inventoryRequest(uniqueProductId('probe'));
        await publishRequests([probe]);
        await responses.waitFor(1, (r: InventoryResponse) => r.orderId === probe.orderId, 3_000);
        return true;
      },
      60_000,
      0,
    );
  }, 90_000);

  afterAll(async () => {
    await Promise.allSettled([
      responses?.close(),
      deadLetters?.close(),
      restoreAnswers?.close(),
      kafka?.close(),
    ]);
    if (app) await removeTestProducts(app, touched);
    await app?.close();
  });

  describe('inventory-request', () => {
    it('sells exactly 50 units to 200 concurrent requests, never going negative', async () => {
      const productId = await createProduct(50);
      const requests = Array.from({ length: 200 }, () => inventoryRequest(productId, 1));
      let lowest = Infinity;
      let sampling = true;
      const sampler = (async () => {
        while (sampling) {
          lowest = Math.min(lowest, (await db.stockOf(productId)) ?? Infinity);
          await new Promise((r) => setTimeout(r, 10));
        }
      })();

      await Promise.all(requests.map((request) => publishRequests([request])));
      const answers = await answersFor(requests.map((r) => r.orderId));
      sampling = false;
      await sampler;

      const outcomes = [...answers.values()].map((list) => list[0]);
      expect(outcomes.filter((o) => o.success)).toHaveLength(50);
      expect(outcomes.filter((o) => !o.success).map((o) => o.reason)).toEqual(
        Array(150).fill(InventoryFailureReason.InsufficientStock),
      );
      // A redelivery may answer an order twice, but always the same way.
      for (const list of answers.values()) {
        for (const answer of list) expect(answer).toEqual(list[0]);
      }
      expect(await db.stockOf(productId)).toBe(0);
      expect(lowest).toBeGreaterThanOrEqual(0);
      const deductions = (await db.movementsOf(productId)).filter(
        (m) => m.kind === 'ORDER_DEDUCTION',
      );
      expect(deductions).toHaveLength(50);
      expect(new Set(deductions.map((m) => m.orderId)).size).toBe(50);
    }, 60_000);

    it('with mixed quantities, sells at most the stock and refuses only what did not fit', async () => {
      const productId = await createProduct(50);
      const requests = Array.from({ length: 120 }, (_, i) =>
        inventoryRequest(productId, 1 + (i % 4)),
      );
      await Promise.all(requests.map((request) => publishRequests([request])));
      const answers = await answersFor(requests.map((r) => r.orderId));

      const outcomes = [...answers.values()].map((list) => list[0]);
      const sold = outcomes.filter((o) => o.success).reduce((sum, o) => sum + o.quantity, 0);
      const stock = await db.stockOf(productId);
      expect(sold).toBeLessThanOrEqual(50);
      expect(stock).toBe(50 - sold);
      // First come, first served: a request was refused only because less than it remained then,
      // and stock only went down since.
      const smallestRefused = Math.min(
        ...outcomes.filter((o) => !o.success).map((o) => o.quantity),
      );
      expect(stock).toBeLessThan(smallestRefused);
    }, 60_000);

    it('deducts once for a request published twice, answering both times identically', async () => {
      const productId = await createProduct(5);
      const request = inventoryRequest(productId, 2);
      await publishRequests([request]);
      await answersFor([request.orderId]);
      await publishRequests([request]);
      const answers = await eventually(() => {
        const found = answersOf(request.orderId);
        return found.length >= 2 ? found : undefined;
      });

      expect(answers[0]).toMatchObject({ success: true, quantity: 2, productId });
      expect(answers[1]).toEqual(answers[0]);
      expect(await db.stockOf(productId)).toBe(3);
      expect(
        (await db.movementsOf(productId)).filter((m) => m.orderId === request.orderId),
      ).toEqual([
        { kind: 'ORDER_DEDUCTION', delta: -2, orderId: request.orderId, actorUserId: null },
      ]);
    }, 60_000);

    it('deducts once for duplicates inside one batch', async () => {
      const productId = await createProduct(5);
      const request = inventoryRequest(productId, 1);
      await publishRequests([request, { ...request, messageId: randomUUID() }, request]);
      const answers = await eventually(() => {
        const found = answersOf(request.orderId);
        return found.length >= 3 ? found : undefined;
      });
      expect(new Set(answers.map((a) => JSON.stringify(a))).size).toBe(1);
      expect(await db.stockOf(productId)).toBe(4);
    }, 60_000);

    it('re-sends the recorded success even after the product sold out', async () => {
      const productId = await createProduct(1);
      const request = inventoryRequest(productId, 1);
      await publishRequests([request]);
      const [first] = (await answersFor([request.orderId])).get(request.orderId)!;
      expect(first).toMatchObject({ success: true });
      expect(await db.stockOf(productId)).toBe(0);

      await publishRequests([request]);
      const answers = await eventually(() => {
        const found = answersOf(request.orderId);
        return found.length >= 2 ? found : undefined;
      });
      expect(answers[1]).toEqual(first);
      expect(await db.stockOf(productId)).toBe(0);
    }, 60_000);

    it('answers PRODUCT_NOT_FOUND for an unknown product, and goes on', async () => {
      const missing = inventoryRequest(uniqueProductId('missing'), 1);
      const productId = await createProduct(3);
      const next = inventoryRequest(productId, 1);
      await publishRequests([missing]);
      await publishRequests([next]);
      const answers = await answersFor([missing.orderId, next.orderId]);
      expect(answers.get(missing.orderId)![0]).toEqual({
        schemaVersion: 1,
        orderId: missing.orderId,
        productId: missing.productId,
        quantity: 1,
        success: false,
        reason: InventoryFailureReason.ProductNotFound,
        processedAt: expect.any(String),
      });
      expect(answers.get(next.orderId)![0]).toMatchObject({ success: true });
    }, 60_000);

    it('answers keyed by product id, carrying the request id', async () => {
      const productId = await createProduct(3);
      const request = inventoryRequest(productId, 1);
      await publishRequests([request]);
      await answersFor([request.orderId]);
      const message = responses.messages.find((m) => m.value.includes(request.orderId))!;
      expect(message.key).toBe(productId);
      expect(message.headers.get(KafkaHeaders.RequestId)).toBe(`req-${request.orderId}`);
    }, 60_000);

    it('dead-letters a poison message and processes the next one', async () => {
      const productId = await createProduct(3);
      await kafka.publishRaw(Topics.InventoryRequest, productId, '{"orderId": "not json');
      await kafka.publishRaw(
        Topics.InventoryRequest,
        productId,
        JSON.stringify({ ...inventoryRequest(productId, 1), quantity: 0 }),
      );
      const next = inventoryRequest(productId, 2);
      await publishRequests([next]);

      const answers = await answersFor([next.orderId]);
      expect(answers.get(next.orderId)![0]).toMatchObject({ success: true, quantity: 2 });
      // Another instance of the service may be consuming too: count each poison message once.
      const letters = await eventually(() => {
        const bySource = new Map<string, RecordedMessage>();
        for (const letter of deadLetters.messages.filter((m) => m.key === productId)) {
          const source = `${letter.headers.get(KafkaHeaders.DeadLetterSourcePartition)}@${letter.headers.get(KafkaHeaders.DeadLetterSourceOffset)}`;
          if (!bySource.has(source)) bySource.set(source, letter);
        }
        return bySource.size >= 2 ? [...bySource.values()] : undefined;
      });
      expect(letters).toHaveLength(2);
      for (const letter of letters) {
        expect(letter.headers.get(KafkaHeaders.DeadLetterSourceTopic)).toBe(
          Topics.InventoryRequest,
        );
      }
      const errors = letters.map((l) => l.headers.get(KafkaHeaders.DeadLetterError)).sort();
      expect(errors).toEqual([
        expect.stringMatching(/quantity/),
        expect.stringMatching(/not JSON/),
      ]);
      expect(await db.stockOf(productId)).toBe(1);
    }, 60_000);

    it('handles a batch spanning several products, each on its own', async () => {
      const plenty = await createProduct(100);
      const soldOut = await createProduct(0);
      const few = await createProduct(4);
      const requests = [plenty, soldOut, few].flatMap((productId) =>
        Array.from({ length: 10 }, () => inventoryRequest(productId, 1)),
      );
      await publishRequests(requests);
      const answers = await answersFor(requests.map((r) => r.orderId));
      const successesOf = (productId: string) =>
        requests.filter((r) => r.productId === productId && answers.get(r.orderId)![0].success)
          .length;
      expect([successesOf(plenty), successesOf(soldOut), successesOf(few)]).toEqual([10, 0, 4]);
      expect([await db.stockOf(plenty), await db.stockOf(soldOut), await db.stockOf(few)]).toEqual([
        90, 0, 0,
      ]);
    }, 60_000);
  });

  describe('inventory-restore', () => {
    async function publishRestore(productId: string, quantity: number, orderId: string) {
      await kafka.publish(Topics.InventoryRestore, [
        inventoryRestore(productId, quantity, orderId),
      ]);
    }

    /** Waits until the restore consumer has handled this order. */
    async function restoreHandled(orderId: string) {
      return eventually(async () => {
        const row = await db.processedOrder(orderId);
        return row?.restored_at ? row : undefined;
      });
    }

    it('gives a deducted order its units back once, however often it is restored', async () => {
      const productId = await createProduct(10);
      const request = inventoryRequest(productId, 3);
      await publishRequests([request]);
      await answersFor([request.orderId]);
      expect(await db.stockOf(productId)).toBe(7);

      await publishRestore(productId, 3, request.orderId);
      await publishRestore(productId, 3, request.orderId);
      const row = await restoreHandled(request.orderId);
      expect(row).toMatchObject({ outcome: 'DEDUCTED', restored_quantity: 3 });
      // A sentinel on the same partition: once it is handled, so are both restores before it.
      const sentinel = randomUUID();
      await publishRestore(productId, 1, sentinel);
      await restoreHandled(sentinel);
      // Every copy is answered from the record, after the commit: both say RESTORED, 3 units.
      const answered = await restoreAnswers.waitFor(
        2,
        (a: InventoryRestoreResponse) => a.orderId === request.orderId,
      );
      expect(answered).toEqual([
        expect.objectContaining({ outcome: 'RESTORED', quantity: 3, restoredQuantity: 3 }),
        expect.objectContaining({ outcome: 'RESTORED', quantity: 3, restoredQuantity: 3 }),
      ]);

      expect(await db.stockOf(productId)).toBe(10);
      expect(
        (await db.movementsOf(productId))
          .filter((m) => m.orderId === request.orderId)
          .map((m) => [m.kind, m.delta]),
      ).toEqual([
        ['ORDER_DEDUCTION', -3],
        ['ORDER_RESTORATION', 3],
      ]);
    }, 60_000);

    it('gives nothing back for an order that was refused', async () => {
      const productId = await createProduct(1);
      const request = inventoryRequest(productId, 5);
      await publishRequests([request]);
      expect((await answersFor([request.orderId])).get(request.orderId)![0]).toMatchObject({
        success: false,
        reason: InventoryFailureReason.InsufficientStock,
      });
      await publishRestore(productId, 5, request.orderId);
      expect(await restoreHandled(request.orderId)).toMatchObject({ restored_quantity: 0 });
      expect(await db.stockOf(productId)).toBe(1);
      const [answer] = await restoreAnswers.waitFor(
        1,
        (a: InventoryRestoreResponse) => a.orderId === request.orderId,
      );
      expect(answer).toMatchObject({ outcome: 'NOT_DEDUCTED', restoredQuantity: 0 });
    }, 60_000);

    it('makes a request that arrives after its restore deduct nothing and answer nothing', async () => {
      const productId = await createProduct(5);
      const cancelled = inventoryRequest(productId, 2);
      await publishRestore(productId, 2, cancelled.orderId);
      expect(await restoreHandled(cancelled.orderId)).toMatchObject({ outcome: 'CANCELLED' });
      const [answer] = await restoreAnswers.waitFor(
        1,
        (a: InventoryRestoreResponse) => a.orderId === cancelled.orderId,
      );
      expect(answer).toMatchObject({ outcome: 'NOT_DEDUCTED', productId, quantity: 2 });

      const later = inventoryRequest(productId, 1);
      await publishRequests([cancelled]);
      await publishRequests([later]);
      // Same partition, so the cancelled request was handled before `later` was answered.
      await answersFor([later.orderId]);
      expect(answersOf(cancelled.orderId)).toEqual([]);
      expect(await db.stockOf(productId)).toBe(4);
    }, 60_000);

    it('gives nothing back when the product was deleted since, and goes on', async () => {
      const productId = await createProduct(5);
      const request = inventoryRequest(productId, 2);
      await publishRequests([request]);
      await answersFor([request.orderId]);
      await app.get(ProductsService).remove(productId, { userId: '1' });

      await publishRestore(productId, 2, request.orderId);
      expect(await restoreHandled(request.orderId)).toMatchObject({ restored_quantity: 0 });
      expect(await db.stockOf(productId)).toBeNull();
    }, 60_000);
  });

  describe('concurrent consumers (two instances during a rebalance)', () => {
    /** What the consumer does with a failed batch: retry it. */
    async function withRetry<T>(work: () => Promise<T>): Promise<T> {
      for (let attempt = 1; ; attempt++) {
        try {
          return await work();
        } catch (error) {
          if (attempt >= 10) throw error;
          await new Promise((r) => setTimeout(r, 20 * attempt));
        }
      }
    }

    it('never deducts twice, even when the same orders are processed in parallel', async () => {
      const productId = await createProduct(50);
      // The real repository on the real database; answers are kept here rather than published,
      // since overlapping sends on one idempotent @platformatic/kafka producer lose messages.
      const publisher = { publish: () => Promise.resolve() };
      const service = new OrderStockService(
        app.get(OrderStockRepository),
        publisher as unknown as InventoryResponsePublisher,
        new Clock(),
      );
      const requests = Array.from({ length: 120 }, () => inventoryRequest(productId, 1));
      const batches = [
        requests.slice(0, 60),
        requests.slice(60),
        requests.slice(30, 90), // overlaps both: duplicates racing their first processing
        [...requests].reverse().slice(0, 60),
      ];
      const results = await Promise.all(
        batches.map((batch) =>
          withRetry(() =>
            service.applyRequests(batch.map((value) => ({ value, requestId: undefined }))),
          ),
        ),
      );

      const outcomeOf = new Map<string, boolean>();
      for (const response of results.flat()) {
        const seen = outcomeOf.get(response.orderId);
        if (seen !== undefined) expect(response.success).toBe(seen);
        outcomeOf.set(response.orderId, response.success);
      }
      expect(outcomeOf.size).toBe(120);
      expect([...outcomeOf.values()].filter(Boolean)).toHaveLength(50);
      expect(await db.stockOf(productId)).toBe(0);
    }, 60_000);
  });

  describe('per-user cap at the stock of record', () => {
    /** What the consumer does with a failed batch (a deadlock, say): retry it. */
    async function withRetry<T>(work: () => Promise<T>): Promise<T> {
      for (let attempt = 1; ; attempt++) {
        try {
          return await work();
        } catch (error) {
          if (attempt >= 10) throw error;
          await new Promise((r) => setTimeout(r, 20 * attempt));
        }
      }
    }

    const localService = () =>
      new OrderStockService(
        app.get(OrderStockRepository),
        {
          publish: () => Promise.resolve(),
          publishRestoreAnswers: () => Promise.resolve(),
        } as unknown as InventoryResponsePublisher,
        new Clock(),
      );

    const buy = (productId: string, userId: string, quantity = 1, defaultMaxPerUser?: number) => ({
      ...inventoryRequest(productId, quantity),
      userId,
      ...(defaultMaxPerUser === undefined ? {} : { defaultMaxPerUser }),
    });

    /** A user's units of a product that MySQL holds as deducted and not restored. */
    async function heldInMysql(productId: string, userId: string): Promise<number> {
      const rows = await db.query<{ units: string | number | null }[]>(
        `SELECT SUM(quantity) AS units FROM processed_orders
          WHERE product_id = ? AND user_id = ? AND outcome = 'DEDUCTED'
            AND (restored_quantity IS NULL OR restored_quantity = 0)`,
        [productId, userId],
      );
      return Number(rows[0]?.units ?? 0);
    }

    async function countedInMysql(productId: string, userId: string): Promise<number> {
      const rows = await db.query<{ units: number }[]>(
        'SELECT units FROM user_product_units WHERE product_id = ? AND user_id = ?',
        [productId, userId],
      );
      return Number(rows[0]?.units ?? 0);
    }

    it("never lets one buyer's racing deductions take more than the cap, and restores give room back", async () => {
      const cap = 5;
      const productId = await createProduct(1_000, cap);
      const service = localService();
      const [alice, bob] = ['9100001', '9100002'];
      // 60 one-unit orders each, in 16 batches raced in parallel (several transactions at once,
      // several of one buyer's orders in one batch).
      const requests = Array.from({ length: 120 }, (_, i) => buy(productId, i % 2 ? bob : alice));
      const batches = Array.from({ length: 16 }, (_, b) =>
        requests.filter((_r, i) => i % 16 === b),
      );
      let highest = 0;
      let sampling = true;
      const sampler = (async () => {
        while (sampling) {
          highest = Math.max(highest, await heldInMysql(productId, alice));
          await new Promise((r) => setTimeout(r, 5));
        }
      })();
      const results = await Promise.all(
        batches.map((batch) =>
          withRetry(() =>
            service.applyRequests(batch.map((value) => ({ value, requestId: undefined }))),
          ),
        ),
      );
      sampling = false;
      await sampler;

      const answers = results.flat();
      expect(answers).toHaveLength(120);
      for (const userId of [alice, bob]) {
        const mine = answers.filter((a) =>
          requests.some((r) => r.orderId === a.orderId && r.userId === userId),
        );
        expect(mine.filter((a) => a.success)).toHaveLength(cap);
        expect(new Set(mine.filter((a) => !a.success).map((a) => a.reason))).toEqual(
          new Set([InventoryFailureReason.PurchaseLimitExceeded]),
        );
        expect(await heldInMysql(productId, userId)).toBe(cap);
        expect(await countedInMysql(productId, userId)).toBe(cap);
      }
      expect(highest).toBeLessThanOrEqual(cap);
      expect(await db.stockOf(productId)).toBe(1_000 - 2 * cap);

      // Two of alice's orders are cancelled: their units go back to her count, and exactly two
      // of her next orders (raced again, with restores of the same orders repeated) fit.
      const aliceDeducted = answers
        .filter((a) => a.success && requests.find((r) => r.orderId === a.orderId)?.userId === alice)
        .map((a) => a.orderId);
      const restores = aliceDeducted.slice(0, 2).map((id) => inventoryRestore(productId, 1, id));
      const again = Array.from({ length: 10 }, () => buy(productId, alice));
      const second = await Promise.all([
        ...restores.map((r) =>
          withRetry(() => service.applyRestores([{ value: r, requestId: undefined }])),
        ),
        withRetry(() =>
          service.applyRestores(restores.map((value) => ({ value, requestId: undefined }))),
        ),
      ]);
      expect(second.flatMap((s) => s.restored).sort()).toEqual(aliceDeducted.slice(0, 2).sort());
      expect(await countedInMysql(productId, alice)).toBe(cap - 2);
      const more = await Promise.all(
        again.map((value) =>
          withRetry(() => service.applyRequests([{ value, requestId: undefined }])),
        ),
      );
      expect(more.flat().filter((a) => a.success)).toHaveLength(2);
      expect(await heldInMysql(productId, alice)).toBe(cap);
      expect(await countedInMysql(productId, alice)).toBe(cap);
      expect(await db.stockOf(productId)).toBe(1_000 - 2 * cap);
    }, 60_000);

    it("holds the request's default cap over Kafka for a product without its own, and answers the new reason", async () => {
      const productId = await createProduct(100);
      const userId = '9100003';
      const first = [buy(productId, userId, 2, 3), buy(productId, userId, 2, 3)];
      await publishRequests(first);
      const answers = await answersFor(first.map((r) => r.orderId));
      const outcomes = first.map((r) => answers.get(r.orderId)?.[0]);
      expect(outcomes.map((o) => o?.success).sort()).toEqual([false, true]);
      expect(outcomes.find((o) => !o?.success)?.reason).toBe(
        InventoryFailureReason.PurchaseLimitExceeded,
      );
      // A request without the field (an older order-service) is not held to any cap here.
      const older = buy(productId, userId, 5);
      await publishRequests([older]);
      expect((await answersFor([older.orderId])).get(older.orderId)?.[0]).toMatchObject({
        success: true,
      });
      expect(await db.stockOf(productId)).toBe(93);
    }, 60_000);
  });

  describe('ledger', () => {
    it('equals the stock for every product these tests touched', async () => {
      expect(touched.size).toBeGreaterThan(10);
      await db.expectLedgerMatchesStock(touched);
    });
  });
});
