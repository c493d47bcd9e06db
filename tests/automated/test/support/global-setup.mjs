import { spawn } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import globalTeardown, { STARTED_KEY } from './global-teardown.mjs';
import { ADMIN_PASSWORD, ADMIN_USERNAME, INVENTORY_URL, SERVICES, USER_URL } from './targets.mjs';

/**
 * Makes sure the three services answer before any suite runs. When none does, it brings up the
 * infrastructure, builds if a service was never built, and starts the three from their build on the
 * ports of the configured URLs; the global teardown stops exactly those processes. When only some
 * answer, it refuses to guess and says which.
 */
const HERE = dirname(fileURLToPath(import.meta.url));
export const ROOT = resolve(HERE, '..', '..', '..', '..');
const LOG_DIR = join(ROOT, '.cache', 'automated-tests');
const HEALTH_TIMEOUT_MS = 120_000;

/** @typedef {{name: string, child: import('node:child_process').ChildProcess, log: string}} StartedService */

/**
 * Whether the service can serve its main route: `/api/health/ready` (order-service: its stock
 * counters are loaded), so the first test's order is not refused. A service built before that
 * endpoint existed answers 404 there: its `/api/health` decides.
 * @returns {Promise<'healthy' | 'unhealthy' | 'down'>}
 */
async function probe(url) {
  try {
    let res = await fetch(`${url}/api/health/ready`, { signal: AbortSignal.timeout(3_000) });
    await res.arrayBuffer();
    if (res.status === 404) {
      res = await fetch(`${url}/api/health`, { signal: AbortSignal.timeout(3_000) });
      await res.arrayBuffer();
    }
    return res.status === 200 ? 'healthy' : 'unhealthy';
  } catch {
    return 'down';
  }
}

/** @param {string} command @param {string[]} args @returns {Promise<void>} */
function run(command, args) {
  return new Promise((resolvePromise, reject) => {
    // stdout goes to stderr: with --json, Jest's stdout must stay the report.
    const child = spawn(command, args, { cwd: ROOT, stdio: ['ignore', 2, 2] });
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0
        ? resolvePromise()
        : reject(new Error(`${command} ${args.join(' ')} exited with ${code}`)),
    );
  });
}

function portOf(url) {
  const parsed = new URL(url);
  return parsed.port || (parsed.protocol === 'https:' ? '443' : '80');
}

