// One chaos run: its own Redis and Kafka, its own databases, five service instances, buyers under
// steady load, the seeded faults one after the other, the heal, then the checks. Every process it
// starts is killed at the end, also when it fails.
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import { Redis } from 'ioredis';
import { adminToken, buyers } from '../../load/lib/system.mjs';
import { livenessTable, readProduct, safetyChecks, TARGETS } from './checks.mjs';
import { Recorder, startClients } from './clients.mjs';
import { runFault, waitForServices } from './faults.mjs';
import { ChaosKafka } from './kafka.mjs';
import { killAllNow, sleep, waitFor } from './processes.mjs';
import { ChaosRedis } from './redis.mjs';
import { PROFILES, planSchedule } from './schedule.mjs';
import {
  ADMIN,
  buildStack,
  DATABASES,
  dbConfig,
  freshDatabases,
  instances,
  startStack,
} from './stack.mjs';

/** Ports and paths, from the environment with the defaults documented in the README. */
export function chaosSettings(root, env = process.env) {
  const ports = (env.CHAOS_SERVICE_PORTS ?? '4701,4702,4703,4704,4705').split(',').map(Number);
  if (ports.length !== 5 || ports.some((p) => !(p > 0 && p < 65536)))
    throw new Error(
      'CHAOS_SERVICE_PORTS must list 5 ports: user, order-a, order-b, inventory-a, inventory-b',
    );
  return {
    root,
    ports,
    kafkaPort: Number(env.CHAOS_KAFKA_PORT ?? 19792),
    kafkaControllerPort: Number(env.CHAOS_KAFKA_CONTROLLER_PORT ?? 19793),
    redisPort: Number(env.CHAOS_REDIS_PORT ?? 16779),
    kafkaLibs:
      env.CHAOS_KAFKA_LIBS ?? join(env.FLASH_INFRA_CACHE ?? join(root, '.cache'), 'kafka', 'libs'),
    cacheDir: join(root, '.cache', 'chaos'),
  };
}

