#!/usr/bin/env node
// `npm test`: the same set-up as `npm start` (dependencies, infrastructure, build), then every
// test of every package: unit, integration (real Kafka/Redis/MariaDB) and end-to-end suites, the
// black-box suites of tests/automated against the running system (they start it when it is down),
// and the container checks of tests/prod.
// Prints one summary line "N passed, N failed" and exits non-zero if anything failed.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { useSupportedNode } from './lib/node.mjs';
import { ROOT, run, setUp, step } from './lib/setup.mjs';

/** How long Jest may take to exit once its results are written. */
const EXIT_GRACE_MS = 60_000;

const WORKSPACES = [
  'packages/contracts',
  'packages/common',
  'user-service',
  'inventory-service',
  'order-service',
  'tests/load',
  // The short seeded chaos run (its own Redis and Kafka, its own databases; <= 3 min).
  'tests/chaos',
];
const SUITES = ['test', 'test:integration', 'test:e2e'];
// tests/automated's `test` runs all of its suites (its test:integration is a subset of them).
const BLACK_BOX = { workspace: 'tests/automated', suites: ['test'] };

async function main() {
  await useSupportedNode();
  await setUp();
  const resultsDir = join(ROOT, '.cache', 'test-results');
  rmSync(resultsDir, { recursive: true, force: true });
  mkdirSync(resultsDir, { recursive: true });

  const failures = [];
  let passed = 0;
  let failed = 0;
  const runJest = async (workspace, suite) => {
    const output = join(
      resultsDir,
      `${workspace.replace('/', '_')}.${suite.replace(':', '_')}.json`,
    );
    step(`${workspace}: npm run ${suite}`);
    // A suite that leaves a handle open (a process it spawned, a connection) keeps Jest from
    // exiting after its results are written: end it then, and count that as a failure, rather than
    // let the whole run hang.
    const child = spawn('npm', ['run', suite, '--', '--json', `--outputFile=${output}`], {
      cwd: join(ROOT, workspace),
      stdio: 'inherit',
      detached: true,
    });
    let resultsSeenAt;
    let killed = false;
    const watch = setInterval(() => {
      if (resultsSeenAt === undefined) {
        if (existsSync(output)) resultsSeenAt = Date.now();
      } else if (!killed && Date.now() - resultsSeenAt > EXIT_GRACE_MS) {
        killed = true;
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {
          // gone meanwhile
        }
      }
    }, 1_000);
    const code = await new Promise((resolve) => {
      child.on('error', () => resolve(1));
      child.on('exit', (exitCode) => resolve(exitCode ?? 1));
    });
    clearInterval(watch);
    if (killed) {
      failures.push(
        `${workspace} ${suite}: Jest did not exit ${EXIT_GRACE_MS / 1000} s after writing its results (a handle left open)`,
      );
    } else if (code !== 0) {
      failures.push(`${workspace} ${suite}`);
    }
    if (existsSync(output)) {
      const result = JSON.parse(readFileSync(output, 'utf8'));
      passed += result.numPassedTests;
      failed += result.numFailedTests;
      if (result.numTotalTests === 0) failures.push(`${workspace} ${suite} ran no test`);
    } else {
      failures.push(`${workspace} ${suite} wrote no results`);
    }
  };

  for (const workspace of WORKSPACES) {
    const scripts =
      JSON.parse(readFileSync(join(ROOT, workspace, 'package.json'), 'utf8')).scripts ?? {};
    for (const suite of SUITES) if (scripts[suite]) await runJest(workspace, suite);
  }
  for (const suite of BLACK_BOX.suites) await runJest(BLACK_BOX.workspace, suite);

  // The container/production-build checks (node:test): compose files, the compose balancer's
  // nginx.conf, the Kubernetes manifests and the Dockerfiles' build path, started against the
  // local infrastructure.
  const tap = join(resultsDir, 'tests_prod.tap');
  step('tests/prod: node --test (compose files, balancer, Kubernetes manifests, production build)');
  try {
    await run(process.execPath, [
      '--test',
      '--test-reporter=spec',
      '--test-reporter-destination=stdout',
      '--test-reporter=tap',
      `--test-reporter-destination=${tap}`,
      'tests/prod/compose.test.mjs',
      'tests/prod/balancer.test.mjs',
      'tests/prod/k8s.test.mjs',
      'tests/prod/prod-build.test.mjs',
    ]);
  } catch {
    failures.push('tests/prod');
  }
  if (existsSync(tap)) {
    const text = readFileSync(tap, 'utf8');
    const count = (name) => Number(text.match(new RegExp(`^# ${name} (\\d+)$`, 'm'))?.[1] ?? 0);
    passed += count('pass');
    failed += count('fail');
    if (count('pass') + count('fail') === 0) failures.push('tests/prod ran no test');
  } else {
    failures.push('tests/prod wrote no results');
  }

  step(failures.length === 0 ? 'All suites passed' : `Failed: ${failures.join('; ')}`);
  process.stdout.write(`${passed} passed, ${failed} failed\n`);
  process.exit(failures.length === 0 ? 0 : 1);
}

main().catch((error) => {
  process.stderr.write(`npm test failed: ${error.message}\n`);
  process.exit(error.exitCode ?? 1);
});
