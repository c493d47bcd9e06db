// Command-line flags and environment variables of the flash-sale benchmark.
import { isAbsolute, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

/** flag -> [env variable, default, kind]; a flag wins over its variable. */
const SPEC = {
  connections: ['BENCH_CONNECTIONS', 500, 'int'],
  users: ['BENCH_USERS', 500, 'int'],
  stock: ['BENCH_STOCK', 0, 'int'], // 0 = sized from the Fastify+Lua floor (see README)
  quantity: ['BENCH_QUANTITY', 1, 'int'],
  'max-per-user': ['BENCH_MAX_PER_USER', 1_000_000, 'int'],
  'order-seconds': ['BENCH_ORDER_SECONDS', 12, 'num'],
  'max-order-seconds': ['BENCH_MAX_ORDER_SECONDS', 90, 'num'],
  'sold-out-seconds': ['BENCH_SOLD_OUT_SECONDS', 10, 'num'],
  'warmup-seconds': ['BENCH_WARMUP_SECONDS', 3, 'num'],
  'idle-seconds': ['BENCH_IDLE_SECONDS', 5, 'num'],
  'settle-timeout-seconds': ['BENCH_SETTLE_TIMEOUT_SECONDS', 60, 'num'],
  'register-concurrency': ['BENCH_REGISTER_CONCURRENCY', 8, 'int'],
  'sample-ms': ['BENCH_SAMPLE_MS', 250, 'int'],
  'user-url': ['BENCH_USER_URL', 'http://127.0.0.1:3001', 'url'],
  'order-url': ['BENCH_ORDER_URL', 'http://127.0.0.1:3002', 'url'],
  'inventory-url': ['BENCH_INVENTORY_URL', 'http://127.0.0.1:3003', 'url'],
  out: ['BENCH_OUT', '', 'path'], // '' = <repo>/docs/benchmark
  'token-cache': ['BENCH_TOKEN_CACHE', '', 'path'], // '' = <tmp>/flash-sale-bench-users.json
  'no-start': ['BENCH_NO_START', false, 'bool'],
  'keep-product': ['BENCH_KEEP_PRODUCT', false, 'bool'],
  'no-floors': ['BENCH_NO_FLOORS', false, 'bool'],
  workers: ['BENCH_WORKERS', '', 'workers'], // '' = WEB_CONCURRENCY left as it is
  'cpu-prof': ['BENCH_CPU_PROF', false, 'bool'],
  'semi-space-mib': ['BENCH_SEMI_SPACE_MIB', 8, 'int'],
  'profile-dir': ['BENCH_PROFILE_DIR', '', 'path'], // '' = <tmpdir>/flash-sale-bench-profiles-<run>
  help: ['', false, 'bool'],
};

export const USAGE = `Usage: npm run bench -- [flags]    (or node tests/load/flash-sale-bench.mjs [flags])

Flags (environment variable in brackets; a flag wins):
  --connections N            HTTP connections of every phase and floor [BENCH_CONNECTIONS] (500)
  --users N                  buyers registered through user-service, tokens rotated [BENCH_USERS] (500)
  --stock N                  units on sale; 0 sizes it so the order phase lasts about --order-seconds
                             at 50% of the Fastify+Lua floor's rate [BENCH_STOCK] (0)
  --quantity N               units per order [BENCH_QUANTITY] (1)
  --max-per-user N           the bench product's per-user cap, above ORDER_DEFAULT_MAX_PER_USER
                             [BENCH_MAX_PER_USER] (1000000)
  --order-seconds S          floors' duration, and the order phase's intended length [BENCH_ORDER_SECONDS] (12)
  --max-order-seconds S      the order phase stops here even if stock is left [BENCH_MAX_ORDER_SECONDS] (90)
  --sold-out-seconds S       length of the sold-out phase [BENCH_SOLD_OUT_SECONDS] (10)
  --warmup-seconds S         unmeasured load before each floor and on a warm-up product [BENCH_WARMUP_SECONDS] (3)
  --idle-seconds S           an idle spell before the order phase: each process's CPU without load,
                             subtracted for the net CPU per answer (0 = none) [BENCH_IDLE_SECONDS] (5)
  --settle-timeout-seconds S how long to wait for PENDING orders to settle [BENCH_SETTLE_TIMEOUT_SECONDS] (60)
  --register-concurrency N   parallel registrations/logins (argon2 is slow) [BENCH_REGISTER_CONCURRENCY] (8)
  --sample-ms MS             resource sampling interval [BENCH_SAMPLE_MS] (250)
  --user-url / --order-url / --inventory-url URL
                             the services [BENCH_USER_URL ...] (http://127.0.0.1:3001 / 3002 / 3003)
  --out DIR                  where the JSON and README.md summaries go [BENCH_OUT] (docs/benchmark)
  --token-cache FILE         cached buyers and tokens [BENCH_TOKEN_CACHE] (<tmpdir>/flash-sale-bench-users.json)
  --no-start                 never start the services; fail if they are not up [BENCH_NO_START=1]
  --keep-product             keep the bench products in the catalogue afterwards [BENCH_KEEP_PRODUCT=1]
  --no-floors                skip the bare-Fastify floors (ratios and two targets become "n/a")
  --workers N[,N...]         start the services with WEB_CONCURRENCY=N (they must be down); a list
                             runs the whole bench once per count, the services restarted between,
                             and compares their orders/s [BENCH_WORKERS] (unset: WEB_CONCURRENCY as is)
  --cpu-prof                 profile order-service (started by the bench) during the order and the
                             sold-out phase: .cpuprofile files in --profile-dir, flame graphs
                             flame-order-service-<phase>.svg next to the summary [BENCH_CPU_PROF=1]
  --semi-space-mib N         --max-semi-space-size of the services the bench starts, as every start
                             command sets it; for A/B runs of the GC setting [BENCH_SEMI_SPACE_MIB] (8)
  --profile-dir DIR          where the .cpuprofile files go [BENCH_PROFILE_DIR] (<tmpdir>/flash-sale-bench-profiles-<run>)
Other environment: ADMIN_USERNAME/ADMIN_PASSWORD (admin login; set for services the bench starts),
DB_HOST DB_PORT DB_USERNAME DB_PASSWORD ORDER_DB_DATABASE (order_service's MySQL, read-only),
REDIS_HOST REDIS_PORT, KAFKA_BROKER, JWT_PRIVATE_KEYS_FILE (user-service's keys, to sign an admin token when no admin login is set;
default: the development key in .cache/keys).`;

function convert(name, kind, raw) {
  if (kind === 'bool') return raw === true || raw === '1' || raw === 'true' || raw === 'yes';
  if (kind === 'int' || kind === 'num') {
    const n = Number(raw);
    if (!Number.isFinite(n) || n < 0 || (kind === 'int' && !Number.isInteger(n))) {
      throw new Error(
        `--${name} must be a ${kind === 'int' ? 'whole ' : ''}number >= 0, got "${raw}"`,
      );
    }
    return n;
  }
  if (kind === 'workers') {
    if (raw === '') return [];
    const counts = String(raw)
      .split(',')
      .map((part) => Number(part.trim()));
    if (counts.some((n) => !Number.isInteger(n) || n < 1 || n > 64)) {
      throw new Error(`--${name} must list worker counts 1-64, e.g. 1,2; got "${raw}"`);
    }
    return counts;
  }
  if (kind === 'url') {
    try {
      return new URL(String(raw)).origin;
    } catch {
      throw new Error(`--${name} must be a URL, got "${raw}"`);
    }
  }
  return String(raw);
}

/** Parsed options; relative paths resolve against the directory npm was started from. */
export function parseOptions(argv, env, repoRoot) {
  const { values } = parseArgs({
    args: argv,
    options: Object.fromEntries(
      Object.entries(SPEC).map(([name, [, , kind]]) => [
        name,
        { type: kind === 'bool' ? 'boolean' : 'string' },
      ]),
    ),
    strict: true,
  });
  const options = {};
  for (const [name, [variable, fallback, kind]] of Object.entries(SPEC)) {
    const raw =
      values[name] ??
      (variable && env[variable] !== undefined && env[variable] !== '' ? env[variable] : undefined);
    const key = name.replace(/-([a-z])/g, (_, c) => c.toUpperCase());
    options[key] = raw === undefined ? fallback : convert(name, kind, raw);
  }
  const base = env.INIT_CWD ?? process.cwd();
  const absolute = (p) => (isAbsolute(p) ? p : resolve(base, p));
  options.out = options.out ? absolute(options.out) : join(repoRoot, 'docs', 'benchmark');
  options.tokenCache = options.tokenCache ? absolute(options.tokenCache) : '';
  options.profileDir = options.profileDir ? absolute(options.profileDir) : '';
  if (options.connections < 1) throw new Error('--connections must be at least 1');
  if (options.users < 1) throw new Error('--users must be at least 1');
  if (options.quantity < 1) throw new Error('--quantity must be at least 1');
  if (options.orderSeconds <= 0 || options.soldOutSeconds <= 0) {
    throw new Error('--order-seconds and --sold-out-seconds must be > 0');
  }
  options.registerConcurrency = Math.max(1, options.registerConcurrency);
  if (options.semiSpaceMib < 1) throw new Error('--semi-space-mib must be at least 1');
  options.sampleMs = Math.max(50, options.sampleMs);
  return options;
}
