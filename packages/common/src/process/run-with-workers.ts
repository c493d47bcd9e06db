import cluster from 'node:cluster';
import type { BaseEnv } from '../config/env.schema.js';
import { createProcessLogger } from '../logging/logging.module.js';
import { WorkerPool } from './worker-pool.js';

/** What {@link runWithWorkers} reads of a service's configuration. */
export type WorkerPoolConfig = Pick<
  BaseEnv,
  'WEB_CONCURRENCY' | 'HOST' | 'METRICS_PORT' | 'LOG_LEVEL' | 'LOG_FORMAT' | 'NODE_ENV'
>;

/**
 * A service's entry point: with WEB_CONCURRENCY=1 (the default) runs `start` in this process,
 * as a single process with no primary. With more, this process becomes the primary of a
 * {@link WorkerPool} and each forked worker (this same script, re-run by `node:cluster`) runs
 * `start`; their `listen` on PORT shares one socket, which the primary hands out round-robin.
 *
 * Everything a worker runs besides HTTP (the outbox relay, the sweeper, the reconciler, Kafka
 * consumers) is made for several instances already; a worker is one more instance.
 */
export async function runWithWorkers(
  service: string,
  config: WorkerPoolConfig,
  start: () => Promise<unknown>,
): Promise<void> {
  if (config.WEB_CONCURRENCY === 1 || cluster.isWorker) {
    if (cluster.isWorker) drainWhenOrphaned();
    await start();
    return;
  }
  const pool = new WorkerPool({
    workers: config.WEB_CONCURRENCY,
    service,
    logger: createProcessLogger(service, config).child({ role: 'primary' }),
    metrics:
      config.METRICS_PORT === undefined
        ? undefined
        : { host: config.HOST, port: config.METRICS_PORT },
  });
  await pool.start();
}

/**
 * A worker whose primary is gone (killed with SIGKILL, say) would keep its Kafka consumers and
 * timers but get no more connections: it drains and exits like on SIGTERM (the services'
 * shutdown hooks).
 */
function drainWhenOrphaned(): void {
  process.once('disconnect', () => process.kill(process.pid, 'SIGTERM'));
}
