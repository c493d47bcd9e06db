// The system under chaos: its own databases on the shared MariaDB, user-service, two
// order-service and two inventory-service instances, all pointed at the run's own Redis and Kafka.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import { portOpen } from './kafka.mjs';
import { startGroup, waitFor } from './processes.mjs';

export const ADMIN = { username: 'chaos-admin', password: 'chaos-admin-password-1' };

/**
 * Each service's database: the chaos stack's own, dropped and created again for every run.
 * CHAOS_DB_PREFIX (default `chaos`) lets two runs share one MariaDB without meeting.
 */
const DB_PREFIX = process.env.CHAOS_DB_PREFIX ?? 'chaos';
export const DATABASES = {
  user: `${DB_PREFIX}_user_service`,
  order: `${DB_PREFIX}_order_service`,
  inventory: `${DB_PREFIX}_inventory_service`,
};

export function dbConfig() {
  return {
    host: process.env.DB_HOST ?? '127.0.0.1',
    port: Number(process.env.DB_PORT ?? 3306),
    user: process.env.DB_USERNAME ?? 'root',
    password: process.env.DB_PASSWORD ?? '',
  };
}

/** Fresh, empty databases for the three services (the services migrate them at start). */
export async function freshDatabases() {
  const db = await mysql.createConnection(dbConfig());
  try {
    for (const name of Object.values(DATABASES)) {
      await db.query(`DROP DATABASE IF EXISTS \`${name}\``);
      await db.query(
        `CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`,
      );
    }
  } finally {
    await db.end();
  }
}

/**
 * `KILL CONNECTION` for every connection of the chaos services, found in the processlist by
 * database: only the chaos stack uses these databases, so no other session is touched.
 */
export async function killChaosConnections(admin) {
  const names = Object.values(DATABASES);
  const [rows] = await admin.query(
    `SELECT id FROM information_schema.processlist WHERE db IN (?) AND id <> CONNECTION_ID()`,
    [names],
  );
  let killed = 0;
  for (const { id } of rows) {
    try {
      await admin.query(`KILL CONNECTION ${Number(id)}`);
      killed += 1;
    } catch {
      // ended meanwhile
    }
  }
  return killed;
}

const SERVICE_DIRS = {
  user: 'user-service',
  order: 'order-service',
  inventory: 'inventory-service',
};

/** One service instance: start, kill -9, restart, wait until it answers healthy. */
export class ServiceInstance {
  constructor({ name, kind, port, root, logDir, env }) {
    Object.assign(this, { name, kind, port, root, logDir, env });
    this.url = `http://127.0.0.1:${port}`;
    this.proc = undefined;
    /** True while an exit is ours (kill -9, restart, stop, a fail-point run). */
    this.expectingExit = false;
    /** Called with (instance, {code, signal}) when the process exits on its own. */
    this.onUnexpectedExit = () => {};
    this.queue = Promise.resolve();
  }

  /** Runs `action` after every earlier start/kill/restart of this instance (no two at once). */
  serial(action) {
    const next = this.queue.then(action, action);
    this.queue = next.catch(() => {});
    return next;
  }

  start(extraEnv = {}, { expectExit = false } = {}) {
    return this.serial(() => this.startNow(extraEnv, expectExit));
  }

  async startNow(extraEnv, expectExit) {
    const dir = join(this.root, SERVICE_DIRS[this.kind]);
    if (!existsSync(join(dir, 'dist', 'main.js')))
      throw new Error(`${dir}/dist/main.js is missing: run \`npm run build\` first`);
    if (await portOpen(this.port))
      throw new Error(`port ${this.port} is already in use (${this.name})`);
    const env = { ...this.env, PORT: String(this.port), ...extraEnv };
    delete env.NODE_OPTIONS; // Jest's flags are not for the services
    this.proc = startGroup(
      this.name,
      process.execPath,
      [
        '--enable-source-maps',
        '--max-old-space-size=160',
        '--max-semi-space-size=8',
        'dist/main.js',
      ],
      { cwd: dir, env, logDir: this.logDir },
    );
    this.expectingExit = expectExit;
    const proc = this.proc;
    void proc.exited.then((how) => {
      if (this.proc === proc && !this.expectingExit) this.onUnexpectedExit(this, how);
    });
  }

  alive() {
    return this.proc?.alive() ?? false;
  }

  async healthy() {
    try {
      const res = await fetch(`${this.url}/api/health`, { signal: AbortSignal.timeout(3_000) });
      await res.arrayBuffer();
      return res.status === 200;
    } catch {
      return false;
    }
  }

  /** Waits for /api/health = 200 (the services' readiness today). */
  async waitHealthy(timeoutMs = 180_000) {
    const proc = this.proc;
    await waitFor(`${this.name} healthy on ${this.url}`, () => this.healthy(), {
      timeoutMs,
      everyMs: 300,
      abortIf: () => (proc?.alive() ? undefined : `exited; see ${proc?.logFile}`),
    });
  }

  kill9() {
    return this.serial(async () => {
      this.expectingExit = true;
      await this.proc?.kill();
    });
  }

