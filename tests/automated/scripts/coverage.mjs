#!/usr/bin/env node
// `npm run test:coverage`: what the black-box suites exercise of the services' own code.
//
// The suites only speak HTTP, so coverage is collected on the server side: the three services are
// started by the suites' global set-up on ports of their own (3401-3403 unless COVERAGE_*_PORT
// say otherwise, so a system already running on 3001-3003 is not in the way) with
// NODE_V8_COVERAGE set, every suite runs against them, the teardown stops them with SIGTERM (V8
// writes its data on exit), and c8 maps the data through the dist/ source maps back to src/.
// Reports: a text summary here, lcov and json-summary under .cache/coverage.
// Extra arguments go to Jest (e.g. --testPathPatterns order).
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const PACKAGE_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const ROOT = resolve(PACKAGE_DIR, '..', '..');
const OUT = join(ROOT, '.cache', 'coverage');
const RAW = join(OUT, 'v8');

const ports = {
  user: process.env.COVERAGE_USER_PORT ?? '3401',
  order: process.env.COVERAGE_ORDER_PORT ?? '3402',
  inventory: process.env.COVERAGE_INVENTORY_PORT ?? '3403',
};
const urls = {
  USER_SERVICE_URL: `http://127.0.0.1:${ports.user}`,
  ORDER_SERVICE_URL: `http://127.0.0.1:${ports.order}`,
  INVENTORY_SERVICE_URL: `http://127.0.0.1:${ports.inventory}`,
};

function run(script, args, options) {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [script, ...args], { stdio: 'inherit', ...options });
    child.on('error', reject);
    child.on('exit', (code, signal) => resolvePromise(code ?? (signal ? 1 : 0)));
  });
}

async function answers(url) {
  try {
    await fetch(`${url}/api/health`, { signal: AbortSignal.timeout(2_000) });
    return true;
  } catch {
    return false;
  }
}

async function main() {
  const busy = [];
  for (const url of Object.values(urls)) if (await answers(url)) busy.push(url);
  if (busy.length > 0) {
    // Coverage only counts processes started with NODE_V8_COVERAGE: these must be our own.
    process.stderr.write(
      `test:coverage starts its own services, but something already answers on ${busy.join(', ')}; ` +
        'stop it or choose other ports with COVERAGE_USER_PORT / COVERAGE_ORDER_PORT / COVERAGE_INVENTORY_PORT\n',
    );
    process.exit(1);
  }
  rmSync(OUT, { recursive: true, force: true });
  mkdirSync(RAW, { recursive: true });

  const jestCode = await run(
    join(ROOT, 'node_modules', 'jest', 'bin', 'jest.js'),
    process.argv.slice(2),
    {
      cwd: PACKAGE_DIR,
      env: {
        ...process.env,
        ...urls,
        AUTOMATED_SERVICES_V8_COVERAGE: RAW,
        NODE_OPTIONS: '--experimental-vm-modules --no-warnings=ExperimentalWarning',
      },
    },
  );

  if (!existsSync(RAW)) {
    process.stderr.write('no coverage data was written\n');
    process.exit(1);
  }
  const include = ['user-service', 'order-service', 'inventory-service', 'packages/common'].flatMap(
    (dir) => ['--include', `${dir}/src/**`],
  );
  const c8Code = await run(
    join(ROOT, 'node_modules', 'c8', 'bin', 'c8.js'),
    [
      'report',
      '--temp-directory',
      RAW,
      '--reports-dir',
      OUT,
      '--exclude-after-remap',
      ...include,
      '--exclude',
      '**/*.spec.ts',
      '--exclude',
      '**/testing/**',
      '--reporter',
      'text-summary',
      '--reporter',
      'text',
      '--reporter',
      'lcov',
      '--reporter',
      'json-summary',
    ],
    { cwd: ROOT },
  );
  process.stdout.write(`\nlcov report: ${join(OUT, 'lcov-report', 'index.html')}\n`);
  process.exit(jestCode !== 0 ? jestCode : c8Code);
}

main().catch((error) => {
  process.stderr.write(`test:coverage failed: ${error.stack ?? error}\n`);
  process.exit(1);
});
