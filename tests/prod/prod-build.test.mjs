// The production build path of the images, without Docker: the build context as `docker build`
// sends it, then every COPY/RUN step of user-service/, order-service/ and inventory-service/
// Dockerfile (`npm ci` + `npm run build` in the build stage; `npm ci --omit=dev` plus the
// compiled dist/ folders in the runtime stage), each in a directory of its own. The three
// results are then started as the images start them (their CMD, in their WORKDIR, with
// NODE_ENV=production and, when this runs as root, as an unprivileged user like USER node)
// against the local MariaDB, Redis and Kafka, until /api/health answers 200, and stopped with
// SIGTERM. What differs from a real image: the Node.js and OS of this machine instead of the
// base image's. Run: node --test tests/prod/prod-build.test.mjs (about 2-3 minutes).
// FLASH_KEEP_PROD_BUILD=1 keeps the work directory for a look afterwards.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { chmodSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ROOT, SERVICES, buildDockerfiles, copyBuildContext } from './lib/docker.mjs';

const HEALTH_TIMEOUT_MS = 120_000;
const STOP_TIMEOUT_MS = 30_000;
const UNPRIVILEGED = 65534; // nobody
// Connection settings of the local infrastructure pass through; everything else is the image's.
const PASSED_THROUGH =
  /^(DB_HOST|DB_PORT|DB_USERNAME|DB_PASSWORD|REDIS_HOST|REDIS_PORT|REDIS_PASSWORD|KAFKA_BROKER|KAFKA_SASL_MECHANISM)$/;

/**
 * Production has no development fallback for Kafka credentials: each service logs in as its own
 * user of the local broker, with the password scripts/infra.sh gave it (KAFKA_<USER>_PASSWORD,
 * else the development one). KAFKA_SASL_MECHANISM=none passes through for a PLAINTEXT broker.
 */
function kafkaLoginOf(name) {
  const variable = `KAFKA_${name.toUpperCase().replaceAll('-', '_')}_PASSWORD`;
  return {
    KAFKA_SASL_USERNAME: name,
    KAFKA_SASL_PASSWORD: process.env[variable] ?? `${name}-dev-password`,
  };
}

let workDir;
let images;
const children = [];

const log = (message) => process.stderr.write(`[prod-build] ${message}\n`);

