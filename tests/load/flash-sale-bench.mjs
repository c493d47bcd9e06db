#!/usr/bin/env node
// The flash-sale benchmark (`npm run bench`). See tests/load/README.md for what it measures.
//
// 1. Finds the three services (or starts them), logs in as admin, registers N buyers.
// 2. Floors, on this machine, same connections and duration as the order phase: a bare Fastify
//    hello-world, and a bare Fastify route running order-service's reserve-stock.lua.
// 3. Warm-up on a throw-away product, then a fresh product with STOCK units: POST /api/orders with
//    the buyers' tokens in turn until the stock is gone (the order phase), then the same requests
//    for a fixed time against the sold-out product (the sold-out phase) while the accepted orders
//    settle through Kafka and inventory-service.
// 4. Waits for settlement, reads order_service.orders (MySQL, read-only), the Redis counter and
//    inventory-service's stock: settle latency, oversold and leaked units.
// 5. Prints a summary with PASS/MISS per target and writes <out>/flash-sale-<time>.json and
//    <out>/README.md. RSS and CPU of every service (and Redis, MariaDB, Kafka) are sampled from
//    /proc throughout.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { runSaleAudit, saleAuditConnectionFromEnv } from '@flash-sale/common/audit';
import { Redis } from 'ioredis';
import mysql from 'mysql2/promise';
import { benchCharts, histogram } from './lib/charts.mjs';
import { rotatingRequests, runLoad } from './lib/load.mjs';
import { parseOptions, USAGE } from './lib/options.mjs';
import { cpuCostPerAnswer } from './lib/cpu-cost.mjs';
import { flameGraphSvg, topSelfTime } from './lib/flame.mjs';
import { cpuOfAllProcesses, pidListeningOn, ResourceSampler } from './lib/processes.mjs';
import { inspectorUrlFromLog, PhaseProfiler } from './lib/profiler.mjs';
import { renderMarkdown, renderText } from './lib/report.mjs';
import {
  adminToken,
  buyers,
  describeMachine,
  ensureServices,
  otherBusyProcesses,
} from './lib/system.mjs';
import { fmt, http, percentiles, progress, sleep, step } from './lib/support.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, '..', '..');

/** The targets of issue 6. */
export const TARGETS = {
  orderThroughputVsLuaFloor: 0.5,
  orderP99VsLuaFloorP99: 2,
  soldOutThroughputVsHelloFloor: 0.7,
  settleP99Ms: 1_000,
  peakRssMiB: 256,
};

/** Cleanup actions run in reverse order at the end, on failure and on Ctrl-C. */
class Cleanup {
  constructor() {
    this.actions = [];
  }
  push(name, action) {
    this.actions.push({ name, action });
  }
  async run() {
    while (this.actions.length > 0) {
      const { name, action } = this.actions.pop();
      try {
        await action();
      } catch (error) {
        progress(`cleanup "${name}" failed: ${error.message}`);
      }
    }
  }
}

/** Starts floor-server.mjs and resolves with its port once it listens. */
function startFloor(cleanup, floorId) {
  const child = spawn(process.execPath, [join(HERE, 'floor-server.mjs')], {
    env: { ...process.env, FLOOR_ID: floorId },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const killer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(killer);
  };
  cleanup.push('stop the floor server', stop);
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout });
    lines.once('line', (line) => {
      try {
        resolve({ port: JSON.parse(line).port, pid: child.pid, stop });
      } catch (error) {
        reject(error);
      }
    });
    child.once('exit', (code) =>
      reject(new Error(`floor server exited (${code}) before listening`)),
    );
  });
}

async function createProduct(options, token, productId, stock) {
  const res = await http('POST', `${options.inventoryUrl}/api/inventory`, {
    token,
    // A cap of its own far above order-service's default per-user cap (ORDER_DEFAULT_MAX_PER_USER):
    // the bench's few hundred buyers place thousands of orders each.
    body: {
      productId,
      name: `Flash-sale bench ${productId}`,
      priceCents: 100,
      stock,
      maxPerUser: options.maxPerUser,
    },
  });
  if (res.status !== 201)
    throw new Error(`creating ${productId}: ${res.status} ${JSON.stringify(res.body)}`);
  // inventory-service sets the Redis counter; wait until order-service sees it.
  for (let i = 0; i < 100; i++) {
    const s = await http('GET', `${options.orderUrl}/api/stock/${productId}`);
    if (s.status === 200) return;
    await sleep(100);
  }
  throw new Error(`order-service never saw the stock of ${productId}`);
}

async function deleteProduct(options, token, productId) {
  const res = await http('DELETE', `${options.inventoryUrl}/api/inventory/${productId}`, { token });
  if (res.status !== 204 && res.status !== 404) {
    throw new Error(`deleting ${productId}: ${res.status} ${JSON.stringify(res.body)}`);
  }
}

