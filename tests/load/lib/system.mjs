// The system under test: finding or starting the three services, the admin token, the buyers,
// and describing the machine the figures were taken on.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, openSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, freemem, loadavg, release, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { signWithKeyFile } from './dev-token.mjs';
import { commandOf, pidListeningOn } from './processes.mjs';
import pMap from 'p-map';
import { http, jwtPayload, progress, sleep } from './support.mjs';

const DEFAULT_ADMIN = { username: 'bench-admin', password: 'bench-admin-password-1' };
/** The services' token-bucket settings (`"<burst>,<per second>"`) the bench raises. */
const BENCH_RATE_LIMITS = [
  'RATE_LIMIT_ORDERS_PER_USER',
  'RATE_LIMIT_ORDERS_PER_ADDRESS',
  'RATE_LIMIT_REGISTER_PER_ADDRESS',
  'RATE_LIMIT_LOGIN_PER_ADDRESS',
  'RATE_LIMIT_LOGIN_PER_ACCOUNT',
];
const UNREACHABLE_BUCKET = '100000000,100000000';
const LOCAL_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]', '0.0.0.0']);

async function healthy(baseUrl) {
  try {
    const res = await http('GET', `${baseUrl}/api/health`, { timeoutMs: 2_000 });
    return res.status === 200;
  } catch {
    return false;
  }
}

/**
 * Makes sure the three services answer. Those that do not are started here (local URLs only),
 * like scripts/start.mjs does: `node dist/main.js` in the service's folder with LOG_LEVEL=warn on
 * the URL's port. Returns each service's URL, PID and whether the bench started it.
 */
export async function ensureServices(options, repoRoot, cleanup) {
  const services = [
    { name: 'user-service', dir: 'user-service', url: options.userUrl },
    { name: 'order-service', dir: 'order-service', url: options.orderUrl },
    { name: 'inventory-service', dir: 'inventory-service', url: options.inventoryUrl },
  ];
  const up = await Promise.all(services.map((s) => healthy(s.url)));
  const missing = services.filter((_, i) => !up[i]);
  const admin = {
    username: process.env.ADMIN_USERNAME,
    password: process.env.ADMIN_PASSWORD,
  };
  // --workers: WEB_CONCURRENCY can only be given to services the bench starts.
  if (options.workerCount !== undefined && missing.length < services.length) {
    const running = services.filter((s) => !missing.includes(s));
    throw new Error(
      `--workers ${options.workerCount}: ${running.map((s) => `${s.name} (${s.url})`).join(', ')} already running; stop them (the bench starts them with WEB_CONCURRENCY) or leave out --workers`,
    );
  }
  if (missing.length > 0) {
    if (options.noStart) {
      throw new Error(`not up: ${missing.map((s) => `${s.name} (${s.url})`).join(', ')}`);
    }
    for (const s of missing) {
      const { hostname } = new URL(s.url);
      if (!LOCAL_HOSTS.has(hostname))
        throw new Error(`${s.name} at ${s.url} is down and not local`);
      if (!existsSync(join(repoRoot, s.dir, 'dist', 'main.js'))) {
        throw new Error(`${s.dir}/dist/main.js is missing: run \`npm run build\` first`);
      }
    }
    // The admin account is created by user-service at start: only possible if we start it.
    if (!admin.username && missing.some((s) => s.name === 'user-service')) {
      Object.assign(admin, DEFAULT_ADMIN);
    }
    const logDir = join(tmpdir(), `flash-sale-bench-logs-${Date.now()}`);
    mkdirSync(logDir, { recursive: true });
    for (const s of missing) {
      s.logFile = join(logDir, `${s.name}.log`);
      const log = openSync(s.logFile, 'a');
      const env = {
        ...process.env,
        PORT: new URL(s.url).port || '80',
        LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
        USER_SERVICE_URL: options.userUrl,
        INVENTORY_SERVICE_URL: options.inventoryUrl,
        ...(options.workerCount === undefined
          ? {}
          : { WEB_CONCURRENCY: String(options.workerCount) }),
      };
      // Every buyer logs in from this one address, and the per-address budget of failed logins
      // is shared (in Redis) with whatever else runs here: do not let others' failures block us.
      env.LOGIN_MAX_FAILURES_PER_IP = process.env.LOGIN_MAX_FAILURES_PER_IP ?? '1000000';
      // The bench measures capacity, not the abuse limits: its 500 buyers each order far faster
      // than a person clicks, all from this address. The limits stay on (every order still pays
      // its token-bucket check in Redis), with buckets no run can empty.
      for (const name of BENCH_RATE_LIMITS) {
        env[name] = process.env[name] ?? UNREACHABLE_BUCKET;
      }
      if (admin.username) {
        env.ADMIN_USERNAME = admin.username;
        env.ADMIN_PASSWORD = admin.password;
      }
      const child = spawn(
        process.execPath,
        [
          '--enable-source-maps',
          '--max-old-space-size=160',
          `--max-semi-space-size=${options.semiSpaceMib}`,
          // --cpu-prof: the bench profiles order-service phase by phase through its inspector.
          ...(options.cpuProf && s.name === 'order-service' ? ['--inspect=127.0.0.1:0'] : []),
          'dist/main.js',
        ],
        {
          cwd: join(repoRoot, s.dir),
          env,
          stdio: ['ignore', log, log],
        },
      );
      s.child = child;
      s.started = true;
      child.on('exit', (code, signal) => {
        s.exited = true;
        if (!s.stopping)
          progress(`${s.name} exited (${signal ?? code}); see ${logDir}/${s.name}.log`);
      });
      cleanup.push(`stop ${s.name}`, () => stopChild(s));
    }
    progress(`starting ${missing.map((s) => s.name).join(', ')} (logs in ${logDir})`);
    const started = Date.now();
    // A pool's workers start one after the other (the first runs the migrations): more time.
    const deadline = Date.now() + 90_000 * Math.max(1, options.workerCount ?? 1);
    for (const s of missing) {
      while (!(await healthy(s.url))) {
        if (s.exited)
          throw new Error(`${s.name} exited while starting; see ${logDir}/${s.name}.log`);
        if (Date.now() > deadline) {
          throw new Error(`${s.name} did not become healthy in ${(deadline - started) / 1000} s`);
        }
        await sleep(500);
      }
    }
  }
  for (const s of services) {
    s.pid = s.child?.pid ?? pidListeningOn(Number(new URL(s.url).port || 80));
    try {
      const res = await http('GET', `${s.url}/api`, { timeoutMs: 3_000 });
      s.version = res.body?.version ?? null;
    } catch {
      s.version = null;
    }
  }
  return { services, admin };
}

