import cluster, { type Worker } from 'node:cluster';
import { AggregatorRegistry, type Registry } from 'prom-client';

/**
 * Prometheus metrics of a worker pool, aggregated over its workers by the primary with
 * prom-client's {@link AggregatorRegistry.aggregate} (counters and histograms summed, gauges by
 * each metric's `aggregator`). The messaging is ours rather than `clusterMetrics()`'s: a worker
 * still starting (or one that dies mid-scrape) would make prom-client's request wait for its 5 s
 * timeout and fail; here the primary asks only the workers whose registry is up, and a worker
 * that exits counts as answered.
 */

const READY = 'flash-sale:metrics-ready';
const COLLECT = 'flash-sale:metrics-collect';
const PART = 'flash-sale:metrics-part';
const SCRAPE = 'flash-sale:metrics-scrape';
const SCRAPED = 'flash-sale:metrics-scraped';

/** How long the primary waits for the workers' parts, and a worker for the primary's text. */
const SCRAPE_TIMEOUT_MS = 5_000;

interface Message {
  type?: unknown;
  id?: unknown;
  metrics?: object[];
  text?: string;
  error?: string;
}

const asMessage = (value: unknown): Message =>
  typeof value === 'object' && value !== null ? value : {};

/** True in a process forked by a worker pool (the metrics and signals are then the primary's). */
export function isPoolWorker(): boolean {
  return cluster.isWorker;
}

/**
 * In a pool worker: answers the primary's requests for this worker's metrics from `registry`,
 * and says it is ready to. Call once, when the registry exists.
 */
export function shareMetricsWithPrimary(registry: Registry): void {
  process.on('message', (raw: unknown) => {
    const message = asMessage(raw);
    if (message.type !== COLLECT) return;
    registry.getMetricsAsJSON().then(
      (metrics) => process.send?.({ type: PART, id: message.id, metrics }),
      (error: Error) => process.send?.({ type: PART, id: message.id, error: error.message }),
    );
  });
  process.send?.({ type: READY });
}

let nextScrape = 0;
const scrapes = new Map<number, (message: Message) => void>();

/** In a pool worker: the whole pool's metrics in Prometheus text, asked of the primary. */
export function scrapePoolMetrics(): Promise<string> {
  ensureScrapeListener();
  const id = nextScrape++;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      scrapes.delete(id);
      reject(new Error('the worker pool primary did not answer the metrics scrape'));
    }, SCRAPE_TIMEOUT_MS * 2);
    scrapes.set(id, (message) => {
      clearTimeout(timer);
      scrapes.delete(id);
      if (typeof message.text === 'string') resolve(message.text);
      else reject(new Error(message.error ?? 'metrics scrape failed'));
    });
    process.send?.({ type: SCRAPE, id });
  });
}

let scrapeListener = false;
function ensureScrapeListener(): void {
  if (scrapeListener) return;
  scrapeListener = true;
  process.on('message', (raw: unknown) => {
    const message = asMessage(raw);
    if (message.type === SCRAPED && typeof message.id === 'number')
      scrapes.get(message.id)?.(message);
  });
}

interface Collection {
  parts: object[][];
  waiting: Set<number>;
  finish: () => void;
}

/**
 * In the primary: collects and aggregates the workers' metrics. {@link track} each forked worker;
 * {@link scrape} gives the Prometheus text.
 */
export class PoolMetrics {
  private readonly ready = new Map<number, Worker>();
  private readonly collections = new Map<number, Collection>();
  private nextId = 0;
  readonly contentType = new AggregatorRegistry().contentType;

  track(worker: Worker): void {
    worker.on('message', (raw: unknown) => {
      const message = asMessage(raw);
      if (message.type === READY) {
        this.ready.set(worker.id, worker);
      } else if (message.type === PART && typeof message.id === 'number') {
        const collection = this.collections.get(message.id);
        if (!collection) return;
        if (message.metrics) collection.parts.push(message.metrics);
        collection.waiting.delete(worker.id);
        if (collection.waiting.size === 0) collection.finish();
      } else if (message.type === SCRAPE) {
        this.scrape().then(
          (text) => worker.isConnected() && worker.send({ type: SCRAPED, id: message.id, text }),
          (error: Error) =>
            worker.isConnected() &&
            worker.send({ type: SCRAPED, id: message.id, error: error.message }),
        );
      }
    });
    worker.on('exit', () => {
      this.ready.delete(worker.id);
      for (const collection of this.collections.values()) {
        if (collection.waiting.delete(worker.id) && collection.waiting.size === 0) {
          collection.finish();
        }
      }
    });
  }

  /** Every ready worker's metrics, aggregated into one Prometheus text. */
  scrape(): Promise<string> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const collection: Collection = {
        parts: [],
        waiting: new Set(),
        finish: () => {
          clearTimeout(timer);
          this.collections.delete(id);
          AggregatorRegistry.aggregate(collection.parts).metrics().then(resolve, reject);
        },
      };
      const timer = setTimeout(() => {
        this.collections.delete(id);
        reject(new Error(`workers ${[...collection.waiting].join(', ')} sent no metrics`));
      }, SCRAPE_TIMEOUT_MS);
      this.collections.set(id, collection);
      for (const worker of this.ready.values()) {
        if (!worker.isConnected()) continue;
        collection.waiting.add(worker.id);
        worker.send({ type: COLLECT, id });
      }
      if (collection.waiting.size === 0) collection.finish();
    });
  }
}
