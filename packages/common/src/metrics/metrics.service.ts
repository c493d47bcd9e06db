import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Histogram, Registry } from 'prom-client';
import {
  isPoolWorker,
  scrapePoolMetrics,
  shareMetricsWithPrimary,
} from '../process/cluster-metrics.js';

/**
 * The service's Prometheus registry. One registry per application (not prom-client's global one),
 * so several apps in one test process do not collide.
 */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();
  readonly httpDuration: Histogram<'method' | 'route' | 'status'>;

  constructor() {
    collectDefaultMetrics({ register: this.registry });
    this.httpDuration = new Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP request duration by route and status',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [this.registry],
    });
    if (isPoolWorker()) shareMetricsWithPrimary(this.registry);
  }

  /**
   * The Prometheus text a scrape gets: this registry's, or in a worker pool (WEB_CONCURRENCY > 1)
   * every worker's, aggregated by the primary, so a scrape that lands on any worker sees the
   * whole service.
   */
  scrape(): Promise<string> {
    return isPoolWorker() ? scrapePoolMetrics() : this.registry.metrics();
  }

  setServiceLabel(service: string): void {
    this.registry.setDefaultLabels({ service });
  }
}
