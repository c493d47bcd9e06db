import { createRedisClient, type RedisClient } from '@flash-sale/common';
import { StockKeys } from '../src/stock/stock-keys.js';
import { ThrowawayRedisCluster } from './support/throwaway-redis-cluster.js';

/**
 * The services' Cluster client (the options of RedisModule) when the whole cluster goes away:
 * commands fail at once instead of waiting in the client's unbounded offline queue (a request
 * would hang), and the client serves again as soon as a cluster answers on the seed nodes.
 */
describe('Redis Cluster client during an outage (real cluster)', () => {
  let cluster: ThrowawayRedisCluster | undefined;
  let client: RedisClient | undefined;

  afterAll(async () => {
    client?.disconnect();
    await cluster?.stop();
  });

  it('fails fast while the cluster is gone and serves again once it is back', async () => {
    cluster = await ThrowawayRedisCluster.start();
    const ports = cluster.ports;
    client = createRedisClient(
      {
        REDIS_HOST: '127.0.0.1',
        REDIS_PORT: ports[0] ?? 0,
        REDIS_CLUSTER_NODES: ports.map((port) => ({ host: '127.0.0.1', port })),
      },
      {
        maxRetriesPerRequest: 1,
        connectTimeout: 2_000,
        retryStrategy: (attempt) => Math.min(attempt * 200, 2_000),
        enableAutoPipelining: true,
      },
    );
    client.on('error', () => undefined);
    const redis = client;
    expect(await redis.set(StockKeys.stock('outage-a'), '1')).toBe('OK');

    await cluster.stop();
    // Each product's command fails, none waits for the cluster (Jest's timeout would end a hang).
    for (const p of ['outage-a', 'outage-b', 'outage-c']) {
      const started = Date.now();
      await expect(redis.get(StockKeys.stock(p))).rejects.toThrow();
      expect(Date.now() - started).toBeLessThan(5_000);
    }

    cluster = await ThrowawayRedisCluster.start({ ports });
    const deadline = Date.now() + 30_000;
    let answer: string | null | undefined;
    while (answer === undefined) {
      try {
        await redis.set(StockKeys.stock('outage-b'), '2');
        answer = await redis.get(StockKeys.stock('outage-b'));
      } catch (error) {
        if (Date.now() > deadline) throw error;
        await new Promise((r) => setTimeout(r, 200));
      }
    }
    expect(answer).toBe('2');
  }, 60_000);
});