before(
  () => {
    workDir = mkdtempSync(join(tmpdir(), 'flash-prod-build-'));
    chmodSync(workDir, 0o755); // readable by the unprivileged user the services run as
    const started = Date.now();
    const context = join(workDir, 'context');
    const files = copyBuildContext(ROOT, context);
    log(`build context: ${files.length} files in ${context}`);
    images = buildDockerfiles({
      dockerfiles: SERVICES.map((s) => ({ id: s.name, path: join(ROOT, s.name, 'Dockerfile') })),
      context,
      workDir,
      log,
    });
    log(`built the three images' file trees in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  },
  { timeout: 900_000 },
);

after(() => {
  for (const { child } of children) if (child.exitCode === null) child.kill('SIGKILL');
  if (workDir && process.env.FLASH_KEEP_PROD_BUILD !== '1') {
    rmSync(workDir, { recursive: true, force: true });
  } else if (workDir) log(`kept ${workDir}`);
});

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Whether the unprivileged user can run this Node.js (it cannot if it lives under /root). */
function canDropPrivileges() {
  if (process.getuid?.() !== 0) return false;
  const probe = spawnSync(process.execPath, ['-e', '0'], {
    uid: UNPRIVILEGED,
    gid: UNPRIVILEGED,
    cwd: workDir,
  });
  return probe.status === 0;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function getJson(url) {
  const res = await fetch(url, { signal: AbortSignal.timeout(5_000) });
  return { status: res.status, body: await res.json().catch(() => undefined) };
}

function tail(path) {
  return readFileSync(path, 'utf8').split('\n').slice(-40).join('\n');
}

test('the images have the runtime file tree they should', () => {
  for (const service of SERVICES) {
    const image = images.get(service.name);
    assert.equal(image.workdir, `/app/${service.name}`);
    assert.equal(image.env.NODE_ENV, 'production');
    assert.deepEqual(image.expose, [service.port]);
    assert.notEqual(image.user, 'root');
    // Production dependencies only: none of the build, lint or test tools. (typescript itself
    // stays: npm keeps it because @nestjs/swagger names it as an optional peer.)
    for (const devOnly of ['jest', 'eslint', 'prettier', '@nestjs/cli', '@swc/core', 'supertest']) {
      const found = spawnSync('test', ['-e', join(image.root, 'app/node_modules', devOnly)]);
      assert.notEqual(found.status, 0, `${service.name}: ${devOnly} must not be in the image`);
    }
    for (const needed of ['dist/main.js', 'package.json']) {
      const found = spawnSync('test', ['-f', join(image.cwd, needed)]);
      assert.equal(found.status, 0, `${service.name}: ${needed} is in the image`);
    }
  }
});

test(
  'the three built services start like their images and answer /api/health',
  { timeout: HEALTH_TIMEOUT_MS + STOP_TIMEOUT_MS + 60_000 },
  async () => {
    const dropPrivileges = canDropPrivileges();
    log(
      dropPrivileges
        ? `running the services as uid ${UNPRIVILEGED}, like USER node`
        : 'running the services as this user (not root, or Node.js is not reachable for nobody)',
    );
    // user-service's signing key, as an operator gives it; the others fetch its public half.
    const signingKeys = JSON.stringify({
      keys: [
        {
          ...generateKeyPairSync('ed25519').privateKey.export({ format: 'jwk' }),
          kid: 'prod-check',
        },
      ],
    });
    const ports = new Map();
    for (const service of SERVICES) ports.set(service.name, await freePort());

    for (const service of SERVICES) {
      const image = images.get(service.name);
      const port = ports.get(service.name);
      const env = {
        PATH: process.env.PATH,
        ...Object.fromEntries(
          Object.entries(process.env).filter(([name]) => PASSED_THROUGH.test(name)),
        ),
        ...image.env,
        ...kafkaLoginOf(service.name),
        PORT: String(port),
        LOG_LEVEL: 'warn',
        USER_SERVICE_URL: `http://127.0.0.1:${ports.get('user-service')}`,
      };
      if (service.name === 'user-service') env.JWT_PRIVATE_KEYS = signingKeys;
      if (service.name === 'order-service') {
        env.INVENTORY_SERVICE_URL = `http://127.0.0.1:${ports.get('inventory-service')}`;
      }
      const [command, ...args] = image.cmd;
      const logFile = join(workDir, `${service.name}.log`);
      const out = openSync(logFile, 'w');
      const child = spawn(command === 'node' ? process.execPath : command, args, {
        cwd: image.cwd,
        env,
        stdio: ['ignore', out, out],
        ...(dropPrivileges ? { uid: UNPRIVILEGED, gid: UNPRIVILEGED } : {}),
      });
      children.push({ service, child, env, logFile, port });
      log(`${service.name}: ${image.cmd.join(' ')} (pid ${child.pid}, port ${port})`);
    }

    // Healthy: /api/health 200, /api names the service, and the image's HEALTHCHECK agrees.
    await Promise.all(
      children.map(async ({ service, child, env, logFile, port }) => {
        const started = Date.now();
        let last = 'no answer';
        while (Date.now() - started < HEALTH_TIMEOUT_MS) {
          if (child.exitCode !== null || child.signalCode !== null) {
            assert.fail(
              `${service.name} exited (${child.exitCode ?? child.signalCode}) before it was healthy:\n${tail(logFile)}`,
            );
          }
          try {
            const health = await getJson(`http://127.0.0.1:${port}/api/health`);
            if (health.status === 200) break;
            last = `${health.status} ${JSON.stringify(health.body)}`;
          } catch (error) {
            last = error.cause?.code ?? error.message;
          }
          await sleep(500);
        }
        const health = await getJson(`http://127.0.0.1:${port}/api/health`).catch(() => ({}));
        assert.equal(
          health.status,
          200,
          `${service.name}: /api/health not 200 after ${HEALTH_TIMEOUT_MS / 1000} s (last: ${last}):\n${tail(logFile)}`,
        );
        log(`${service.name}: healthy after ${((Date.now() - started) / 1000).toFixed(1)} s`);
        const info = await getJson(`http://127.0.0.1:${port}/api`);
        assert.equal(info.status, 200);
        assert.equal(info.body.service, service.name, 'the image runs its own service');

        const image = images.get(service.name);
        const [hcCommand, ...hcArgs] = image.healthcheck.command;
        const check = spawnSync(hcCommand === 'node' ? process.execPath : hcCommand, hcArgs, {
          cwd: image.cwd,
          env: { PATH: process.env.PATH, PORT: env.PORT },
          timeout: 10_000,
        });
        assert.equal(check.status, 0, `${service.name}: the image's HEALTHCHECK command fails`);
      }),
    );

    // SIGTERM drains and exits, well within compose's stop_grace_period.
    await Promise.all(
      children.map(async ({ service, child, logFile }) => {
        const exited = new Promise((resolve) =>
          child.once('exit', (code, signal) => resolve({ code, signal })),
        );
        child.kill('SIGTERM');
        const result = await Promise.race([exited, sleep(STOP_TIMEOUT_MS).then(() => undefined)]);
        if (!result) child.kill('SIGKILL');
        assert.ok(
          result,
          `${service.name} did not stop within ${STOP_TIMEOUT_MS / 1000} s of SIGTERM`,
        );
        assert.ok(
          result.code === 0 || result.signal === 'SIGTERM',
          `${service.name} stopped with ${result.code ?? result.signal}:\n${tail(logFile)}`,
        );
      }),
    );
  },
);
