import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { jest } from '@jest/globals';
import { eventually } from '@flash-sale/common/testing';
import { Role } from '@flash-sale/contracts';
import { StockKeys } from '../src/stock/stock-keys.js';
import { sleep, streamOrders } from './support/order-stream.js';
import { OrdersDb } from './support/orders-db.js';
import { bearer, infra, InventoryAdmin, newProductId, SpawnedService } from './support/stack.js';
import { ThrowawayRedis } from './support/throwaway-redis.js';

/**
 * The manual repair (POST /api/stock/reconcile?repair=true and scripts/init-redis-stock.js) run
 * again and again while buyers order little stock, inventory-service deducts and answers, buyers
 * cancel: with answers in transit at every pass, exactly when "MySQL stock - PENDING orders"
 * subtracts deductions twice.
 *
 * The periodic reconciler is off (STOCK_RECONCILE_INTERVAL_MS=0), so nothing heals a wrong repair
 * behind the test's back. Checked against MySQL and Redis:
 * - nothing oversold, and no accepted order FAILED (a repair that set Redis too high would sell
 *   units MySQL does not have, and those orders would fail);
 * - once settled, a last repair finds nothing to change, and Redis = MySQL stock exactly (a repair
 *   that subtracted a deduction twice during the sale would have left the counter lower: nothing
 *   else raises it, and the last repair would report 'repaired').
 *
 * Ports: E2E_PORT_BASE (services on base+1, base+2) and THROWAWAY_REDIS_PORT when set.
 */
jest.setTimeout(180_000);

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const portBase = Number(process.env.E2E_PORT_BASE ?? 0);
const port = (offset: number): Record<string, string> =>
  portBase > 0 ? { PORT: String(portBase + offset) } : {};

