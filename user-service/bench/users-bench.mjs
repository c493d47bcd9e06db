// Load benchmark of user-service: registration, then login, each at a fixed number of concurrent
// clients, reporting throughput and latency percentiles. Not a test: it asserts nothing.
//
//   node user-service/bench/users-bench.mjs [--url http://127.0.0.1:3001] [--concurrency 50]
//                                           [--register 1000] [--login 2000] [--json]
//
// Needs a running user-service (e.g. `LOG_LEVEL=warn node user-service/dist/main.js`). Every run
// registers fresh users (`bench_<run>_<n>`), so it can be repeated against the same database.
// Logins cycle over those users so that no two concurrent clients use one account, and all
// succeed; the per-address login limit must stay above the concurrency (it does by default).
import { randomBytes } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';

const { values: options } = parseArgs({
  options: {
    url: { type: 'string', default: process.env.USER_SERVICE_URL ?? 'http://127.0.0.1:3001' },
    concurrency: { type: 'string', default: '50' },
    register: { type: 'string', default: '1000' },
    login: { type: 'string', default: '2000' },
    json: { type: 'boolean', default: false },
  },
});
const baseUrl = options.url.replace(/\/+$/, '');
const concurrency = Number(options.concurrency);
const registerCount = Number(options.register);
const loginCount = Number(options.login);
for (const [name, value] of Object.entries({ concurrency, registerCount, loginCount })) {
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a positive integer`);
}

const run = randomBytes(3).toString('hex');
const password = `bench-${randomBytes(8).toString('hex')}`;
const users = Array.from({ length: registerCount }, (_, i) => ({
  username: `bench_${run}_${i}`,
  email: `bench_${run}_${i}@example.com`,
  password,
}));

async function post(path, body) {
  const started = performance.now();
  try {
    const res = await fetch(`${baseUrl}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    await res.arrayBuffer();
    return { status: res.status, ms: performance.now() - started };
  } catch (error) {
    return { status: `error:${error.cause?.code ?? error.name}`, ms: performance.now() - started };
  }
}

/** Runs `total` requests, `concurrency` at a time, and summarises them. */
async function phase(name, total, expectedStatus, request) {
  const samples = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: Math.min(concurrency, total) }, async () => {
      while (next < total) {
        const i = next++;
        samples.push(await request(i));
      }
    }),
  );
  const seconds = (performance.now() - started) / 1_000;
  const latencies = samples.map((s) => s.ms).sort((a, b) => a - b);
  const at = (p) => latencies[Math.min(latencies.length - 1, Math.ceil(p * latencies.length) - 1)];
  const statuses = {};
  for (const { status } of samples) statuses[status] = (statuses[status] ?? 0) + 1;
  return {
    phase: name,
    requests: total,
    ok: statuses[expectedStatus] ?? 0,
    statuses,
    seconds: round(seconds),
    throughputPerSecond: round(total / seconds),
    latencyMs: {
      p50: round(at(0.5)),
      p95: round(at(0.95)),
      p99: round(at(0.99)),
      max: round(latencies[latencies.length - 1]),
    },
  };
}

const round = (x) => Math.round(x * 10) / 10;

const info = await fetch(`${baseUrl}/api`).then(
  (res) => res.json(),
  (error) => {
    throw new Error(`user-service is not reachable at ${baseUrl}: ${error.cause?.code ?? error}`);
  },
);
if (info.service !== 'user-service')
  throw new Error(`${baseUrl} is ${info.service}, not user-service`);

const results = [];
results.push(
  await phase('register', registerCount, 201, (i) => post('/api/users/register', users[i])),
);
results.push(
  await phase('login', loginCount, 200, (i) => {
    const { username } = users[i % users.length];
    return post('/api/users/login', { username, password });
  }),
);

if (options.json) {
  console.log(JSON.stringify({ url: baseUrl, concurrency, cpus: availableParallelism(), results }));
} else {
  console.log(
    `user-service ${info.version} at ${baseUrl}, ${concurrency} concurrent clients, ` +
      `${availableParallelism()} CPUs on this machine (client and server share them)`,
  );
  console.table(
    results.map((r) => ({
      phase: r.phase,
      requests: r.requests,
      ok: r.ok,
      'req/s': r.throughputPerSecond,
      'p50 ms': r.latencyMs.p50,
      'p95 ms': r.latencyMs.p95,
      'p99 ms': r.latencyMs.p99,
      'max ms': r.latencyMs.max,
      statuses: JSON.stringify(r.statuses),
    })),
  );
}
if (results.some((r) => r.ok !== r.requests)) process.exitCode = 1;
