import { describe, expect, it } from '@jest/globals';
import { Registry } from 'prom-client';
import { ConsumerMetrics } from './consumer-metrics.js';

async function valueOf(registry: Registry, name: string, topic: string): Promise<number> {
  const metric = (await registry.getMetricsAsJSON()).find((m) => m.name === name);
  const sample = metric?.values.find((v) => v.labels.topic === topic);
  if (!sample) throw new Error(`no ${name}{topic="${topic}"}`);
  return sample.value;
}

describe(ConsumerMetrics.name, () => {
  it('shows 0 for every consumed topic before any consumer exists', async () => {
    const registry = new Registry();
    new ConsumerMetrics(registry, ['a', 'b']);
    expect(await valueOf(registry, 'kafka_consumer_lag', 'a')).toBe(0);
    expect(await valueOf(registry, 'dlq_messages_total', 'b')).toBe(0);
  });

  it('sums the lag of the assigned partitions per topic, skipping unassigned ones', async () => {
    const registry = new Registry();
    const metrics = new ConsumerMetrics(registry, ['a', 'b']);
    metrics.track({
      getLag: () =>
        Promise.resolve(
          new Map([
            ['a', [3n, -1n, 4n]],
            ['b', [-1n, 0n]],
          ]),
        ),
    });
    expect(await valueOf(registry, 'kafka_consumer_lag', 'a')).toBe(7);
    expect(await valueOf(registry, 'kafka_consumer_lag', 'b')).toBe(0);
  });

  it('keeps the last known lag when the broker does not answer', async () => {
    const registry = new Registry();
    const metrics = new ConsumerMetrics(registry, ['a']);
    metrics.track({ getLag: () => Promise.resolve(new Map([['a', [5n]]])) });
    expect(await valueOf(registry, 'kafka_consumer_lag', 'a')).toBe(5);
    metrics.track({ getLag: () => Promise.reject(new Error('down')) });
    expect(await valueOf(registry, 'kafka_consumer_lag', 'a')).toBe(5);
  });

  it('counts dead letters per source topic', async () => {
    const registry = new Registry();
    const metrics = new ConsumerMetrics(registry, ['a']);
    metrics.deadLetters('a', 2);
    metrics.deadLetters('a', 1);
    expect(await valueOf(registry, 'dlq_messages_total', 'a')).toBe(3);
  });
});