/** Orders of one product by status, from order_service.orders. */
async function ordersByStatus(db, productId) {
  const [rows] = await db.query(
    'SELECT status, COUNT(*) AS n, COALESCE(SUM(quantity), 0) AS units FROM orders WHERE product_id = ? GROUP BY status',
    [productId],
  );
  const out = {
    PENDING: { n: 0, units: 0 },
    CONFIRMED: { n: 0, units: 0 },
    FAILED: { n: 0, units: 0 },
    CANCELLED: { n: 0, units: 0 },
  };
  for (const r of rows) out[r.status] = { n: Number(r.n), units: Number(r.units) };
  return out;
}

/**
 * Settle latency of every settled order (created -> CONFIRMED/FAILED, from created_at and
 * updated_at), and the last creation and settlement instants. created_at is written by
 * order-service in UTC and updated_at by MySQL's NOW(3) in the server's time zone: the session
 * offset is subtracted so both are compared in UTC.
 */
async function settleTimes(db, productId) {
  const [[{ offsetS }]] = await db.query(
    'SELECT TIMESTAMPDIFF(SECOND, UTC_TIMESTAMP(), NOW()) AS offsetS',
  );
  const [rows] = await db.query(
    `SELECT TIMESTAMPDIFF(MICROSECOND, created_at, updated_at) AS us FROM orders
     WHERE product_id = ? AND status IN ('CONFIRMED', 'FAILED')`,
    [productId],
  );
  const [[edges]] = await db.query(
    `SELECT TIMESTAMPDIFF(MICROSECOND, MAX(created_at), MAX(updated_at)) AS us FROM orders
     WHERE product_id = ? AND status IN ('CONFIRMED', 'FAILED')`,
    [productId],
  );
  const shiftUs = Number(offsetS) * 1e6;
  const perOrderMs = rows.map((r) => (Number(r.us) - shiftUs) / 1000);
  return {
    perOrderMs: percentiles(perOrderMs),
    perOrderHistogram: histogram(perOrderMs),
    lastCreatedToLastSettledMs: edges.us === null ? null : (Number(edges.us) - shiftUs) / 1000,
    legs: await settleLegs(db, productId, shiftUs),
  };
}

/**
 * Where settle time goes, for diagnosis only: the request leg (order created -> inventory-service
 * recorded the deduction, its processed_orders.processed_at) and the answer leg (-> the order's
 * final state in order_service). Reads inventory_service.processed_orders on the same server;
 * null when that database is elsewhere or not readable.
 */
async function settleLegs(db, productId, shiftUs) {
  const inventoryDb = process.env.INVENTORY_DB_DATABASE ?? 'inventory_service';
  try {
    const [rows] = await db.query(
      `SELECT TIMESTAMPDIFF(MICROSECOND, o.created_at, p.processed_at) AS requestUs,
              TIMESTAMPDIFF(MICROSECOND, p.processed_at, o.updated_at) AS answerUs
       FROM orders o JOIN \`${inventoryDb}\`.processed_orders p ON p.order_id = o.id
       WHERE o.product_id = ? AND o.status IN ('CONFIRMED', 'FAILED')`,
      [productId],
    );
    // processed_at is written in UTC by inventory-service, updated_at by NOW(3): see above.
    return {
      source: `${inventoryDb}.processed_orders.processed_at (read-only)`,
      requestLegMs: percentiles(rows.map((r) => Number(r.requestUs) / 1000)),
      answerLegMs: percentiles(rows.map((r) => (Number(r.answerUs) - shiftUs) / 1000)),
    };
  } catch {
    return null;
  }
}

async function waitNoPending(db, productId, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const byStatus = await ordersByStatus(db, productId);
    if (byStatus.PENDING.n === 0) return true;
    if (Date.now() > deadline) return false;
    await sleep(200);
  }
}

/** The stock of one product in the three places that hold it. */
async function stockPicture(options, redis, productId) {
  const [counter, reservations, inventory] = await Promise.all([
    redis.get(`stock:{${productId}}`),
    redis.hlen(`reservations:{${productId}}`),
    http('GET', `${options.inventoryUrl}/api/inventory/${productId}`),
  ]);
  return {
    redisCounter: counter === null ? null : Number(counter),
    redisReservations: reservations,
    mysqlStock: inventory.status === 200 ? Number(inventory.body.stock) : null,
  };
}

/**
 * The repository's Prettier style for a file the bench writes (the summaries live in the
 * repository, and `npm run check` checks them); unchanged when Prettier is not installed.
 */
async function formatted(file, text) {
  try {
    const prettier = await import('prettier');
    const info = await prettier.getFileInfo(file, { ignorePath: join(ROOT, '.prettierignore') });
    if (info.ignored || !info.inferredParser) return text;
    const config = (await prettier.resolveConfig(file)) ?? {};
    return await prettier.format(text, { ...config, filepath: file });
  } catch {
    return text;
  }
}

