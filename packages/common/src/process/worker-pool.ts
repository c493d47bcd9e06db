import cluster, { type Worker } from 'node:cluster';
import { createServer, type Server } from 'node:http';
import { PoolMetrics } from './cluster-metrics.js';

/** Where the primary writes what happens to its workers. */
export interface PoolLogger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export interface WorkerPoolOptions {
  /** Workers to keep running (WEB_CONCURRENCY). */
  workers: number;
  /** The service's name, for log lines. */
  service: string;
  logger: PoolLogger;
  /**
   * When set (METRICS_PORT), the primary serves the workers' aggregated metrics on this port at
   * `/metrics` and `/api/metrics`; the workers then serve none.
   */
  metrics?: { host: string; port: number };
  /** First restart delay after a worker died; doubled for each further death. Default 500 ms. */
  restartDelayMs?: number;
  /** Longest restart delay. Default 30 s. */
  maxRestartDelayMs?: number;
  /** A worker that lived this long before dying restarts at the first delay again. Default 60 s. */
  stableAfterMs?: number;
  /** Workers still running this long after SIGTERM are killed. Default 60 s. */
  stopTimeoutMs?: number;
  /** Ends the primary (tests replace it). Default `process.exit`. */
  exit?: (code: number) => void;
}

/** The signals that stop a pool: each worker gets SIGTERM (the services drain on it). */
const STOP_SIGNALS = ['SIGTERM', 'SIGINT'] as const;

/**
 * The primary of a service's worker pool (`node:cluster`): forks {@link WorkerPoolOptions.workers}
 * workers that share the HTTP port, restarts one that dies (after a delay that doubles while they
 * keep dying, so a crash loop does not spin), and on SIGTERM or SIGINT sends every worker SIGTERM
 * and exits once all have exited: 0 when each drained, 1 otherwise.
 *
 * The first worker starts alone and the others once it serves, so that the migrations it runs
 * at start-up are done before they start. A worker that dies before any has served (the port is
 * taken, the database refuses the service's login) ends the pool with exit code 1, as the single
 * process would end: a supervisor sees the failure instead of a primary that restarts a broken
 * start-up for ever.
 */
export class WorkerPool {
  private readonly slots = new Map<number, Worker>();
  private readonly restarts = new Set<NodeJS.Timeout>();
  private readonly metrics = new PoolMetrics();
  private metricsServer: Server | undefined;
  private served = false;
  private deathsInARow = 0;
  private stopping = false;
  private exitCode = 0;
  private killTimer: NodeJS.Timeout | undefined;
  private readonly onSignal = (signal: NodeJS.Signals) => {
    // A terminal's Ctrl-C reaches every process of the group, and `npm start` then sends SIGTERM
    // too: the first signal stops the pool, later ones change nothing.
    if (this.stopping) return;
    this.options.logger.info(`${signal}: stopping ${this.slots.size} worker(s)`);
    this.stop(0);
  };

  constructor(private readonly options: WorkerPoolOptions) {}

  /** Forks the workers and takes over SIGTERM/SIGINT. */
  async start(): Promise<void> {
    for (const signal of STOP_SIGNALS) process.on(signal, this.onSignal);
    if (this.options.metrics) await this.serveMetrics(this.options.metrics);
    // The first worker starts alone: it runs the database migrations (every instance runs them at
    // start-up), so the others, forked once it serves, find them done instead of racing it.
    this.fork(0);
    this.options.logger.info(
      `${this.options.service}: primary ${process.pid} starting ${this.options.workers} workers (the first alone)`,
    );
  }

  /** The pids of the running workers. */
  get pids(): number[] {
    return [...this.slots.values()].flatMap((w) => (w.process.pid ? [w.process.pid] : []));
  }

  /** Sends every worker SIGTERM, then exits with `code` (or 1 if one did not drain). */
  stop(code: number): void {
    if (this.stopping) return;
    this.stopping = true;
    this.exitCode = code;
    for (const timer of this.restarts) clearTimeout(timer);
    this.restarts.clear();
    for (const worker of this.slots.values()) worker.process.kill('SIGTERM');
    const stopTimeoutMs = this.options.stopTimeoutMs ?? 60_000;
    this.killTimer = setTimeout(() => {
      for (const worker of this.slots.values()) {
        this.options.logger.error(
          `worker ${worker.process.pid} still running ${stopTimeoutMs} ms after SIGTERM: killed`,
        );
        this.exitCode = 1;
        worker.process.kill('SIGKILL');
      }
    }, stopTimeoutMs);
    this.finishIfDone();
  }

  private fork(slot: number): void {
    const worker = cluster.fork();
    const startedAt = Date.now();
    this.slots.set(slot, worker);
    this.metrics.track(worker);
    worker.once('listening', () => {
      if (this.served) return;
      this.served = true;
      for (let other = 1; other < this.options.workers; other++) {
        if (!this.stopping) this.fork(other);
      }
    });
    worker.on('exit', (code, signal) => {
      this.slots.delete(slot);
      this.onWorkerExit(slot, worker, code, signal, Date.now() - startedAt);
    });
  }

  private onWorkerExit(
    slot: number,
    worker: Worker,
    code: number | null,
    signal: string | null,
    livedMs: number,
  ): void {
    const how = signal ? `signal ${signal}` : `code ${code}`;
    if (this.stopping) {
      const drained = code === 0 || signal === 'SIGTERM' || signal === 'SIGINT';
      if (!drained) this.exitCode = 1;
      this.options.logger.info(`worker ${worker.process.pid} exited (${how})`);
      this.finishIfDone();
      return;
    }
    if (!this.served) {
      this.options.logger.error(
        `worker ${worker.process.pid} exited (${how}) before the service served; stopping`,
      );
      this.stop(1);
      return;
    }
    this.deathsInARow =
      livedMs >= (this.options.stableAfterMs ?? 60_000) ? 1 : this.deathsInARow + 1;
    const delay = Math.min(
      (this.options.restartDelayMs ?? 500) * 2 ** (this.deathsInARow - 1),
      this.options.maxRestartDelayMs ?? 30_000,
    );
    this.options.logger.warn(
      `worker ${worker.process.pid} exited (${how}) after ${livedMs} ms; restarting in ${delay} ms`,
    );
    const timer = setTimeout(() => {
      this.restarts.delete(timer);
      if (!this.stopping) this.fork(slot);
    }, delay);
    this.restarts.add(timer);
  }

  private finishIfDone(): void {
    if (!this.stopping || this.slots.size > 0) return;
    clearTimeout(this.killTimer);
    for (const signal of STOP_SIGNALS) process.off(signal, this.onSignal);
    const exit = this.options.exit ?? ((code: number) => process.exit(code));
    const server = this.metricsServer;
    this.metricsServer = undefined;
    if (server) server.close(() => exit(this.exitCode));
    else exit(this.exitCode);
  }

  private async serveMetrics({ host, port }: { host: string; port: number }): Promise<void> {
    const server = createServer((request, response) => {
      const path = (request.url ?? '/').split('?')[0] ?? '/';
      if (request.method !== 'GET' || (path !== '/metrics' && path !== '/api/metrics')) {
        response.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
        return;
      }
      this.metrics.scrape().then(
        (text) => response.writeHead(200, { 'content-type': this.metrics.contentType }).end(text),
        (error: Error) => {
          this.options.logger.error(`metrics scrape failed: ${error.message}`);
          response.writeHead(500, { 'content-type': 'text/plain' }).end('internal error\n');
        },
      );
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve());
    });
    this.metricsServer = server;
    this.options.logger.info(`aggregated metrics on http://${host}:${port}/api/metrics`);
  }
}