function tail(file, lines = 30) {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/** @returns {StartedService} */
function startService(name, dir, url) {
  const log = join(LOG_DIR, `${name}.log`);
  const out = createWriteStream(log);
  const coverageDir = process.env.AUTOMATED_SERVICES_V8_COVERAGE;
  const nodeArgs = ['--enable-source-maps', '--max-old-space-size=160', '--max-semi-space-size=8'];
  if (coverageDir) {
    // Nest re-raises SIGTERM after closing, which would kill the process before V8 writes its
    // coverage; this preload turns that second signal into a normal exit.
    nodeArgs.push('--import', join(ROOT, 'tests', 'automated', 'scripts', 'exit-on-sigterm.mjs'));
  }
  const env = {
    ...process.env,
    // Jest sets NODE_ENV=test for itself; the services run as they would on a developer machine.
    NODE_ENV: process.env.SERVICES_NODE_ENV ?? 'development',
    PORT: portOf(url),
    LOG_LEVEL: process.env.SERVICES_LOG_LEVEL ?? 'warn',
    ADMIN_USERNAME,
    ADMIN_PASSWORD,
    // The suites sign in hundreds of buyers from one address.
    LOGIN_MAX_FAILURES_PER_IP: process.env.LOGIN_MAX_FAILURES_PER_IP ?? '100000',
    USER_SERVICE_URL: USER_URL,
    INVENTORY_SERVICE_URL: INVENTORY_URL,
    ...(coverageDir ? { NODE_V8_COVERAGE: coverageDir } : {}),
  };
  delete env.NODE_OPTIONS; // Jest's --experimental-vm-modules is not for the services
  const child = spawn(process.execPath, [...nodeArgs, 'dist/main.js'], {
    cwd: join(ROOT, dir),
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.pipe(out);
  child.stderr?.pipe(out);
  return { name, child, log };
}

/** @param {StartedService} started @param {string} url */
async function waitHealthy(started, url) {
  const deadline = Date.now() + HEALTH_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (started.child.exitCode !== null || started.child.signalCode !== null) {
      throw new Error(
        `${started.name} exited (${started.child.exitCode ?? started.child.signalCode}) while starting; last lines of ${started.log}:\n${tail(started.log)}`,
      );
    }
    if ((await probe(url)) === 'healthy') return;
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new Error(
    `${started.name} did not answer 200 on ${url}/api/health/ready within ${HEALTH_TIMEOUT_MS / 1000}s; see ${started.log}:\n${tail(started.log)}`,
  );
}

async function checkAdminLogin() {
  const res = await fetch(`${USER_URL}/api/users/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: ADMIN_USERNAME, password: ADMIN_PASSWORD }),
    signal: AbortSignal.timeout(10_000),
  });
  const body = await res.text();
  if (res.status === 429) {
    throw new Error(
      `The services are up, but user-service refuses sign-ins from this address for now (429: ${body.slice(0, 200)}).\n` +
        'Its per-address budget of failed logins (LOGIN_MAX_FAILURES_PER_IP, counted in Redis for all instances) is spent: ' +
        'wait for Retry-After, or restart user-service with a higher LOGIN_MAX_FAILURES_PER_IP.',
    );
  }
  if (res.status !== 200 || !body.includes('"role":"admin"')) {
    throw new Error(
      `The services are up, but signing in as the admin "${ADMIN_USERNAME}" answered ${res.status} (${body.slice(0, 200)}).\n` +
        'Set ADMIN_USERNAME and ADMIN_PASSWORD to the admin the running user-service was started with ' +
        '(or stop the services and let the tests start their own).',
    );
  }
}

export default async function globalSetup() {
  const answers = await Promise.all(SERVICES.map((s) => probe(s.url)));
  const reachable = SERVICES.filter((_, i) => answers[i] !== 'down');
  /** @type {StartedService[]} */
  const started = [];
  globalThis[STARTED_KEY] = started;

  if (reachable.length === 0) {
    process.stderr.write('\n[automated-tests] no service answers: starting the system\n');
    await run('bash', ['scripts/infra.sh', 'up']);
    if (SERVICES.some((s) => !existsSync(join(ROOT, s.dir, 'dist', 'main.js')))) {
      process.stderr.write('[automated-tests] a dist/main.js is missing: npm run build\n');
      await run('npm', ['run', '--silent', 'build']);
    }
    mkdirSync(LOG_DIR, { recursive: true });
    for (const service of SERVICES)
      started.push(startService(service.name, service.dir, service.url));
    try {
      await Promise.all(started.map((s, i) => waitHealthy(s, SERVICES[i].url)));
    } catch (error) {
      await globalTeardown();
      throw error;
    }
    process.stderr.write(
      `[automated-tests] started ${started.map((s) => `${s.name} (pid ${s.child.pid})`).join(', ')}; logs in ${LOG_DIR}\n`,
    );
  } else if (reachable.length < SERVICES.length) {
    const missing = SERVICES.filter((_, i) => answers[i] === 'down');
    throw new Error(
      `Only some services answer. Answering: ${reachable.map((s) => `${s.name} at ${s.url}`).join(', ')}; ` +
        `not answering: ${missing.map((s) => `${s.name} at ${s.url}`).join(', ')}. ` +
        'Start the missing ones (npm start) or stop all of them so the tests start their own; ' +
        'or point USER_SERVICE_URL / ORDER_SERVICE_URL / INVENTORY_SERVICE_URL at the right ports.',
    );
  } else {
    // All answer: wait briefly for one that is still becoming ready (e.g. Kafka reconnecting).
    const late = SERVICES.filter((_, i) => answers[i] === 'unhealthy');
    for (const service of late) {
      const deadline = Date.now() + 30_000;
      while ((await probe(service.url)) !== 'healthy') {
        if (Date.now() > deadline) {
          throw new Error(`${service.name} at ${service.url}/api/health/ready does not answer 200`);
        }
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  }
  try {
    await checkAdminLogin();
  } catch (error) {
    // Jest runs no teardown when the set-up fails: stop what was started here first.
    await globalTeardown();
    throw error;
  }
}