async function stopChild(s) {
  if (s.exited || !s.child) return;
  s.stopping = true;
  const exited = new Promise((resolve) => s.child.once('exit', resolve));
  s.child.kill('SIGTERM');
  const killer = setTimeout(() => s.child.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(killer);
}

/** Thrown when user-service refuses a login with 429 (login throttling). */
class LoginThrottled extends Error {}

/**
 * POST /api/users/login. A 429 is not retried: user-service charges every attempt to the account
 * and the address before checking anything, even a refused one, so retrying only extends the block.
 */
async function login(options, username, password) {
  const res = await http('POST', `${options.userUrl}/api/users/login`, {
    body: { username, password },
    timeoutMs: 60_000,
  });
  if (res.status === 200 && res.body?.accessToken) return res.body.accessToken;
  const message = `logging in ${username}: ${res.status} ${JSON.stringify(res.body)}`;
  if (res.status === 429) {
    throw new LoginThrottled(
      `${message} (login throttling: LOGIN_MAX_FAILURES_PER_USERNAME / LOGIN_MAX_FAILURES_PER_IP, ` +
        'counted in Redis for everything that logs in from this address; raise them or let the ' +
        'bench start the services)',
    );
  }
  throw new Error(message);
}

/**
 * An admin token: login with ADMIN_USERNAME/ADMIN_PASSWORD, else one signed with user-service's
 * key (its development key from .cache/keys, or JWT_PRIVATE_KEYS_FILE).
 */
export async function adminToken(options, admin) {
  if (admin.username && admin.password) {
    const token = await login(options, admin.username, admin.password);
    return { token, how: `login as ${admin.username}` };
  }
  // No admin account known: sign one as user-service would (same claims, issuer and audience).
  const token = await signWithKeyFile({ sub: '1', username: 'bench-admin', role: 'admin' });
  return { token, how: "signed with user-service's key (no ADMIN_USERNAME/ADMIN_PASSWORD set)" };
}

function newBuyer(tag, i) {
  const username = `fsb-${tag}-${i}`;
  return {
    username,
    email: `${username}@bench.invalid`,
    password: randomBytes(12).toString('base64url'),
    fresh: true,
  };
}

/**
 * N buyers with fresh tokens, registered and logged in through user-service. Buyers and tokens
 * are cached in a file so a rerun only logs in again those whose token would expire during it
 * (argon2id makes each registration and login cost tens of milliseconds of CPU).
 */
export async function buyers(options, runTag) {
  const cacheFile = options.tokenCache || join(tmpdir(), 'flash-sale-bench-users.json');
  let cached = [];
  try {
    const data = JSON.parse(readFileSync(cacheFile, 'utf8'));
    if (data.userUrl === options.userUrl && Array.isArray(data.users)) cached = data.users;
  } catch {
    // no cache yet
  }
  if (cached.length > 0) {
    // The cache is only good if its first user still exists with the same secret.
    const probe = cached.find(
      (u) => u.token && jwtPayload(u.token).exp * 1000 > Date.now() + 5_000,
    );
    let ok = false;
    if (probe) {
      const res = await http('GET', `${options.userUrl}/api/users/profile`, { token: probe.token });
      ok = res.status === 200;
    } else {
      const u = cached[0];
      const res = await http('POST', `${options.userUrl}/api/users/login`, {
        body: { username: u.username, password: u.password },
      });
      ok = res.status === 200;
    }
    if (!ok) {
      progress('cached buyers are not valid on this user-service: registering new ones');
      cached = [];
    }
  }
  const users = cached.slice(0, options.users);
  for (let i = users.length; i < options.users; i++) users.push(newBuyer(runTag, i));
  // Tokens must outlive the run (default JWT lifetime is 15 minutes).
  const needed = Date.now() + 10 * 60_000;
  const todo = users.filter((u) => u.fresh || !u.token || jwtPayload(u.token).exp * 1000 < needed);
  const registering = todo.filter((u) => u.fresh).length;
  progress(
    `buyers: ${users.length - todo.length} cached with valid tokens, ${todo.length - registering} to log in, ${registering} to register (concurrency ${options.registerConcurrency})`,
  );
  let done = 0;
  const ticker = setInterval(() => progress(`buyers: ${done}/${todo.length} ready`), 2_000);
  const t0 = performance.now();
  try {
    await pMap(
      todo,
      async (u) => {
        if (!u.fresh) {
          try {
            u.token = await login(options, u.username, u.password);
            done++;
            return;
          } catch (error) {
            if (!(error instanceof LoginThrottled)) throw error;
            // This cached account is locked for a while: a new buyer takes its place.
            Object.assign(u, newBuyer(`${runTag}r`, users.indexOf(u)), { token: undefined });
          }
        }
        const res = await http('POST', `${options.userUrl}/api/users/register`, {
          body: { username: u.username, email: u.email, password: u.password },
          timeoutMs: 60_000,
        });
        if (res.status !== 201) {
          throw new Error(`registering ${u.username}: ${res.status} ${JSON.stringify(res.body)}`);
        }
        delete u.fresh;
        u.token = await login(options, u.username, u.password);
        done++;
      },
      { concurrency: options.registerConcurrency },
    );
  } finally {
    clearInterval(ticker);
    // Save even after a failure, so what was registered is not registered again.
    const keep = users.filter((u) => !u.fresh);
    writeFileSync(cacheFile, JSON.stringify({ userUrl: options.userUrl, users: keep }, null, 1));
  }
  return {
    tokens: users.map((u) => u.token),
    registered: registering,
    loggedIn: todo.length,
    seconds: (performance.now() - t0) / 1000,
    cacheFile,
  };
}

function osName() {
  try {
    return (
      /^PRETTY_NAME="?([^"\n]*)"?/m.exec(readFileSync('/etc/os-release', 'utf8'))?.[1] ?? 'Linux'
    );
  } catch {
    return process.platform;
  }
}

