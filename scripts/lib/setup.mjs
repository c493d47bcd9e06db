// Set-up shared by `npm start` and `npm test`: dependencies, local infrastructure, build.
// Uses Node built-ins only, because it runs before `node_modules` exists on a fresh clone.
import { spawn } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export const SERVICES = [
  { name: 'user-service', dir: 'user-service', port: 3001 },
  { name: 'order-service', dir: 'order-service', port: 3002 },
  { name: 'inventory-service', dir: 'inventory-service', port: 3003 },
];

const useColor = process.stderr.isTTY && !process.env.NO_COLOR;
const bold = (s) => (useColor ? `\x1b[1m${s}\x1b[0m` : s);

export function step(message) {
  process.stderr.write(`${bold(`==> ${message}`)}\n`);
}

/** Runs a command with inherited output; rejects with its exit code on failure. */
export function run(command, args, options = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: ROOT, stdio: 'inherit', ...options });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (code === 0) resolve();
      else
        reject(
          Object.assign(new Error(`${command} ${args.join(' ')} failed (${signal ?? code})`), {
            exitCode: code ?? 1,
          }),
        );
    });
  });
}

/** `npm ci` when node_modules is missing or older than the lockfile. */
export async function ensureDependencies() {
  const installed = join(ROOT, 'node_modules', '.package-lock.json');
  const lock = join(ROOT, 'package-lock.json');
  if (existsSync(installed) && statSync(installed).mtimeMs >= statSync(lock).mtimeMs) return;
  step('Installing dependencies (npm ci)');
  await run('npm', ['ci', '--no-audit', '--no-fund']);
}

/** MariaDB and Redis running, the databases created, Kafka started (downloaded on first run). */
export async function ensureInfrastructure() {
  step('Bringing up MariaDB, Redis and Kafka (scripts/infra.sh up)');
  await run('bash', [join(ROOT, 'scripts', 'infra.sh'), 'up']);
}

export async function build() {
  step('Building (tsc -b)');
  await run('npm', ['run', '--silent', 'build']);
}

export async function setUp() {
  await ensureDependencies();
  await ensureInfrastructure();
  await build();
}
