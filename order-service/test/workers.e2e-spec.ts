import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { connect } from 'node:net';
import { jest } from '@jest/globals';
import { eventually } from '@flash-sale/common/testing';
import { Redis } from 'ioredis';
import { StockKeys } from '../src/stock/stock-keys.js';
import { streamOrders } from './support/order-stream.js';
import { OrdersDb } from './support/orders-db.js';
import { infra, InventoryAdmin, newProductId, SpawnedService } from './support/stack.js';

/**
 * WEB_CONCURRENCY=2 (e2e, real stack): order-service started from its build as a primary and two
 * workers. Both workers answer on the one port; a worker killed with SIGKILL while buyers order is
 * replaced; every accepted order settles and the stock adds up in MySQL and Redis; SIGTERM to the
 * primary drains both workers and it exits 0.
 */
// Two Nest applications start at once: on a 2-core machine shared with other test runs that took
// up to a minute; waits are on conditions, these are only the outer bounds.
jest.setTimeout(180_000);

const INITIAL_STOCK = 5_000;

/** The pool's workers: the primary's child processes (Linux /proc). */
function workerPids(primary: number): number[] {
  const children = readFileSync(`/proc/${primary}/task/${primary}/children`, 'utf8');
  return children.trim().split(/\s+/).filter(Boolean).map(Number);
}