/** Kafka's version from the broker's class path (kafka_<scala>-<version>.jar), if it is local. */
function kafkaVersion(pid) {
  if (!pid) return null;
  try {
    const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    const cp = args[args.indexOf('-cp') + 1] ?? args[args.indexOf('-classpath') + 1] ?? '';
    for (const entry of cp.split(':')) {
      const dir = entry.endsWith('/*') ? entry.slice(0, -2) : null;
      const files = dir ? readdirSync(dir) : [entry.split('/').pop()];
      for (const f of files) {
        const m = /^kafka_[0-9.]+-([0-9][0-9A-Za-z.-]*)\.jar$/.exec(f ?? '');
        if (m) return m[1];
      }
    }
  } catch {
    // not readable
  }
  return null;
}

/** The machine and the software the figures were taken with. */
export async function describeMachine({ redis, db, pids }) {
  const cpuInfo = cpus();
  let redisVersion = null;
  try {
    redisVersion = /redis_version:(\S+)/.exec(await redis.info('server'))?.[1] ?? null;
  } catch {
    // leave unknown
  }
  let dbVersion = null;
  try {
    const [rows] = await db.query('SELECT VERSION() AS v');
    dbVersion = rows[0]?.v ?? null;
  } catch {
    // leave unknown
  }
  return {
    cpuModel: cpuInfo[0]?.model ?? 'unknown',
    cores: cpuInfo.length,
    memoryGiB: +(totalmem() / 2 ** 30).toFixed(1),
    freeMemoryGiB: +(freemem() / 2 ** 30).toFixed(1),
    os: `${osName()} (kernel ${release()})`,
    node: process.version,
    redis: redisVersion,
    mariadb: dbVersion,
    kafka: kafkaVersion(pids.kafka),
    loadAverageAtStart: loadavg().map((l) => +l.toFixed(2)),
  };
}

/** The processes other than ours that used the most CPU between two snapshots. */
export function otherBusyProcesses(before, after, seconds, exclude, limit = 6) {
  const rows = [];
  for (const [pid, cpu] of after) {
    if (exclude.has(pid)) continue;
    const used = cpu - (before.get(pid) ?? 0);
    if (used > 0.05 * seconds)
      rows.push({ pid, cpuPercent: (used / seconds) * 100, command: commandOf(pid) });
  }
  return rows.sort((a, b) => b.cpuPercent - a.cpuPercent).slice(0, limit);
}
