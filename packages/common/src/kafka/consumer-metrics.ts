import type { Consumer } from '@platformatic/kafka';
import { Counter, Gauge, type Registry } from 'prom-client';

/** The part of the client's consumer the lag needs. */
type LagSource = Pick<Consumer<string, string, string, string>, 'getLag'>;

/** A scrape never waits longer than this for the broker; the last known lag is shown instead. */
const LAG_TIMEOUT_MS = 1_000;

/**
 * The consumer's Prometheus series: `kafka_consumer_lag{topic}` (the partitions' high watermark
 * minus the group's committed offset, summed over the partitions this instance holds) and
 * `dlq_messages_total{topic}` (messages moved to the topic's dead-letter topic). The lag is asked
 * of the broker when scraped, so it is as fresh as the scrape; one label value per consumed
 * topic, so the series stay few.
 */
export class ConsumerMetrics {
  private readonly lag: Gauge<'topic'>;
  private readonly deadLettered: Counter<'topic'>;
  private source: LagSource | undefined;
  private readonly last = new Map<string, number>();

  constructor(
    registry: Registry,
    private readonly topics: readonly string[],
  ) {
    this.lag = new Gauge({
      name: 'kafka_consumer_lag',
      help: 'Messages not yet consumed and committed by this instance, per topic',
      labelNames: ['topic'],
      registers: [registry],
      collect: () => this.collectLag(),
    });
    this.deadLettered = new Counter({
      name: 'dlq_messages_total',
      help: 'Messages that failed their contract and went to the dead-letter topic, per source topic',
      labelNames: ['topic'],
      registers: [registry],
    });
    for (const topic of topics) {
      this.lag.set({ topic }, 0);
      this.deadLettered.inc({ topic }, 0);
    }
  }

  /** The consumer whose lag is reported (undefined while there is none). */
  track(source: LagSource | undefined): void {
    this.source = source;
  }

  /** Counts dead-lettered messages of `topic`. */
  deadLetters(topic: string, count: number): void {
    this.deadLettered.inc({ topic }, count);
  }

  private async collectLag(): Promise<void> {
    const source = this.source;
    if (source && this.topics.length > 0) {
      try {
        const lag = await Promise.race([
          source.getLag({ topics: [...this.topics] }),
          new Promise<never>((_, reject) =>
            setTimeout(() => reject(new Error('lag timed out')), LAG_TIMEOUT_MS).unref(),
          ),
        ]);
        for (const [topic, partitions] of lag) {
          // -1 marks a partition this instance is not assigned (another instance reports it).
          const sum = partitions.reduce((total, l) => (l >= 0n ? total + l : total), 0n);
          this.last.set(topic, Number(sum));
        }
      } catch {
        // Broker unreachable or slow: keep the last value rather than fail the scrape.
      }
    }
    for (const topic of this.topics) this.lag.set({ topic }, this.last.get(topic) ?? 0);
  }
}