describe('repair during a sale (e2e, real stack)', () => {
  let redis: ThrowawayRedis;
  let inventory: SpawnedService;
  let orders: SpawnedService;
  let admin: InventoryAdmin;
  let db: OrdersDb;
  let redisEnv: Record<string, string>;
  let orderEnv: Record<string, string>;

  beforeAll(async () => {
    const redisPort = process.env.THROWAWAY_REDIS_PORT;
    redis = await ThrowawayRedis.start(redisPort ? Number(redisPort) : undefined);
    redisEnv = { REDIS_HOST: '127.0.0.1', REDIS_PORT: String(redis.port) };
    inventory = await SpawnedService.start('inventory-service', { ...redisEnv, ...port(1) });
    admin = new InventoryAdmin(inventory.url);
    orderEnv = {
      ...redisEnv,
      INVENTORY_SERVICE_URL: inventory.url,
      ORDER_KAFKA_GROUP_ID: `order-service-reconcile-${randomUUID()}`,
      ORDER_KAFKA_START_FROM: 'latest',
      STOCK_RECONCILE_INTERVAL_MS: '0',
      // Passes that meet a counter not marked ready (products of other suites sharing the
      // inventory database) wait this long; short, so the repairs interleave densely.
      STOCK_REBUILD_GRACE_MS: '100',
      ORDER_DEFAULT_MAX_PER_USER: '0',
      RATE_LIMIT_ORDERS_PER_USER: 'off',
      RATE_LIMIT_ORDERS_PER_ADDRESS: 'off',
    };
    orders = await SpawnedService.start('order-service', { ...orderEnv, ...port(2) });
    db = new OrdersDb();
    await eventually(
      async () => ((await redis.client.exists(StockKeys.catalogueLoaded)) ? true : undefined),
      30_000,
      200,
    );
  }, 120_000);

  afterAll(async () => {
    await orders?.stop();
    await inventory?.stop();
    await redis?.stop();
    await db?.close();
  });

  /** The endpoint's repair; null when another pass held the lock the whole wait (503). */
  async function repairByEndpoint(): Promise<{ action: string; productId: string }[] | null> {
    const res = await fetch(`${orders.url}/api/stock/reconcile?repair=true`, {
      method: 'POST',
      headers: { authorization: bearer(1, Role.Admin) },
    });
    if (res.status === 503) return null;
    expect(res.status).toBe(200);
    return (await res.json()) as { action: string; productId: string }[];
  }

  /** The script's repair: its exit code (0 done, 1 something moved meanwhile, 2 lock held). */
  async function repairByScript(): Promise<number> {
    try {
      const { stdout } = await run(process.execPath, ['scripts/init-redis-stock.js'], {
        cwd: ROOT,
        env: {
          PATH: process.env.PATH ?? '',
          ...redisEnv,
          INVENTORY_SERVICE_URL: inventory.url,
          DB_HOST: infra.DB_HOST,
          DB_PORT: String(infra.DB_PORT),
        },
      });
      if (process.env.RECONCILE_E2E_VERBOSE) process.stderr.write(stdout);
      return 0;
    } catch (error) {
      if (process.env.RECONCILE_E2E_VERBOSE) {
        const { stdout, stderr } = error as { stdout?: string; stderr?: string };
        process.stderr.write(`${stdout}${stderr}`);
      }
      const code = (error as { code?: number }).code;
      if (code === 1 || code === 2) return code;
      throw error;
    }
  }

  const counter = async (productId: string) =>
    Number(await redis.client.get(StockKeys.stock(productId)));

  /**
   * A sale of `initial` units with the repair run again and again until sold out and repaired a
   * dozen times; with `cancels`, buyers also cancel PENDING orders meanwhile.
   */
  async function saleWithRepairs(initial: number, cancelling: boolean) {
    const productId = newProductId('T-os-repair-sale');
    await admin.create({ productId, stock: initial });
    await eventually(async () => ((await counter(productId)) === initial ? true : undefined));

    let stop = false;
    const stream = streamOrders({
      url: () => orders.url,
      productId,
      workers: 8,
      stop: () => stop,
      quantity: (i) => 1 + (i % 3),
      // Spread the sale over many repair passes.
      pauseMs: 40,
    });
    // Buyers cancel some accepted orders while the sale goes on (give-backs and restores).
    const cancels = (async () => {
      let cancelled = 0;
      while (cancelling && !stop) {
        await sleep(150);
        const [order] = await db.latestOrders(productId, 1, 'PENDING');
        if (!order) continue;
        const res = await fetch(`${orders.url}/api/orders/${order.id}/cancel`, {
          method: 'PUT',
          headers: { authorization: bearer(order.userId) },
        });
        if (res.status === 200) cancelled += 1;
      }
      return cancelled;
    })();
    let endpointRepairs = 0;
    let scriptRepairs = 0;
    const repairs = (async () => {
      for (let i = 0; !stop; i += 1) {
        if (i % 4 === 3) {
          if ((await repairByScript()) !== 2) scriptRepairs += 1;
        } else if ((await repairByEndpoint()) !== null) {
          endpointRepairs += 1;
        }
      }
    })();
    // Until sold out and repaired a dozen times: the repairs interleave with every stage of the
    // orders (reserved, recorded, deducted, answered, cancelled, given back, restored).
    await eventually(
      async () =>
        (await counter(productId)) === 0 && endpointRepairs + scriptRepairs >= 12
          ? true
          : undefined,
      90_000,
      100,
    );
    stop = true;
    const result = await stream;
    const cancelled = await cancels;
    await repairs;

    for (const status of result.statuses.keys()) expect([201, 409]).toContain(status);
    expect(scriptRepairs).toBeGreaterThan(0);
    await eventually(
      async () => ((await db.unsettled(productId)) === 0 ? true : undefined),
      60_000,
      500,
    );
    // One more repair once quiet: it must find nothing to change.
    const final = await repairByEndpoint();
    expect(final?.find((r) => r.productId === productId)).toMatchObject({ action: 'none' });

    const counts = await db.statusCounts(productId);
    const confirmed = counts.CONFIRMED?.units ?? 0;
    const mysql = (await admin.get(productId)).stock;
    expect(confirmed).toBeLessThanOrEqual(initial);
    expect(mysql).toBe(initial - confirmed);
    expect(await counter(productId)).toBe(mysql);
    process.stderr.write(
      `reconcile-during-sale: ${endpointRepairs} endpoint + ${scriptRepairs} script repairs, ` +
        `${cancelled} cancels, orders ${JSON.stringify(counts)}, MySQL ${mysql}\n`,
    );
    return { counts, cancelled };
  }

  it('repairs again and again while buyers order and answers flow: never oversells, never double-subtracts', async () => {
    const { counts } = await saleWithRepairs(300, false);
    // Redis never promised a unit MySQL did not have.
    expect(counts.FAILED).toBeUndefined();
  });

  it('repairs again and again while buyers also cancel: nothing oversold, no accepted order FAILED, Redis = MySQL once settled', async () => {
    const { counts, cancelled } = await saleWithRepairs(300, true);
    expect(cancelled).toBeGreaterThan(0);
    // A cancelled order's units go back to Redis only once inventory-service has answered its
    // restore, so an order that takes them finds them in MySQL too.
    expect(counts.FAILED).toBeUndefined();
  });

  it('leaves alone a deduction whose answer is still on its way (never subtracts it twice)', async () => {
    // The one interleaving the sale above only meets by chance, held still: inventory-service has
    // deducted the order, the order is still PENDING (no order-service reads the answer: the
    // only one died right after publishing), its reservation still in Redis. MySQL stock already
    // lacks the units; "MySQL stock - PENDING orders" would take them off a second time.
    const productId = newProductId('T-os-repair-held');
    await admin.create({ productId, stock: 10 });
    await eventually(async () => ((await counter(productId)) === 10 ? true : undefined));
    await orders.stop();
    const doomed = await SpawnedService.start('order-service', {
      ...orderEnv,
      ...port(2),
      ORDER_FAILPOINT: 'after-publish',
      ORDER_FAILPOINT_SKIP: '0',
    });
    // The process may die before or after it answers: the order row is what counts.
    await fetch(`${doomed.url}/api/orders`, {
      method: 'POST',
      headers: { authorization: bearer(7), 'content-type': 'application/json' },
      body: JSON.stringify({ productId, quantity: 3 }),
    }).catch(() => undefined);
    expect((await doomed.exited).signal).toBe('SIGKILL');
    const [order] = await db.latestOrders(productId, 1, 'PENDING');
    expect(order).toBeDefined();
    await eventually(async () => ((await admin.get(productId)).stock === 7 ? true : undefined));
    expect(await counter(productId)).toBe(7);
    expect(await redis.client.hexists(StockKeys.reservations(productId), order.id)).toBe(1);

    // Exit 2 while the dead instance's reconciler lock runs out.
    await eventually(async () => ((await repairByScript()) === 0 ? true : undefined), 30_000, 500);
    expect(await counter(productId)).toBe(7);

    // Back up: it reads the answer it missed, and a last repair finds nothing to change.
    orders = await SpawnedService.start('order-service', { ...orderEnv, ...port(2) });
    await eventually(
      async () =>
        (await db.statuses([order.id])).get(order.id) === 'CONFIRMED' ? true : undefined,
      60_000,
      200,
    );
    const final = await repairByEndpoint();
    expect(final?.find((r) => r.productId === productId)).toMatchObject({ action: 'none' });
    expect({
      counter: await counter(productId),
      mysql: (await admin.get(productId)).stock,
    }).toEqual({ counter: 7, mysql: 7 });
  });
});
