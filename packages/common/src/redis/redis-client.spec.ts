import { Cluster, Redis } from 'ioredis';
import { createRedisClient, duplicateRedisClient, isCluster } from './redis-client.js';

const standAlone = { REDIS_HOST: 'redis.local', REDIS_PORT: 6380, REDIS_PASSWORD: 'secret' };

describe(createRedisClient.name, () => {
  it('makes a stand-alone client from REDIS_HOST/REDIS_PORT/REDIS_PASSWORD', () => {
    const client = createRedisClient(standAlone, { lazyConnect: true, maxRetriesPerRequest: 1 });
    expect(client).toBeInstanceOf(Redis);
    expect(isCluster(client)).toBe(false);
    expect(client.options).toMatchObject({
      host: 'redis.local',
      port: 6380,
      password: 'secret',
      maxRetriesPerRequest: 1,
    });
    client.disconnect();
  });

  it('makes a Cluster client from REDIS_CLUSTER_NODES, with the password and options on every node', () => {
    const nodes = [
      { host: '127.0.0.1', port: 7000 },
      { host: '127.0.0.1', port: 7001 },
    ];
    const client = createRedisClient(
      { ...standAlone, REDIS_CLUSTER_NODES: nodes },
      {
        lazyConnect: true,
        enableAutoPipelining: true,
        maxRetriesPerRequest: 1,
        connectTimeout: 2_000,
      },
    );
    expect(client).toBeInstanceOf(Cluster);
    if (!isCluster(client)) throw new Error('not a cluster client');
    expect(client.options).toMatchObject({ lazyConnect: true, enableAutoPipelining: true });
    expect(client.options.redisOptions).toMatchObject({
      password: 'secret',
      maxRetriesPerRequest: 1,
      connectTimeout: 2_000,
    });
    const subscriber = duplicateRedisClient(client, { maxRetriesPerRequest: null });
    expect(subscriber).toBeInstanceOf(Cluster);
    expect((subscriber as Cluster).options.redisOptions).toMatchObject({
      password: 'secret',
      maxRetriesPerRequest: null,
    });
    subscriber.disconnect();
    client.disconnect();
  });
});
