import { spawn, type ChildProcess } from 'node:child_process';
import { get } from 'node:http';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { WorkerPool } from '../src/index.js';

const FIXTURE = fileURLToPath(new URL('./fixtures/worker-pool.fixture.mjs', import.meta.url));
const WAIT_MS = 30_000;

/** A pool of the fixture, its output, and how it ended. */
class RunningPool {
  output = '';
  readonly exited: Promise<{ code: number | null; signal: string | null }>;
  readonly child: ChildProcess;

  constructor(env: Record<string, string>) {
    const { NODE_OPTIONS: _jestOnly, ...parentEnv } = process.env;
    this.child = spawn(process.execPath, [FIXTURE], {
      env: { ...parentEnv, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child.stdout?.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    this.child.stderr?.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    this.exited = new Promise((resolve) =>
      this.child.on('exit', (code, signal) => resolve({ code, signal })),
    );
  }

  /** pid -> port of every worker that said it listens, in order. */
  listening(): Map<number, number> {
    const found = new Map<number, number>();
    for (const match of this.output.matchAll(/^listening (\d+) (\d+)$/gm)) {
      found.set(Number(match[1]), Number(match[2]));
    }
    return found;
  }

  async waitFor<T>(what: string, probe: () => T | undefined | false): Promise<T> {
    const deadline = Date.now() + WAIT_MS;
    for (;;) {
      const value = probe();
      if (value) return value;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}:\n${this.output}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  stop(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
  }
}

/** GET on a new connection each time, so that the primary hands each to the next worker. */
function fetchText(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    get(url, { agent: false }, (response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => (body += chunk.toString()));
      response.on('end', () => resolve(body));
    }).on('error', reject);
  });
}

async function answeringPids(port: number, requests: number): Promise<Set<number>> {
  const pids = new Set<number>();
  for (let i = 0; i < requests; i++) {
    pids.add(Number(await fetchText(`http://127.0.0.1:${port}/`)));
  }
  return pids;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (typeof address !== 'object' || address === null) throw new Error('no port');
  return address.port;
}

/** The real node:cluster pool, run as the services run it (runWithWorkers in a child process). */
describe(WorkerPool.name, () => {
  const pools: RunningPool[] = [];
  afterEach(() => {
    for (const pool of pools.splice(0)) pool.stop();
  });

  it('serves from every worker, replaces a killed one, aggregates metrics and drains all on SIGTERM', async () => {
    const metricsPort = await freePort();
    const pool = new RunningPool({ WEB_CONCURRENCY: '2', METRICS_PORT: String(metricsPort) });
    pools.push(pool);

    const first = await pool.waitFor('two workers', () => {
      const workers = pool.listening();
      return workers.size === 2 && workers;
    });
    const [port] = new Set(first.values());
    expect(new Set(first.values()).size).toBe(1); // one shared port
    const [killed, survivor] = [...first.keys()];
    expect(await answeringPids(port, 10)).toEqual(new Set(first.keys()));

    // The primary sums the workers' counters: all ten requests, whichever worker took them.
    const metrics = await fetchText(`http://127.0.0.1:${metricsPort}/metrics`);
    expect(metrics).toMatch(/^fixture_requests_total 10$/m);

    process.kill(killed, 'SIGKILL');
    const replacement = await pool.waitFor('a replacement worker', () => {
      const pids = [...pool.listening().keys()].filter((pid) => pid !== killed && pid !== survivor);
      return pids[0];
    });
    expect(pool.output).toMatch(new RegExp(`worker ${killed} exited \\(signal SIGKILL\\)`));
    expect(await answeringPids(port, 10)).toEqual(new Set([survivor, replacement]));

    pool.child.kill('SIGTERM');
    expect(await pool.exited).toEqual({ code: 0, signal: null });
    for (const pid of [survivor, replacement]) expect(pool.output).toContain(`drained ${pid}`);
    expect(pool.output).not.toContain(`drained ${killed}`);
  }, 60_000);

  it('ends with exit code 1 when a worker dies before any served, instead of restarting it', async () => {
    const pool = new RunningPool({ WEB_CONCURRENCY: '2', FIXTURE_CRASH_AT_START: 'true' });
    pools.push(pool);
    expect(await pool.exited).toEqual({ code: 1, signal: null });
    expect(pool.output).toContain('before the service served; stopping');
    expect(pool.output).not.toContain('restarting in');
  }, 60_000);

  it('runs the service in the process itself with WEB_CONCURRENCY=1 (no primary)', async () => {
    const pool = new RunningPool({ WEB_CONCURRENCY: '1' });
    pools.push(pool);
    const workers = await pool.waitFor('the process listening', () => {
      const found = pool.listening();
      return found.size === 1 && found;
    });
    expect([...workers.keys()]).toEqual([pool.child.pid]);
    pool.child.kill('SIGTERM');
    expect(await pool.exited).toEqual({ code: 0, signal: null });
  }, 60_000);
});
