// Every process the chaos run starts lives in a process group of its own (spawned detached), is
// recorded here, and is killed with its whole group when the run ends, fails, or is interrupted:
// no broker, redis-server or service outlives the suite.
import { spawn } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { join } from 'node:path';

/** pgid -> label of every group still alive. */
const groups = new Map();
let hooked = false;

function killGroupNow(pgid, signal) {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false; // already gone
  }
}

/** Kills every group still recorded (synchronous: safe in an 'exit' handler). */
export function killAllNow() {
  for (const pgid of groups.keys()) killGroupNow(pgid, 'SIGKILL');
  groups.clear();
}

function hookExit() {
  if (hooked) return;
  hooked = true;
  process.on('exit', killAllNow);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.once(signal, () => {
      killAllNow();
      process.exit(130);
    });
  }
}

/**
 * Starts `command` in a new process group, its output appended to `<logDir>/<name>.log`.
 * Resolves to a handle: `pid`, `exited` (a promise of {code, signal}), `alive()`, `signal(sig)`
 * to the whole group, `kill()` (SIGKILL to the group, waits for the exit).
 */
export function startGroup(name, command, args, { cwd, env, logDir }) {
  hookExit();
  mkdirSync(logDir, { recursive: true });
  const logFile = join(logDir, `${name}.log`);
  const log = createWriteStream(logFile, { flags: 'a' });
  log.write(`\n==== ${new Date().toISOString()} start ${command} ${args.join(' ')}\n`);
  const child = spawn(command, args, {
    cwd,
    env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.pipe(log, { end: false });
  child.stderr.pipe(log, { end: false });
  const pid = child.pid;
  if (pid === undefined) throw new Error(`could not start ${name} (${command})`);
  groups.set(pid, name);
  let done = false;
  const exited = new Promise((resolve) => {
    child.once('exit', (code, signal) => {
      done = true;
      // The group may still hold grandchildren: end them too.
      killGroupNow(pid, 'SIGKILL');
      groups.delete(pid);
      log.write(`==== ${new Date().toISOString()} exit ${signal ?? code}\n`);
      resolve({ code, signal });
    });
  });
  child.on('error', () => {});
  return {
    name,
    pid,
    logFile,
    exited,
    alive: () => !done,
    signal: (sig) => killGroupNow(pid, sig),
    async kill() {
      if (done) return;
      killGroupNow(pid, 'SIGCONT'); // a stopped process still dies on SIGKILL, but be explicit
      killGroupNow(pid, 'SIGKILL');
      await exited;
    },
    async stop(graceMs = 10_000) {
      if (done) return;
      killGroupNow(pid, 'SIGCONT');
      killGroupNow(pid, 'SIGTERM');
      const timer = setTimeout(() => killGroupNow(pid, 'SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Polls `check` (async, truthy = done) every `everyMs` until it holds; throws `what` after
 * `timeoutMs`. `abortIf` (optional) is checked too, to stop waiting on a process that died.
 */
export async function waitFor(what, check, { timeoutMs = 60_000, everyMs = 250, abortIf } = {}) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let ok = false;
    try {
      ok = await check();
    } catch {
      ok = false;
    }
    if (ok) return ok;
    const reason = abortIf?.();
    if (reason) throw new Error(`${what}: ${reason}`);
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs / 1000} s`);
    await sleep(everyMs);
  }
}