  /** kill -9 (if alive), wait for the port to be free, start again. */
  restart(extraEnv = {}, { expectExit = false } = {}) {
    return this.serial(async () => {
      this.expectingExit = true;
      await this.proc?.kill();
      await waitFor(
        `${this.name}'s port ${this.port} free`,
        async () => !(await portOpen(this.port)),
        {
          timeoutMs: 30_000,
        },
      );
      await this.startNow(extraEnv, expectExit);
    });
  }

  stop() {
    this.expectingExit = true;
    return this.serial(async () => {
      this.expectingExit = true;
      await this.proc?.stop(10_000);
    });
  }
}

/**
 * `CHAOS_EXTRA_ENV="ORDER_MAX_PENDING=1000 STOCK_REPAIR_QUIET_MS=5000"`: more settings for every
 * instance (each service ignores the ones it does not know), e.g. to run the schedule against a
 * tighter bound than the defaults.
 */
export function extraEnv(text = '') {
  const out = {};
  for (const pair of text.split(/\s+/).filter(Boolean)) {
    const at = pair.indexOf('=');
    if (at <= 0) throw new Error(`CHAOS_EXTRA_ENV: "${pair}" is not NAME=value`);
    out[pair.slice(0, at)] = pair.slice(at + 1);
  }
  return out;
}

/** The five instances, wired to the chaos Redis/Kafka and databases. */
export function buildStack({ root, logDir, ports, redisPort, kafkaBroker }) {
  const [userPort, orderA, orderB, invA, invB] = ports;
  const base = {
    ...process.env,
    NODE_ENV: 'development',
    LOG_LEVEL: process.env.CHAOS_LOG_LEVEL ?? 'warn',
    LOG_FORMAT: 'json',
    REDIS_HOST: '127.0.0.1',
    REDIS_PORT: String(redisPort),
    KAFKA_BROKER: kafkaBroker,
    ADMIN_USERNAME: ADMIN.username,
    ADMIN_PASSWORD: ADMIN.password,
    LOGIN_MAX_FAILURES_PER_IP: '1000000',
    JWT_EXPIRES_IN_SECONDS: '7200',
    USER_SERVICE_URL: `http://127.0.0.1:${userPort}`,
    // The chaos databases are the suite's own, made by the account that made them (each service's
    // own MySQL user has rights on its usual database only).
    DB_USERNAME: dbConfig().user,
    DB_PASSWORD: dbConfig().password,
    // The load reorders with a few buyers, as fast as answers come: the abuse limits and the default
    // per-user cap are not what this suite is about (its scarce product sets a cap of its own).
    ORDER_DEFAULT_MAX_PER_USER: '0',
    RATE_LIMIT_ORDERS_PER_USER: 'off',
    RATE_LIMIT_ORDERS_PER_ADDRESS: 'off',
    RATE_LIMIT_REGISTER_PER_ADDRESS: 'off',
    RATE_LIMIT_LOGIN_PER_ADDRESS: 'off',
    RATE_LIMIT_LOGIN_PER_ACCOUNT: 'off',
  };
  delete base.REDIS_PASSWORD;
  Object.assign(base, extraEnv(process.env.CHAOS_EXTRA_ENV));
  const make = (name, kind, port, extra) =>
    new ServiceInstance({
      name,
      kind,
      port,
      root,
      logDir,
      env: { ...base, DB_DATABASE: DATABASES[kind], ...extra },
    });
  // Each order-service instance asks the other inventory-service instance for the catalogue, so
  // a killed inventory instance leaves one order instance able to rebuild the counters.
  return {
    user: make('user-service', 'user', userPort, {}),
    orderA: make('order-service-a', 'order', orderA, {
      INVENTORY_SERVICE_URL: `http://127.0.0.1:${invB}`,
    }),
    orderB: make('order-service-b', 'order', orderB, {
      INVENTORY_SERVICE_URL: `http://127.0.0.1:${invA}`,
    }),
    inventoryA: make('inventory-service-a', 'inventory', invA, {}),
    inventoryB: make('inventory-service-b', 'inventory', invB, {}),
  };
}

export function instances(stack) {
  return [stack.user, stack.inventoryA, stack.inventoryB, stack.orderA, stack.orderB];
}

/**
 * Starts user-service and the A instances, and once they are healthy (their migrations done: two
 * instances migrating one database at once would race), the B instances. Resolves when the A
 * instances are healthy, to `{secondHalf}`: a promise of the B instances being healthy.
 */
export async function startStack(stack) {
  await Promise.all([stack.user.start(), stack.inventoryA.start(), stack.orderA.start()]);
  await Promise.all([
    stack.user.waitHealthy(),
    stack.inventoryA.waitHealthy(),
    stack.orderA.waitHealthy(),
  ]);
  await Promise.all([stack.inventoryB.start(), stack.orderB.start()]);
  const secondHalf = Promise.all([stack.inventoryB.waitHealthy(), stack.orderB.waitHealthy()]);
  secondHalf.catch(() => {}); // awaited by the caller; not unhandled if it fails before that
  return { secondHalf };
}
