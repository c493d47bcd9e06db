#!/usr/bin/env node
// `npm start`: installs what is missing, brings up MariaDB/Redis/Kafka, builds, and runs the three
// services in the foreground with prefixed logs. Ctrl-C stops the services (the infrastructure
// keeps running; `npm run infra:down` stops Kafka).
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { devAdmin, devAdminFile, welcome, withAdmin, withTerminalLogs } from './lib/first-run.mjs';
import { useSupportedNode } from './lib/node.mjs';
import { ROOT, SERVICES as DEFAULT_SERVICES, setUp, step } from './lib/setup.mjs';

// USER_SERVICE_PORT, ORDER_SERVICE_PORT, INVENTORY_SERVICE_PORT move a service off its default
// port (as for scripts/start-prod.sh), e.g. to run a second stack beside one on 3001-3003.
const SERVICES = DEFAULT_SERVICES.map((service) => {
  const variable = `${service.name.toUpperCase().replace('-', '_')}_PORT`;
  return { ...service, port: Number(process.env[variable] ?? service.port) };
});
const movedPorts = SERVICES.some((s, i) => s.port !== DEFAULT_SERVICES[i].port);
const urlOf = (name) => `http://127.0.0.1:${SERVICES.find((s) => s.name === name).port}`;

const COLORS = ['\x1b[36m', '\x1b[35m', '\x1b[33m'];
const useColor = process.stdout.isTTY && !process.env.NO_COLOR;
const HEALTH_TIMEOUT_MS = 90_000;

function prefixLines(stream, label, index, target) {
  const tag = useColor ? `${COLORS[index % COLORS.length]}[${label}]\x1b[0m ` : `[${label}] `;
  createInterface({ input: stream }).on('line', (line) => target.write(`${tag}${line}\n`));
}

// Ready, not merely healthy: /api/health/ready turns 200 once the service can serve its main
// route (order-service: the stock counters are loaded), so a script that waits for `npm start`
// and then orders is not refused.
async function waitReady(service) {
  const url = `http://127.0.0.1:${service.port}/api/health/ready`;
  // With WEB_CONCURRENCY > 1 the first worker starts alone, then the others: allow for both.
  const deadline =
    Date.now() + HEALTH_TIMEOUT_MS * (Number(process.env.WEB_CONCURRENCY) > 1 ? 2 : 1);
  while (Date.now() < deadline) {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(3_000) });
      if (res.status === 200) return true;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  return false;
}

async function main() {
  await useSupportedNode();
  // `npm start -- --no-demo`: no demo catalogue.
  const demo = !process.argv.slice(2).includes('--no-demo');
  await setUp();
  // Development only: an admin, generated once when none is configured.
  const admin = devAdmin(process.env, devAdminFile(ROOT));
  const env = withTerminalLogs(withAdmin(process.env, admin), process.stdout.isTTY === true);

  step('Starting user-service, order-service and inventory-service');
  const children = SERVICES.map((service, index) => {
    // A 160 MiB old space keeps each service's RSS under 256 MiB. The young generation is set
    // explicitly: since Node 22, V8 sizes it from the heap limit, and at 160 MiB it became so small
    // that scavenges took a quarter of the CPU (npm run bench on Node 24: 164 orders/s and 2,277
    // sold-out refusals/s without it, about 2,000 and 6,000-8,000 with it). 8 MiB semi-spaces gave
    // the same throughput as 16 MiB (Node 20's default) and keep order-service under 256 MiB RSS
    // (docs/benchmark/ANALYSIS.md).
    const child = spawn(
      process.execPath,
      [
        '--enable-source-maps',
        '--max-old-space-size=160',
        '--max-semi-space-size=8',
        'dist/main.js',
      ],
      {
        cwd: join(ROOT, service.dir),
        // WEB_CONCURRENCY (worker processes per service) passes through with the rest of env.
        env: movedPorts
          ? {
              ...env,
              PORT: String(service.port),
              USER_SERVICE_URL: env.USER_SERVICE_URL ?? urlOf('user-service'),
              INVENTORY_SERVICE_URL: env.INVENTORY_SERVICE_URL ?? urlOf('inventory-service'),
            }
          : env,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    prefixLines(child.stdout, service.name, index, process.stdout);
    prefixLines(child.stderr, service.name, index, process.stderr);
    return { service, child, exited: false };
  });

  let stopping = false;
  const stopAll = async (exitCode) => {
    if (stopping) return;
    stopping = true;
    step('Stopping the services');
    for (const c of children) if (!c.exited) c.child.kill('SIGTERM');
    const killer = setTimeout(() => {
      for (const c of children) if (!c.exited) c.child.kill('SIGKILL');
    }, 15_000);
    await Promise.all(
      children.map((c) => (c.exited ? null : new Promise((r) => c.child.once('exit', r)))),
    );
    clearTimeout(killer);
    process.exit(exitCode);
  };

  for (const c of children) {
    c.child.on('exit', (code, signal) => {
      c.exited = true;
      if (!stopping) {
        process.stderr.write(`${c.service.name} exited (${signal ?? code}); stopping the others\n`);
        void stopAll(1);
      }
    });
  }
  process.on('SIGINT', () => void stopAll(0));
  process.on('SIGTERM', () => void stopAll(0));

  const healthy = await Promise.all(SERVICES.map(waitReady));
  if (stopping) return;
  const lines = SERVICES.map(
    (s, i) =>
      `  ${s.name.padEnd(18)} http://localhost:${s.port}/api   docs: http://localhost:${s.port}/api/docs   ${healthy[i] ? 'ready' : 'NOT READY: see its log lines, /api/health/ready and /api/health'}`,
  );
  const workers =
    Number(env.WEB_CONCURRENCY ?? 1) > 1 ? `, ${env.WEB_CONCURRENCY} workers each` : '';
  step(`Services are up (Ctrl-C stops them${workers}):\n${lines.join('\n')}`);
  if (healthy.every(Boolean)) {
    const text = await welcome({ root: ROOT, admin, services: SERVICES, demo });
    if (text) {
      step('Ready');
      process.stdout.write(`${text}\n`);
    }
  }
}

main().catch((error) => {
  process.stderr.write(`npm start failed: ${error.message}\n`);
  process.exit(error.exitCode ?? 1);
});
