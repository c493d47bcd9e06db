import { createServer, type Server } from 'node:http';
import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnApplicationShutdown,
} from '@nestjs/common';
import { APP_CONFIG } from '../config/config.module.js';
import type { BaseEnv } from '../config/env.schema.js';
import { isPoolWorker } from '../process/cluster-metrics.js';
import { MetricsService } from './metrics.service.js';

/** The paths the internal port answers (Prometheus' default, and the public one's). */
const METRICS_PATHS = new Set(['/metrics', '/api/metrics']);

/**
 * `GET /api/metrics` (and `/metrics`) on its own port, METRICS_PORT, when that is set; the public
 * port then does not serve metrics at all. The port is meant to be reachable by Prometheus only
 * (not published, not behind the ingress), so process and business figures stay internal.
 */
@Injectable()
export class MetricsServer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(MetricsServer.name);
  private server: Server | undefined;

  constructor(
    private readonly metrics: MetricsService,
    @Inject(APP_CONFIG) private readonly config: Pick<BaseEnv, 'HOST' | 'METRICS_PORT'>,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const port = this.config.METRICS_PORT;
    // In a worker pool the primary serves METRICS_PORT, aggregated over the workers (a worker's
    // listen would share the port round-robin: each scrape would see one worker).
    if (port === undefined || isPoolWorker()) return;
    const server = createServer((request, response) => {
      const path = (request.url ?? '/').split('?')[0] ?? '/';
      if (request.method !== 'GET' || !METRICS_PATHS.has(path)) {
        response.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
        return;
      }
      this.metrics.registry.metrics().then(
        (text) =>
          response.writeHead(200, { 'content-type': this.metrics.registry.contentType }).end(text),
        (error: Error) => {
          this.logger.error(`metrics scrape failed: ${error.message}`);
          response.writeHead(500, { 'content-type': 'text/plain' }).end('internal error\n');
        },
      );
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, this.config.HOST, () => resolve());
    });
    this.server = server;
    this.logger.log(`metrics on http://${this.config.HOST}:${port}/api/metrics`);
  }

  async onApplicationShutdown(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