async function http(method, url, { token, body, timeoutMs = 15_000 } = {}) {
  const headers = { accept: 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(url, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await res.text();
  let parsed = text;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    // keep the text
  }
  return { status: res.status, body: parsed };
}

/** The plan reduced to `faults` (all of it without), in the plan's order. */
export function selectFaults(plan, faults) {
  if (!faults || faults.length === 0) return plan;
  const unknown = faults.filter((f) => !plan.some((s) => s.kind === f));
  if (unknown.length > 0) throw new Error(`not in this profile's plan: ${unknown.join(', ')}`);
  return plan.filter((s) => faults.includes(s.kind));
}

/**
 * When the services took the orders the buyers got a 201/200 for (`created_at`, set by the
 * instance as it took the request), in ms since the sale started: the liveness measure's clock
 * (see livenessTable).
 */
async function serverAcceptTimes(orderDb, recorder, productId, saleStart) {
  const [rows] = await orderDb.query('SELECT id, created_at FROM orders WHERE product_id = ?', [
    productId,
  ]);
  const createdAt = new Map(rows.map((r) => [r.id, r.created_at.getTime() - saleStart]));
  const times = [];
  for (const [id, a] of recorder.accepted) {
    if (a.productId !== productId) continue;
    // An accepted order is always there (else "no 201 lost" fails); the client's time otherwise.
    times.push(createdAt.get(id) ?? a.t);
  }
  return times;
}

/**
 * Every client attempt, one JSON array a line (see Recorder.attempts), after the schedule's
 * steps: where a liveness gap came from (which instance, what answer, how long it took).
 */
function writeTrace(file, recorder, timeline) {
  const lines = [
    JSON.stringify({
      columns: ['sent', 'answered', 'instance', 'what', 'outcome', 'code', 'productId'],
    }),
    ...timeline.steps.map((s) => JSON.stringify({ step: s })),
    JSON.stringify({ loadStalls: recorder.stalls }),
    ...recorder.attempts.map((a) => JSON.stringify(a)),
  ];
  writeFileSync(file, `${lines.join('\n')}\n`);
}

/**
 * @param o {seed, profile: 'short'|'full', root, log(message), faults?: only these faults of the
 *   plan (each with the timings the whole plan gives it: `--faults kafka-pause` replays the full
 *   run's pause alone)}
 * @returns the run's record: plan, timeline, checks, liveness, counts
 */
export async function runChaos({ seed, profile: profileName, root, log = () => {}, faults }) {
  const profile = PROFILES[profileName];
  const plan = selectFaults(planSchedule(seed, profileName), faults);
  const settings = chaosSettings(root);
  const runDir = join(settings.cacheDir, `run-${profileName}-${seed}-${Date.now()}`);
  const logDir = join(runDir, 'logs');
  mkdirSync(logDir, { recursive: true });
  const startedAt = new Date();
  const loadAtStart = loadavg().map((l) => +l.toFixed(2));
  log(
    `plan (seed ${seed}, ${profileName}): ${plan.map((s) => s.kind).join(', ')}; logs in ${logDir}`,
  );

  const kafka = new ChaosKafka({
    root,
    dir: join(settings.cacheDir, 'kafka'),
    libs: settings.kafkaLibs,
    port: settings.kafkaPort,
    controllerPort: settings.kafkaControllerPort,
    logDir,
  });
  const redis = new ChaosRedis({ port: settings.redisPort, logDir, dir: runDir });
  const stack = buildStack({
    root,
    logDir,
    ports: settings.ports,
    redisPort: settings.redisPort,
    kafkaBroker: kafka.broker,
  });
  const adminDb = await mysql.createConnection(dbConfig());
  const pools = [];
  let clientsDone;
  const control = { stopping: false, drainDeadline: Infinity };
  try {
    const t0 = Date.now();
    await freshDatabases();
    mkdirSync(kafka.dir, { recursive: true });
    await Promise.all([redis.start(), kafka.prepare().then(() => kafka.start())]);
    log(
      `Redis :${redis.port} and Kafka ${kafka.broker} up (${((Date.now() - t0) / 1000).toFixed(1)} s)`,
    );
    const { secondHalf } = await startStack(stack);
    // The buyers register while the second instances boot.
    const options = {
      userUrl: stack.user.url,
      users: profile.clients,
      registerConcurrency: 2,
      tokenCache: join(runDir, 'buyers.json'),
    };
    const admin = await adminToken(options, ADMIN);
    const { tokens } = await buyers(options, `chaos${seed}`);
    await secondHalf;
    log(`5 service instances healthy (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
    const products = {
      main: { id: `CHAOS-MAIN-${seed}`, label: 'main product', stock: 1_000_000, maxPerUser: null },
      scarce: {
        id: `CHAOS-SCARCE-${seed}`,
        label: 'scarce product',
        stock: profile.clients * 2,
        maxPerUser: 3,
      },
    };
    for (const p of Object.values(products)) {
      const res = await http('POST', `${stack.inventoryA.url}/api/inventory`, {
        token: admin.token,
        body: {
          productId: p.id,
          name: `Chaos ${p.label}`,
          priceCents: 100,
          stock: p.stock,
          maxPerUser: p.maxPerUser,
        },
      });
      if (res.status !== 201)
        throw new Error(`creating ${p.id}: ${res.status} ${JSON.stringify(res.body)}`);
      for (const o of [stack.orderA, stack.orderB]) {
        await waitFor(
          `${o.name} seeing ${p.id}`,
          async () => (await http('GET', `${o.url}/api/stock/${p.id}`)).status === 200,
          { timeoutMs: 60_000 },
        );
      }
    }
    log(`buyers and products ready (${((Date.now() - t0) / 1000).toFixed(1)} s); the sale starts`);

    // The sale.
    const saleStart = Date.now();
    const now = () => Date.now() - saleStart;
    const recorder = new Recorder(saleStart);
    const stopStallWatch = recorder.watchStalls();
    clientsDone = startClients({
      seed,
      tokens,
      orderUrls: [stack.orderA.url, stack.orderB.url],
      products,
      recorder,
      control,
      profile,
    });
    await sleep(profile.snapshotAtS * 1_000);
    const snapshot = await redis.snapshot();
    log(`snapshot of ${snapshot.entries.length} Redis keys at ${(now() / 1000).toFixed(1)} s`);
    const timeline = { baselineStart: now(), steps: [], unexpectedExits: [] };
    // The supervisor: an instance that exits on its own (not one of our kills) is a finding. It
    // is recorded with the fault in progress and restarted at once, as a process manager would.
    for (const instance of instances(stack)) {
      instance.onUnexpectedExit = (inst, how) => {
        if (control.stopping) return;
        const during = timeline.current
          ? `during ${timeline.current}`
          : `after ${timeline.steps.at(-1)?.kind ?? 'the start'}`;
        timeline.unexpectedExits.push({
          t: now(),
          instance: inst.name,
          exit: how.signal ?? how.code,
          during,
          log: inst.proc?.logFile,
        });
        log(`${inst.name} exited on its own (${how.signal ?? how.code}) ${during}: restarting it`);
        inst.restart().catch((error) => log(`restarting ${inst.name} failed: ${error.message}`));
      };
    }
    await sleep(Math.max(0, profile.warmupS * 1_000 - now()));
    const ctx = { stack, kafka, redis, adminDb, snapshot, saleStart, now, log };
    for (const [i, step] of plan.entries()) {
      if (i > 0) await sleep(step.gapBeforeS * 1_000);
      log(`fault ${i + 1}/${plan.length} at ${(now() / 1000).toFixed(1)} s: ${step.kind}`);
      timeline.current = step.kind;
      const times = await runFault(step, ctx);
      timeline.current = undefined;
      timeline.steps.push({ ...step, ...times });
      // Whole again (the supervisor may be restarting an instance that died on its own).
      await waitForServices(stack);
    }
    const tailS = profile.gapS[0];
    await sleep(tailS * 1_000);
    const heal = now();
    control.stopping = true;
    control.drainDeadline = Date.now() + 60_000;
    log(`heal at ${(heal / 1000).toFixed(1)} s: load stops, clients finish their current order`);
    await clientsDone;
    stopStallWatch();
    const drainS = (now() - heal) / 1000;
    writeTrace(join(runDir, 'trace.jsonl'), recorder, timeline);

    // Settling: both products quiet (nothing PENDING, no give-back or restore due).
    const orderDb = mysql.createPool({
      ...dbConfig(),
      database: DATABASES.order,
      connectionLimit: 2,
      timezone: 'Z', // the services write DATETIMEs in UTC
    });
    const inventoryDb = mysql.createPool({
      ...dbConfig(),
      database: DATABASES.inventory,
      connectionLimit: 2,
    });
    pools.push(orderDb, inventoryDb);
    const reader = new Redis({ port: settings.redisPort, maxRetriesPerRequest: 2 });
    reader.on('error', () => {});
    pools.push({ end: async () => reader.disconnect() });
    const rows = (db) => async (sql, params) => (await db.query(sql, params))[0];
    const sources = {
      orders: rows(orderDb),
      inventory: rows(inventoryDb),
      redisGet: (k) => reader.get(k),
    };
    const readAll = async () => {
      const read = {};
      for (const p of Object.values(products))
        read[p.id] = await readProduct(sources, orderDb, p.id);
      return read;
    };
    let read = await readAll();
    const quiet = (r) => Object.values(r).every((x) => x.audit.quiet);
    const agree = (r) =>
      Object.values(r).every((x) => x.facts.redisStock === (x.facts.product?.stock ?? null));
    let quietAfterS = null;
    while (now() - heal <= TARGETS.pendingAfterHealMaxS * 1_000) {
      if (quiet(read) && quietAfterS === null) quietAfterS = (now() - heal) / 1000;
      // Redis may lag MySQL by a reconcile pass once quiet: give it the same bound.
      if (quietAfterS !== null && agree(read)) break;
      await sleep(500);
      read = await readAll();
    }
    const pending = Object.values(read).reduce(
      (n, x) => n + x.audit.orders.byStatus.PENDING.orders,
      0,
    );
    const settle = { quietAfterS, pending, drainS };
    log(
      `settled: ${quietAfterS === null ? `NOT quiet after ${TARGETS.pendingAfterHealMaxS} s` : `quiet ${quietAfterS.toFixed(1)} s after the heal`}`,
    );

    const checks = safetyChecks({ products, read, recorder, settle });
    if (timeline.unexpectedExits.length > 0) {
      checks.push({
        name: 'no service instance died on its own',
        ok: false,
        detail: timeline.unexpectedExits
          .map((e) => `${e.instance} exited ${e.exit} at ${(e.t / 1000).toFixed(1)} s ${e.during}`)
          .join('; '),
        target: 'suite',
      });
    }
    const liveness = livenessTable({
      timeline,
      acceptTimes: await serverAcceptTimes(orderDb, recorder, products.main.id, saleStart),
      clientAcceptTimes: recorder.acceptTimes.get(products.main.id) ?? [],
      demand: recorder.demand(products.main.id),
      stalls: recorder.stalls,
      heal,
    });
    const settleTarget = {
      fault: 'settling after the heal',
      target: `<= ${TARGETS.settleAfterHealS} s`,
      value: quietAfterS,
      verdict: quietAfterS !== null && quietAfterS <= TARGETS.settleAfterHealS ? 'PASS' : 'MISS',
    };
    const byStatus = {};
    for (const p of Object.values(products)) byStatus[p.label] = read[p.id].audit.orders.byStatus;
    return {
      seed,
      profile: profileName,
      startedAt: startedAt.toISOString(),
      node: process.version,
      machine: {
        cores: cpus().length,
        loadAverageAtStart: loadAtStart,
        loadAverageAtEnd: loadavg().map((l) => +l.toFixed(2)),
      },
      extraEnv: process.env.CHAOS_EXTRA_ENV ?? '',
      plan,
      timeline,
      heal,
      settle,
      settleTarget,
      products,
      byStatus,
      clients: {
        buyers: profile.clients,
        accepted: recorder.accepted.size,
        statuses: Object.fromEntries([...recorder.statuses].sort()),
        refusals: Object.fromEntries(recorder.refusals),
        networkErrors: recorder.networkErrors,
        unexpected: recorder.unexpected.slice(0, 20),
        unexpectedCount: recorder.unexpected.length,
        cancelRequested: recorder.cancelRequested.size,
        unanswered: recorder.unanswered,
      },
      checks,
      liveness,
      safetyOk: checks.every((c) => c.ok),
      livenessOk: liveness.every((r) => r.verdict !== 'MISS') && settleTarget.verdict === 'PASS',
      logDir,
      durationS: (Date.now() - t0) / 1000,
    };
  } finally {
    control.stopping = true;
    control.drainDeadline = 0;
    await Promise.allSettled(instances(stack).map((i) => i.stop()));
    await Promise.allSettled([kafka.kill(), redis.stop()]);
    await Promise.allSettled([adminDb.end(), ...pools.map((p) => p.end())]);
    killAllNow();
  }
}