/** The inode of the server-side socket of the connection from `clientPort` to `serverPort`. */
function serverSocketInode(serverPort: number, clientPort: number): string | undefined {
  const hex = (port: number) => `:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of readFileSync(table, 'utf8').split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      if (fields[1]?.endsWith(hex(serverPort)) && fields[2]?.endsWith(hex(clientPort))) {
        return fields[9];
      }
    }
  }
  return undefined;
}

/** Which of `pids` holds the socket with `inode`. */
function ownerOf(inode: string, pids: number[]): number | undefined {
  return pids.find((pid) => {
    try {
      return readdirSync(`/proc/${pid}/fd`).some((fd) => {
        try {
          return readlinkSync(`/proc/${pid}/fd/${fd}`) === `socket:[${inode}]`;
        } catch {
          return false;
        }
      });
    } catch {
      return false;
    }
  });
}

/**
 * Opens a connection, has it answer one request, and says which process served it (the primary
 * hands each new connection to the next worker).
 */
function servedBy(port: number, pids: number[]): Promise<number | undefined> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('error', reject);
    socket.once('connect', () =>
      socket.write(`GET /api/health/live HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`),
    );
    socket.once('data', (chunk: Buffer) => {
      const inode = socket.localPort ? serverSocketInode(port, socket.localPort) : undefined;
      const owner = inode === undefined ? undefined : ownerOf(inode, pids);
      socket.destroy();
      if (!chunk.toString().startsWith('HTTP/1.1 200')) {
        reject(new Error(`not 200: ${chunk.toString().split('\r\n')[0]}`));
      } else {
        resolve(owner);
      }
    });
  });
}

async function answeringWorkers(port: number, pids: number[], connections = 8) {
  const seen = new Set<number | undefined>();
  for (let i = 0; i < connections; i++) seen.add(await servedBy(port, pids));
  return seen;
}

describe('order-service with WEB_CONCURRENCY=2 (e2e, real stack)', () => {
  let inventory: SpawnedService;
  let orderService: SpawnedService | undefined;
  let db: OrdersDb;
  let redis: Redis;

  beforeAll(async () => {
    inventory = await SpawnedService.start('inventory-service', {}, 90_000);
    db = new OrdersDb();
    redis = new Redis({ host: infra.REDIS_HOST, port: infra.REDIS_PORT });
  }, 120_000);

  afterAll(async () => {
    await orderService?.stop('SIGKILL');
    await inventory?.stop();
    await db?.close();
    await redis?.quit();
  });

  it('serves from both workers, replaces a killed one mid-sale, settles every order and drains on SIGTERM', async () => {
    const admin = new InventoryAdmin(inventory.url);
    const productId = newProductId('T-os-workers');
    await admin.create({ productId, stock: INITIAL_STOCK });
    orderService = await SpawnedService.start(
      'order-service',
      {
        WEB_CONCURRENCY: '2',
        INVENTORY_SERVICE_URL: inventory.url,
        ORDER_KAFKA_GROUP_ID: `order-service-workers-${randomUUID()}`,
        ORDER_KAFKA_START_FROM: 'latest',
        ORDER_RESERVATION_TIMEOUT_MS: '3000',
        ORDER_REPUBLISH_AFTER_MS: '2000',
        ORDER_DEFAULT_MAX_PER_USER: '0',
        RATE_LIMIT_ORDERS_PER_USER: 'off',
        RATE_LIMIT_ORDERS_PER_ADDRESS: 'off',
        ORDER_RELAY_INTERVAL_MS: '500',
        // The primary's worker deaths are warnings; request lines would crowd them out of the logs kept.
        LOG_LEVEL: 'warn',
      },
      120_000,
    );
    const service = orderService;
    const primary = service.pid!;
    const port = Number(new URL(service.url).port);

    // Ready means one worker answered; wait until both have started listening.
    const initial = await eventually(async () => {
      const pids = workerPids(primary);
      if (pids.length !== 2) return undefined;
      const seen = await answeringWorkers(port, pids);
      return seen.size === 2 && !seen.has(undefined) ? pids : undefined;
    }, 45_000);
    const [killed, survivor] = initial as [number, number];

    // Buyers order through the whole episode; one worker dies under them.
    let stopOrdering = false;
    const duringKill = streamOrders({
      url: () => service.url,
      productId,
      workers: 4,
      stop: () => stopOrdering,
      pauseMs: 50,
    });
    await new Promise((r) => setTimeout(r, 1_000));
    process.kill(killed, 'SIGKILL');
    const replacement = await eventually(async () => {
      const fresh = workerPids(primary).filter((pid) => pid !== survivor && pid !== killed);
      if (fresh.length !== 1) return undefined;
      const seen = await answeringWorkers(port, [survivor, fresh[0]]);
      return seen.size === 2 && !seen.has(undefined) ? fresh[0] : undefined;
    }, 45_000);
    stopOrdering = true;
    expect(workerPids(primary).sort()).toEqual([survivor, replacement].sort());
    expect(service.logs).toContain(`worker ${killed} exited (signal SIGKILL)`);

    // And a few more orders through the renewed pool.
    const afterStarted = Date.now();
    const afterReplacement = streamOrders({
      url: () => service.url,
      productId,
      workers: 4,
      stop: () => afterStarted + 2_000 < Date.now(),
      pauseMs: 50,
    });
    const first = await duringKill;
    const second = await afterReplacement;
    expect(second.accepted.length).toBeGreaterThan(0);
    expect(second.statuses.get(0) ?? 0).toBe(0); // no refused connection once replaced
    const accepted = [...first.accepted, ...second.accepted];

    // One scrape covers the pool: the primary aggregates what the workers count.
    const metrics = await fetch(`${service.url}/api/metrics`);
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toMatch(/^orders_placed_total\{.*result="accepted".*\} \d+/m);

    // Quiet: nothing pending, no reservation left (the killed worker's are swept back).
    await eventually(
      async () => {
        const unsettled = await db.unsettled(productId);
        const reservations = await redis.hlen(StockKeys.reservations(productId));
        return unsettled === 0 && reservations === 0 ? true : undefined;
      },
      40_000,
      500,
    );
    const statuses = await db.statuses(accepted.map((a) => a.id));
    for (const { id } of accepted) expect(statuses.get(id)).toBe('CONFIRMED');
    const counts = await db.statusCounts(productId);
    const confirmed = counts.CONFIRMED?.units ?? 0;
    const counter = Number(await redis.get(StockKeys.stock(productId)));
    expect(confirmed + counter).toBe(INITIAL_STOCK);
    expect((await admin.get(productId)).stock).toBe(INITIAL_STOCK - confirmed);

    // SIGTERM to the primary: both workers drain, then it exits 0 and leaves none behind.
    await service.stop('SIGTERM');
    expect(await service.exited).toEqual({ code: 0, signal: null });
    for (const pid of [survivor, replacement]) expect(alive(pid)).toBe(false);
  });
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