function commandLine(argv) {
  const quoted = argv.map((a) =>
    /^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`,
  );
  const envs = Object.entries(process.env)
    .filter(([k]) => k.startsWith('BENCH_'))
    .map(([k, v]) => `${k}=${v}`);
  const base =
    process.env.npm_lifecycle_event === 'bench'
      ? 'npm run bench --'
      : 'node tests/load/flash-sale-bench.mjs';
  return [...envs, base, ...quoted].join(' ').replace(/ --$/, '');
}

async function main() {
  const argv = process.argv.slice(2);
  let options;
  try {
    options = parseOptions(argv, process.env, ROOT);
  } catch (error) {
    process.stderr.write(`${error.message}\n\n${USAGE}\n`);
    process.exit(2);
  }
  if (options.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const runTag = `${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
  const startedAt = new Date();
  const cleanup = new Cleanup();
  let interrupted = false;
  const onSignal = () => {
    if (interrupted) process.exit(130);
    interrupted = true;
    progress('interrupted: cleaning up (Ctrl-C again to quit at once)');
    void cleanup.run().finally(() => process.exit(130));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  try {
    // --workers 1,2: the whole bench once per worker count (services started with
    // WEB_CONCURRENCY=N, stopped by the cleanup in between); the last run is reported in full,
    // with every run's key figures under `byWorkers`.
    const counts = options.workers.length > 0 ? options.workers : [undefined];
    const runs = [];
    for (const workerCount of counts) {
      if (workerCount !== undefined) step(`WEB_CONCURRENCY=${workerCount}`);
      const tag = counts.length > 1 ? `${runTag}w${workerCount}` : runTag;
      runs.push(await bench({ ...options, workerCount }, tag, startedAt, cleanup, argv));
      await cleanup.run();
    }
    const result = runs.at(-1);
    if (counts.length > 1) result.byWorkers = runs.map(workerFigures);
    const text = `${renderText(result)}${counts.length > 1 ? `\n${workersText(result.byWorkers)}\n` : ''}`;
    process.stdout.write(`\n${text}\n`);
    mkdirSync(options.out, { recursive: true });
    const stamp = startedAt.toISOString().replace(/[:]/g, '-').replace(/\..*$/, 'Z');
    const jsonFile = join(options.out, `flash-sale-${stamp}.json`);
    writeFileSync(jsonFile, await formatted(jsonFile, `${JSON.stringify(result, null, 2)}\n`));
    const charts = benchCharts(result);
    for (const [file, svg] of Object.entries(charts)) writeFileSync(join(options.out, file), svg);
    const mdFile = join(options.out, 'README.md');
    const markdown =
      renderMarkdown(result, relative(options.out, jsonFile), Object.keys(charts)) +
      (result.byWorkers
        ? `\n## By worker processes per service\n\n${workersText(result.byWorkers)}\n`
        : '');
    writeFileSync(mdFile, await formatted(mdFile, markdown));
    const shown = (f) => relative(process.env.INIT_CWD ?? process.cwd(), f) || f;
    step(`Wrote ${shown(jsonFile)}, ${shown(mdFile)} and ${Object.keys(charts).join(', ')}`);
    if (runs.some((run) => !run.audit.ok)) process.exitCode = 1;
  } catch (error) {
    progress(`bench failed: ${error.stack ?? error.message}`);
    await cleanup.run();
    process.exitCode = 1;
  }
}

/** The child processes of `pid` (a worker pool's workers); none when it has no children. */
function workerPidsOf(pid) {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
      .trim()
      .split(/\s+/)
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
}

/** One run's key figures, for the comparison of worker counts. */
function workerFigures(run) {
  return {
    workers: run.options.workerCount,
    productId: run.productId,
    ordersPerSecond: run.orderPhase.rps,
    orderP99Ms: run.orderPhase.latency.ok.p99,
    soldOutPerSecond: run.soldOutPhase.rps,
    settleP99Ms: run.settlement.perOrderMs?.p99 ?? null,
    oversold: run.settlement.oversold,
    leaked: run.settlement.leaked,
    auditOk: run.audit.ok,
  };
}

function workersText(rows) {
  const base = rows[0].ordersPerSecond;
  return rows
    .map(
      (r) =>
        `- WEB_CONCURRENCY=${r.workers}: ${fmt.int(r.ordersPerSecond)} orders/s (${(r.ordersPerSecond / base).toFixed(2)}x), p99 ${fmt.ms(r.orderP99Ms)}, sold-out ${fmt.int(r.soldOutPerSecond)}/s, settle p99 ${r.settleP99Ms === null ? '-' : fmt.ms(r.settleP99Ms)}, oversold ${r.oversold}, leaked ${r.leaked}, audit ${r.auditOk ? 'PASS' : 'FAIL'}`,
    )
    .join('\n');
}

async function bench(options, runTag, startedAt, cleanup, argv) {
  step('Services');
  const { services, admin } = await ensureServices(options, ROOT, cleanup);
  for (const s of services)
    progress(`${s.name} ${s.url} pid ${s.pid ?? '?'}${s.started ? ' (started by the bench)' : ''}`);

  const redis = new Redis({
    host: process.env.REDIS_HOST ?? '127.0.0.1',
    port: Number(process.env.REDIS_PORT ?? 6379),
    lazyConnect: true,
    maxRetriesPerRequest: 2,
  });
  await redis.connect();
  cleanup.push('close Redis', () => redis.quit());
  const db = mysql.createPool({
    host: process.env.DB_HOST ?? '127.0.0.1',
    port: Number(process.env.DB_PORT ?? 3306),
    user: process.env.DB_USERNAME ?? 'root',
    password: process.env.DB_PASSWORD ?? '',
    database: process.env.ORDER_DB_DATABASE ?? 'order_service',
    connectionLimit: 2,
  });
  cleanup.push('close MySQL', () => db.end());

  // Resource sampling: the services, the infrastructure (cheap: the same /proc reads) and us.
  const kafkaPort = Number(
    (process.env.KAFKA_BROKER ?? '127.0.0.1:9092').split(',')[0].split(':').pop(),
  );
  const infraPids = {
    redis: pidListeningOn(Number(process.env.REDIS_PORT ?? 6379)),
    mariadb: pidListeningOn(Number(process.env.DB_PORT ?? 3306)),
    kafka: pidListeningOn(kafkaPort),
  };
  const sampler = new ResourceSampler(options.sampleMs);
  for (const s of services) sampler.track(s.name, s.pid);
  // WEB_CONCURRENCY > 1: s.pid is the primary (it only supervises); the workers do the work.
  for (const s of services) {
    workerPidsOf(s.pid).forEach((pid, i) => sampler.track(`${s.name} worker ${i + 1}`, pid));
  }
  for (const [name, pid] of Object.entries(infraPids)) sampler.track(name, pid);
  sampler.track('bench (autocannon)', process.pid);
  sampler.start();
  cleanup.push('stop sampling', () => sampler.stop());

  // --cpu-prof: order-service's profile per measured phase, through its inspector.
  const PROFILED_PHASES = new Set(['order', 'sold-out']);
  let profiler;
  if (options.cpuProf) {
    const order = services.find((s) => s.name === 'order-service');
    if (!order?.started) throw new Error('--cpu-prof needs order-service started by the bench');
    profiler = new PhaseProfiler(
      await inspectorUrlFromLog(order.logFile),
      'order-service',
      options.profileDir || join(tmpdir(), `flash-sale-bench-profiles-${runTag}`),
    );
    await profiler.connect();
    progress(`profiling order-service into ${profiler.dir}`);
  }
  /** Phase changes: CPU accounting and, with --cpu-prof, one profile per measured phase. */
  const enterPhase = async (phase) => {
    sampler.setPhase(phase);
    if (profiler) await profiler.phaseChanged(PROFILED_PHASES.has(phase) ? phase : undefined);
  };
  const machine = await describeMachine({ redis, db, pids: infraPids });
  const cpuBefore = cpuOfAllProcesses();
  const tBefore = performance.now();

  const admins = await adminToken(options, admin);
  progress(`admin token: ${admins.how}`);

  step(`Buyers (${options.users})`);
  sampler.setPhase('users');
  const buyerSet = await buyers(options, runTag);
  const tokens = buyerSet.tokens;
  progress(
    `${tokens.length} buyers ready in ${buyerSet.seconds.toFixed(1)} s (cache: ${buyerSet.cacheFile})`,
  );

  const orderBody = (productId) => ({ productId, quantity: options.quantity });
  const serviceProgress = () => {
    const latest = sampler.latest();
    return ['order-service', 'inventory-service', 'bench (autocannon)']
      .filter((n) => latest[n])
      .map(
        (n) =>
          `${n.split(' ')[0].replace('-service', '')} ${fmt.pct(latest[n].cpuPercent)} ${fmt.mib(latest[n].rssBytes / 2 ** 20)}`,
      )
      .join(', ');
  };

  // Floors: same connections, same duration as the order phase is meant to last, same body and
  // headers as the real order requests.
  const floors = { hello: null, lua: null };
  if (!options.noFloors) {
    step('Floors: bare Fastify on this machine');
    const floor = await startFloor(cleanup, runTag);
    sampler.track('floor (fastify)', floor.pid);
    const floorUrl = `http://127.0.0.1:${floor.port}`;
    const helloRequests = rotatingRequests({ method: 'GET', path: '/hello', tokens: [] });
    const luaRequests = rotatingRequests({
      method: 'POST',
      path: '/order',
      body: orderBody(`FLOOR-${runTag}`),
      tokens,
    });
    const floorProgress = () => {
      const f = sampler.latest()['floor (fastify)'];
      return f ? `floor ${fmt.pct(f.cpuPercent)} ${fmt.mib(f.rssBytes / 2 ** 20)}` : '';
    };
    for (const [key, label, requests] of [
      ['hello', 'floor GET /hello', helloRequests],
      ['lua', 'floor POST /order (Lua)', luaRequests],
    ]) {
      if (options.warmupSeconds > 0) {
        sampler.setPhase('warm-up');
        await runLoad({
          label: `warm-up ${label}`,
          url: floorUrl,
          requests,
          connections: options.connections,
          seconds: options.warmupSeconds,
          extraProgress: floorProgress,
        });
      }
      sampler.setPhase(`floor-${key}`);
      floors[key] = await runLoad({
        label,
        url: floorUrl,
        requests,
        connections: options.connections,
        seconds: options.orderSeconds,
        extraProgress: floorProgress,
      });
      const expected = key === 'hello' ? 200 : 201;
      const answered = floors[key].byStatus[expected] ?? 0;
      // A floor that answers errors measures nothing: stop rather than report a ratio of "-".
      if (answered === 0) {
        throw new Error(
          `${label} answered no ${expected}: ${JSON.stringify(floors[key].byStatus)} (is it out of step with order-service's Lua script?)`,
        );
      }
      floors[key].rps = answered / floors[key].seconds;
      floors[key].resources = sampler.summary([`floor-${key}`]);
      progress(
        `${label}: ${fmt.int(floors[key].rps)} req/s, p99 ${fmt.ms(floors[key].latency.ok.p99)}`,
      );
    }
    sampler.setPhase('floors done');
    for (const key of ['hello', 'lua']) {
      const answered = floors[key].byStatus[key === 'hello' ? 200 : 201] ?? 0;
      floors[key].cpuCost = cpuCostPerAnswer(
        sampler.cpuSeconds(`floor-${key}`),
        answered,
        machine.cores,
      );
    }
    await floor.stop(); // now, so it does not sit in memory during the rest
    sampler.untrack('floor (fastify)');
  }

  // Stock: as given, or enough for --order-seconds at the target rate (half the Lua floor's).
  const stock =
    options.stock > 0
      ? options.stock
      : Math.max(
          1_000,
          Math.round(
            ((floors.lua?.rps ?? 2_000) *
              TARGETS.orderThroughputVsLuaFloor *
              options.orderSeconds) /
              100,
          ) * 100,
        ) * options.quantity;
  const productId = `FS-${runTag}`;
  const warmId = `FS-${runTag}-warm`;
  const ordersUrl = options.orderUrl;

  if (options.warmupSeconds > 0) {
    step('Warm-up on a throw-away product');
    sampler.setPhase('warm-up');
    const warmStock = Math.max(200, options.connections) * options.quantity;
    await createProduct(options, admins.token, warmId, warmStock);
    if (!options.keepProduct)
      cleanup.push(`delete ${warmId}`, () => deleteProduct(options, admins.token, warmId));
    await runLoad({
      label: 'warm-up orders',
      url: ordersUrl,
      requests: rotatingRequests({
        method: 'POST',
        path: '/api/orders',
        body: orderBody(warmId),
        tokens,
      }),
      connections: options.connections,
      seconds: options.warmupSeconds,
      extraProgress: serviceProgress,
    });
    if (!(await waitNoPending(db, warmId, 30_000)))
      progress('warm-up orders still PENDING after 30 s; going on');
  }

  // What every process burns without load (timers, consumer polls, and on a shared Redis, MariaDB
  // or Kafka, the other users): the net CPU per answer subtracts it.
  let idleCpuPerSecond = null;
  if (options.idleSeconds > 0) {
    step(`Idle baseline: ${options.idleSeconds} s without load`);
    sampler.setPhase('idle');
    await sleep(options.idleSeconds * 1000);
    sampler.setPhase('idle done');
    const idleSeconds = sampler.seconds('idle');
    idleCpuPerSecond = Object.fromEntries(
      Object.entries(sampler.cpuSeconds('idle')).map(([name, s]) => [name, s / idleSeconds]),
    );
  }
  const baselineOf = (...phases) =>
    idleCpuPerSecond
      ? { seconds: phases.reduce((sum, p) => sum + sampler.seconds(p), 0), idleCpuPerSecond }
      : undefined;
  /** CPU seconds per process over several phases together. */
  const cpuOf = (...phases) => {
    const total = {};
    for (const phase of phases) {
      for (const [name, s] of Object.entries(sampler.cpuSeconds(phase))) {
        total[name] = (total[name] ?? 0) + s;
      }
    }
    return total;
  };

  step(
    `Order phase: ${fmt.int(stock)} units of ${productId}, ${options.connections} connections, ${tokens.length} buyers`,
  );
  await createProduct(options, admins.token, productId, stock);
  if (!options.keepProduct)
    cleanup.push(`delete ${productId}`, () => deleteProduct(options, admins.token, productId));
  const requests = rotatingRequests({
    method: 'POST',
    path: '/api/orders',
    body: orderBody(productId),
    tokens,
  });
  // Sold out once every unit is accepted; or when refusals take over (some acceptances may be
  // given back later, so the counter can sit at a few units above zero for a while).
  const soldOut = (s) => {
    if (s.ok * options.quantity >= stock) return 'sold out (every unit accepted)';
    const refused = s.counts.get(409) ?? 0;
    if (refused > options.connections && s.window.refused > 4 * s.window.ok) {
      return 'sold out (409 OUT_OF_STOCK dominates)';
    }
    return undefined;
  };
  await enterPhase('order');
  const orderPhase = await runLoad({
    label: 'orders',
    url: ordersUrl,
    requests,
    connections: options.connections,
    seconds: options.maxOrderSeconds,
    extraProgress: (s) =>
      `${fmt.int(Math.max(0, stock - s.ok * options.quantity))} units left | ${serviceProgress()}`,
    shouldStop: soldOut,
  });
  orderPhase.resources = sampler.summary(['order']);
  const acceptedOrders = orderPhase.byStatus[201] ?? 0;
  orderPhase.rps = acceptedOrders / Math.max(orderPhase.secondsToLastOk, 0.001);
  progress(
    `order phase: ${fmt.int(acceptedOrders)} accepted in ${orderPhase.secondsToLastOk.toFixed(1)} s = ${fmt.int(orderPhase.rps)} orders/s, p99 ${fmt.ms(orderPhase.latency.ok.p99)} (${orderPhase.stoppedBecause})`,
  );

  // Stock left after --max-order-seconds: sell the rest, unmeasured (reported), so the sold-out
  // phase really meets a sold-out product.
  let sellOut = null;
  if (orderPhase.stoppedBecause === 'duration') {
    step(`Sell-out step (not measured): stock left after ${options.maxOrderSeconds} s`);
    await enterPhase('sell-out');
    const left = stock - acceptedOrders * options.quantity;
    sellOut = await runLoad({
      label: 'sell-out',
      url: ordersUrl,
      requests,
      connections: options.connections,
      seconds: 600,
      extraProgress: (s) =>
        `${fmt.int(Math.max(0, left - s.ok * options.quantity))} units left | ${serviceProgress()}`,
      shouldStop: (s) => soldOut({ ...s, ok: s.ok + acceptedOrders }),
    });
    progress(
      `sell-out step: ${fmt.int(sellOut.byStatus[201] ?? 0)} more accepted (${sellOut.stoppedBecause})`,
    );
  }

  // Settlement is watched from the moment the order phase ends, while the sold-out phase runs:
  // a flash sale does not stop knocking once the stock is gone.
  const lastAcceptedAt = sellOut ? sellOut.lastOkAt : orderPhase.lastOkAt;
  const acceptedByHttp = acceptedOrders + (sellOut?.byStatus[201] ?? 0);
  let settledDuringSoldOut = false;
  const settleWatch = (async () => {
    const deadline = Date.now() + (options.soldOutSeconds + options.settleTimeoutSeconds) * 1000;
    for (;;) {
      const byStatus = await ordersByStatus(db, productId);
      if (byStatus.PENDING.n === 0) {
        settledDuringSoldOut = true;
        return { settledAt: performance.now(), byStatus };
      }
      if (Date.now() > deadline) return { settledAt: null, byStatus };
      await sleep(100);
    }
  })();

  step(`Sold-out phase: ${options.soldOutSeconds} s against the sold-out product`);
  await enterPhase('sold-out');
  // The first part of this phase also carries the order phase's settlement (answers applied,
  // MariaDB, Kafka): refusals alone are measured from the moment no order is PENDING any more.
  let refusedBeforeSettled = null;
  const soldOutPhase = await runLoad({
    label: 'sold-out',
    url: ordersUrl,
    requests,
    connections: options.connections,
    seconds: options.soldOutSeconds,
    extraProgress: serviceProgress,
    shouldStop: (s) => {
      if (settledDuringSoldOut && refusedBeforeSettled === null) {
        sampler.setPhase('sold-out settled');
        refusedBeforeSettled = s.counts.get(409) ?? 0;
      }
      return undefined;
    },
  });
  soldOutPhase.resources = sampler.summary(['sold-out']);
  soldOutPhase.rps = (soldOutPhase.byStatus[409] ?? 0) / soldOutPhase.seconds;
  progress(
    `sold-out phase: ${fmt.int(soldOutPhase.rps)} rejections/s, p99 ${fmt.ms(soldOutPhase.latency.rejected.p99)}`,
  );

  step('Settlement');
  await enterPhase('settle');
  const watched = await settleWatch;
  const settledInTime = watched.settledAt !== null;
  if (!settledInTime)
    progress(`orders still PENDING after the ${options.settleTimeoutSeconds} s settle timeout`);
  // Give-backs of FAILED orders reach Redis shortly after their state change: allow a moment for
  // the counter to agree before calling a difference a leak.
  let picture;
  let byStatus;
  const leakDeadline = Date.now() + 15_000;
  for (;;) {
    byStatus = await ordersByStatus(db, productId);
    picture = await stockPicture(options, redis, productId);
    const confirmedUnits = byStatus.CONFIRMED.units;
    const leaked = stock - confirmedUnits - (picture.redisCounter ?? 0);
    const mysqlOk = picture.mysqlStock === stock - confirmedUnits;
    if ((leaked === 0 && mysqlOk && byStatus.PENDING.n === 0) || Date.now() > leakDeadline) break;
    await sleep(500);
  }
  const times = await settleTimes(db, productId);
  const confirmedUnits = byStatus.CONFIRMED.units;
  const storedOrders = Object.values(byStatus).reduce((a, s) => a + s.n, 0);
  const settlement = {
    source:
      'order_service.orders read with mysql2 (created_at -> updated_at), Redis GET stock:{p}, GET /api/inventory/:id',
    settledInTime,
    observedSecondsAfterLastAccepted: settledInTime
      ? (watched.settledAt - lastAcceptedAt) / 1000
      : null,
    lastCreatedToLastSettledMs: times.lastCreatedToLastSettledMs,
    perOrderMs: times.perOrderMs,
    perOrderHistogram: times.perOrderHistogram,
    legs: times.legs,
    byStatus,
    acceptedByHttp,
    storedOrders,
    lostAcceptedOrders: Math.max(0, acceptedByHttp - storedOrders),
    stock,
    confirmedUnits,
    ...picture,
    oversold: Math.max(0, confirmedUnits - stock),
    leaked: stock - confirmedUnits - (picture.redisCounter ?? 0),
    mysqlDrift: picture.mysqlStock === null ? null : picture.mysqlStock - (stock - confirmedUnits),
  };
  progress(
    `settled: ${byStatus.CONFIRMED.n} CONFIRMED, ${byStatus.FAILED.n} FAILED, ${byStatus.PENDING.n} PENDING; oversold ${settlement.oversold}, leaked ${settlement.leaked}, MySQL drift ${settlement.mysqlDrift}`,
  );

  // The sale proved from the stores of record (what `npm run audit -- <productId>` prints), before
  // the cleanup deletes the product.
  step(`Audit of ${productId} (npm run audit)`);
  const audit = await runSaleAudit(saleAuditConnectionFromEnv(process.env), productId, {
    waitForQuietMs: 15_000,
  });
  progress(
    audit.ok
      ? 'audit: every invariant holds'
      : `audit: ${audit.breaches.map((b) => `${b.code}: ${b.message}`).join('; ')}`,
  );

  sampler.stop();
  const cpuCost = {
    method:
      "CPU time of each process during the phase (utime+stime from /proc at the phase edges) / the phase's answers",
    idleCpuPerSecond,
    order: cpuCostPerAnswer(
      sampler.cpuSeconds('order'),
      acceptedOrders,
      machine.cores,
      baselineOf('order'),
    ),
    // The whole phase: its part before and after every order settled.
    soldOut: cpuCostPerAnswer(
      cpuOf('sold-out', 'sold-out settled'),
      soldOutPhase.byStatus[409] ?? 0,
      machine.cores,
      baselineOf('sold-out', 'sold-out settled'),
    ),
    // Refusals once every order had settled: no settlement work in the figures.
    soldOutSettled:
      refusedBeforeSettled === null
        ? null
        : cpuCostPerAnswer(
            sampler.cpuSeconds('sold-out settled'),
            (soldOutPhase.byStatus[409] ?? 0) - refusedBeforeSettled,
            machine.cores,
            baselineOf('sold-out settled'),
          ),
  };
  let profiles = null;
  if (profiler) {
    await profiler.close();
    profiles = {};
    mkdirSync(options.out, { recursive: true });
    for (const [phase, file] of Object.entries(profiler.files)) {
      const profile = JSON.parse(readFileSync(file, 'utf8'));
      const svg = `flame-order-service-${phase}.svg`;
      writeFileSync(
        join(options.out, svg),
        flameGraphSvg(profile, { title: `order-service, ${phase} phase (${runTag})`, root: ROOT }),
      );
      profiles[phase] = {
        cpuprofile: file,
        svg,
        topSelfTime: topSelfTime(profile, { root: ROOT }),
      };
    }
  }
  const seconds = (performance.now() - tBefore) / 1000;
  const ours = new Set(
    [process.pid, ...services.map((s) => s.pid), ...Object.values(infraPids)].filter(Boolean),
  );
  machine.otherBusyProcesses = otherBusyProcesses(cpuBefore, cpuOfAllProcesses(), seconds, ours);
  const loadPhases = ['order', 'sell-out', 'sold-out', 'settle'];
  const resources = sampler.summary();
  const duringLoad = sampler.summary(loadPhases);
  machine.busyPercentDuringLoad = duringLoad.machineBusyPercent;

  const ratios = {
    orderThroughputVsLuaFloor: floors.lua ? orderPhase.rps / floors.lua.rps : null,
    orderP99VsLuaFloorP99: floors.lua
      ? orderPhase.latency.ok.p99 / floors.lua.latency.ok.p99
      : null,
    soldOutThroughputVsHelloFloor: floors.hello ? soldOutPhase.rps / floors.hello.rps : null,
  };
  const verdict = (ok) => (ok === null ? 'n/a' : ok ? 'PASS' : 'MISS');
  const targets = [
    {
      name: `order throughput >= ${TARGETS.orderThroughputVsLuaFloor * 100}% of the Fastify+Lua floor`,
      value: `${fmt.int(orderPhase.rps)} vs ${floors.lua ? fmt.int(floors.lua.rps) : '-'} req/s (${fmt.ratio(ratios.orderThroughputVsLuaFloor)})`,
      result: verdict(
        ratios.orderThroughputVsLuaFloor === null
          ? null
          : ratios.orderThroughputVsLuaFloor >= TARGETS.orderThroughputVsLuaFloor,
      ),
    },
    {
      name: `order p99 <= ${TARGETS.orderP99VsLuaFloorP99}x the Fastify+Lua floor's p99`,
      value: `${fmt.ms(orderPhase.latency.ok.p99)} vs ${floors.lua ? fmt.ms(floors.lua.latency.ok.p99) : '-'} (${ratios.orderP99VsLuaFloorP99 === null ? '-' : `${ratios.orderP99VsLuaFloorP99.toFixed(2)}x`})`,
      result: verdict(
        ratios.orderP99VsLuaFloorP99 === null
          ? null
          : ratios.orderP99VsLuaFloorP99 <= TARGETS.orderP99VsLuaFloorP99,
      ),
    },
    {
      name: `sold-out rejections >= ${TARGETS.soldOutThroughputVsHelloFloor * 100}% of bare Fastify`,
      value: `${fmt.int(soldOutPhase.rps)} vs ${floors.hello ? fmt.int(floors.hello.rps) : '-'} req/s (${fmt.ratio(ratios.soldOutThroughputVsHelloFloor)})`,
      result: verdict(
        ratios.soldOutThroughputVsHelloFloor === null
          ? null
          : ratios.soldOutThroughputVsHelloFloor >= TARGETS.soldOutThroughputVsHelloFloor,
      ),
    },
    {
      name: `settle p99 <= ${TARGETS.settleP99Ms / 1000} s`,
      value: `${fmt.ms(settlement.perOrderMs.p99)}${settledInTime ? '' : ' (not all settled)'}`,
      result: verdict(
        settledInTime &&
          settlement.perOrderMs.p99 !== null &&
          settlement.perOrderMs.p99 <= TARGETS.settleP99Ms,
      ),
    },
    {
      name: 'oversold = 0',
      value: String(settlement.oversold),
      result: verdict(settlement.oversold === 0),
    },
    {
      name: 'leaked = 0 (and MySQL stock = stock - confirmed)',
      value: `${settlement.leaked} (MySQL drift ${settlement.mysqlDrift ?? '-'})`,
      result: verdict(settlement.leaked === 0 && settlement.mysqlDrift === 0),
    },
    {
      name: 'sale audit (npm run audit) passes',
      value: audit.ok ? 'every invariant holds' : audit.breaches.map((b) => b.code).join(', '),
      result: verdict(audit.ok),
    },
    ...services.map((s) => {
      const r = resources.processes[s.name];
      return {
        name: `${s.name} peak RSS <= ${TARGETS.peakRssMiB} MiB`,
        value: r ? fmt.mib(r.peakRssMiB) : 'not sampled',
        result: verdict(r ? r.peakRssMiB <= TARGETS.peakRssMiB : null),
      };
    }),
  ];

  return {
    benchmark: 'flash-sale',
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    command: commandLine(argv),
    options: { ...options, stock },
    machine,
    services: services.map((s) => ({
      name: s.name,
      url: s.url,
      pid: s.pid,
      version: s.version,
      startedByBench: Boolean(s.started),
    })),
    productId,
    buyers: {
      count: tokens.length,
      registered: buyerSet.registered,
      loggedIn: buyerSet.loggedIn,
      seconds: buyerSet.seconds,
    },
    floors,
    orderPhase,
    sellOut,
    soldOutPhase,
    settlement,
    audit,
    ratios,
    resources: { wholeRun: resources, duringLoad },
    cpuCost,
    profiles,
    targets,
    allPass: targets.every((t) => t.result !== 'MISS'),
    notes: [
      ...(orderPhase.byStatus[503] || soldOutPhase.byStatus[503]
        ? [
            '503 answers are order-service backpressure: MySQL not keeping up with the inserts (ORDER_MAX_WAITING_INSERTS orders waiting, or an INSERT older than ORDER_MAX_INSERT_WAIT_MS); they count neither as orders nor as sold-out refusals.',
          ]
        : []),
      'Each phase and floor runs autocannon in this process, on the same machine as the services: the load generator competes with them for CPU, as it does with the floors.',
      'Order throughput = 201 answers / time from the start of the order phase to the last 201.',
      'Settle latency per order = created_at -> updated_at of CONFIRMED/FAILED rows in order_service.orders (read with mysql2, read-only).',
      'Leaked = stock - confirmed units - Redis counter stock:{p}; MySQL drift = inventory-service stock - (stock - confirmed units).',
    ],
  };
}

await main();
