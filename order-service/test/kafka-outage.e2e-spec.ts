import { jest } from '@jest/globals';
import { eventually } from '@flash-sale/common/testing';
import { sleep, streamOrders, type StreamResult } from './support/order-stream.js';
import { OrdersDb } from './support/orders-db.js';
import {
  bearer,
  InventoryAdmin,
  newProductId,
  newUserId,
  SpawnedService,
} from './support/stack.js';
import { ThrowawayKafka } from './support/throwaway-kafka.js';

/**
 * Kafka freezes (SIGSTOP of a broker of this test's own) during a sale: orders keep being accepted
 * (the orders table is the outbox), an order-service restarted meanwhile takes orders as soon as
 * it reports ready, and once the broker is back every accepted order settles.
 */
jest.setTimeout(120_000);

const INITIAL_STOCK = 100_000;
/** How long the broker stays frozen. */
const OUTAGE_MS = 22_000;

describe('Kafka outage (e2e, real stack, throwaway broker)', () => {
  let kafka: ThrowawayKafka;
  let inventory: SpawnedService;
  let orders: SpawnedService;
  let admin: InventoryAdmin;
  let db: OrdersDb;
  let orderEnv: Record<string, string>;

  beforeAll(async () => {
    // The services do not wait for Kafka to start: they start alongside the broker.
    const kafkaPort = await ThrowawayKafka.choosePort();
    const kafkaEnv = { KAFKA_BROKER: `127.0.0.1:${kafkaPort}`, KAFKA_TOPIC_PARTITIONS: '3' };
    // allSettled, not all: whichever starts must be kept for afterAll to stop, even when the other
    // fails (a process left running would keep Jest from ever exiting).
    const [broker, inventoryStart] = await Promise.allSettled([
      ThrowawayKafka.start(kafkaPort),
      SpawnedService.start('inventory-service', kafkaEnv, 90_000, 'ready'),
    ]);
    if (broker.status === 'fulfilled') kafka = broker.value;
    if (inventoryStart.status === 'fulfilled') inventory = inventoryStart.value;
    if (broker.status === 'rejected') throw broker.reason;
    if (inventoryStart.status === 'rejected') throw inventoryStart.reason;
    admin = new InventoryAdmin(inventory.url);
    orderEnv = {
      ...kafkaEnv,
      INVENTORY_SERVICE_URL: inventory.url,
      ORDER_REPUBLISH_AFTER_MS: '2000',
      ORDER_RELAY_INTERVAL_MS: '500',
      // A few buyers order again and again through the outage: neither the default per-user cap
      // nor the order rate limit is what this suite is about.
      ORDER_DEFAULT_MAX_PER_USER: '0',
      RATE_LIMIT_ORDERS_PER_USER: 'off',
      RATE_LIMIT_ORDERS_PER_ADDRESS: 'off',
    };
    orders = await SpawnedService.start('order-service', orderEnv, 90_000);
    db = new OrdersDb();
  }, 240_000);

  afterAll(async () => {
    kafka?.resume();
    await orders?.stop();
    await inventory?.stop();
    await kafka?.stop();
    await db?.close();
  });

  it('accepts every order while the broker is frozen, across a restart, and settles them after', async () => {
    const productId = newProductId('T-os-kafka-out');
    await admin.create({ productId, stock: INITIAL_STOCK });
    // The Kafka path works before the outage: an order is confirmed.
    const before = await placeOrder(orders.url, productId);
    expect(before.status).toBe(201);
    await eventually(
      async () =>
        (await db.statuses([before.id])).get(before.id) === 'CONFIRMED' ? true : undefined,
      30_000,
      200,
    );

    kafka.pause();
    const pausedAt = Date.now();
    let stop = false;
    let restarting = false;
    const stream = streamOrders({
      url: () => orders.url,
      productId,
      workers: 4,
      stop: () => stop || restarting,
      pauseMs: 20,
    });

    // A few seconds into the outage, order-service restarts (graceful stop, then a new process)
    // and must take orders as soon as it reports ready, Kafka still frozen.
    await sleep(5_000);
    restarting = true;
    const beforeRestart = await stream;
    const stopStartedAt = Date.now();
    await orders.stop();
    const stoppedIn = Date.now() - stopStartedAt;
    orders = await SpawnedService.start('order-service', orderEnv, 90_000, 'ready');
    const firstAfterRestart = await placeOrder(orders.url, productId);
    expect(firstAfterRestart.status).toBe(201);
    restarting = false;
    const afterRestart = streamOrders({
      url: () => orders.url,
      productId,
      workers: 4,
      stop: () => stop,
      pauseMs: 20,
    });
    await sleep(Math.max(3_000, OUTAGE_MS - (Date.now() - pausedAt)));
    stop = true;
    const duringRest = await afterRestart;
    const outageMs = Date.now() - pausedAt;
    kafka.resume();

    // While the broker was frozen, every answer was 201: no 503, nothing else.
    for (const result of [beforeRestart, duringRest]) {
      expect(Object.fromEntries(result.statuses)).toEqual({ 201: result.accepted.length });
      expect(result.accepted.length).toBeGreaterThan(0);
    }
    expect(outageMs).toBeGreaterThanOrEqual(20_000);
    // A frozen broker does not hold the shutdown for its timeouts (stop() kills at 15 s).
    expect(stoppedIn).toBeLessThan(14_000);
    const accepted = [before, firstAfterRestart, ...all(beforeRestart, duringRest)].map(
      (o) => o.id,
    );
    process.stderr.write(
      `kafka-outage: ${accepted.length} orders accepted, ${outageMs} ms frozen, ` +
        `graceful stop took ${stoppedIn} ms\n`,
    );

    // The broker is back: the relay republishes, inventory answers, everything settles.
    const healedAt = Date.now();
    await eventually(
      async () => {
        const statuses = await db.statuses(accepted);
        return [...statuses.values()].every((s) => s === 'CONFIRMED') &&
          statuses.size === accepted.length
          ? true
          : undefined;
      },
      60_000,
      500,
    );
    process.stderr.write(`kafka-outage: all settled ${Date.now() - healedAt} ms after the heal\n`);
    expect(await db.unsettled(productId)).toBe(0);
    expect((await admin.get(productId)).stock).toBe(INITIAL_STOCK - accepted.length);
  });
});

function all(...results: StreamResult[]) {
  return results.flatMap((r) => r.accepted);
}

async function placeOrder(url: string, productId: string): Promise<{ status: number; id: string }> {
  const res = await fetch(`${url}/api/orders`, {
    method: 'POST',
    headers: { authorization: bearer(newUserId()), 'content-type': 'application/json' },
    body: JSON.stringify({ productId, quantity: 1 }),
    signal: AbortSignal.timeout(10_000),
  });
  const body = (await res.json()) as { id?: string };
  return { status: res.status, id: body.id ?? '' };
}
