import { Cluster, Redis, type RedisOptions } from 'ioredis';

/**
 * The Redis client every service and script uses: a stand-alone connection, or a Redis Cluster
 * client when `REDIS_CLUSTER_NODES` is set. Both run the same commands; code that holds one must
 * keep to what works on a Cluster: every Lua script's and MULTI's keys in one slot (one hash tag),
 * no keyspace SCAN/KEYS (a node sees its own slots only), no explicit pipeline across slots (let
 * auto-pipelining group concurrent commands by node instead).
 */
export type RedisClient = Redis | Cluster;

/** Where Redis is, as the services' environment gives it. */
export interface RedisConnectionSettings {
  REDIS_HOST: string;
  REDIS_PORT: number;
  REDIS_PASSWORD?: string;
  /** Seed nodes of a Redis Cluster; when given, REDIS_HOST/REDIS_PORT are not used. */
  REDIS_CLUSTER_NODES?: { host: string; port: number }[];
}

/**
 * Parses `REDIS_CLUSTER_NODES` (`host:port,host:port,…`; an IPv6 host in brackets); throws an
 * error naming the bad entry.
 */
export function parseRedisClusterNodes(value: string): { host: string; port: number }[] {
  const entries = value.split(',').map((n) => n.trim());
  if (entries.every((e) => e === '')) throw new Error('must list at least one node as host:port');
  return entries.map((entry) => {
    const match = /^([A-Za-z0-9.-]+|\[[0-9A-Fa-f:]+\]):(\d{1,5})$/.exec(entry);
    const port = Number(match?.[2]);
    if (!match || port < 1 || port > 65535) throw new Error(`"${entry}" is not host:port`);
    return { host: match[1].replace(/^\[|\]$/g, ''), port };
  });
}

/**
 * Makes the client: `options` (timeouts, retries, lazyConnect…) apply to every node connection
 * of a Cluster as to the one stand-alone connection, and so does the password.
 */
export function createRedisClient(
  settings: RedisConnectionSettings,
  options: RedisOptions = {},
): RedisClient {
  const { enableAutoPipelining, lazyConnect, ...nodeOptions } = options;
  const password = settings.REDIS_PASSWORD || undefined;
  if (!settings.REDIS_CLUSTER_NODES?.length) {
    return new Redis({
      host: settings.REDIS_HOST,
      port: settings.REDIS_PORT,
      password,
      ...options,
    });
  }
  const cluster = new Cluster(settings.REDIS_CLUSTER_NODES, {
    redisOptions: { password, ...nodeOptions },
    enableAutoPipelining,
    lazyConnect,
    // Retried like the stand-alone client's reconnects: a Cluster whose seeds are all down keeps
    // trying instead of giving up for good.
    clusterRetryStrategy: (attempt) => Math.min(attempt * 200, 2_000),
    // Cluster nodes announce their own addresses (cluster-announce-ip); no NAT mapping here.
  });
  if (options.maxRetriesPerRequest !== null) {
    // The Cluster client queues a command while it is not connected to the cluster, with no
    // bound (maxRetriesPerRequest is per node connection): once every node is gone, a command
    // would wait for the cluster's return forever. Queue only until first connected (commands
    // issued at start-up); afterwards a command fails at once while the cluster is unreachable,
    // as a stand-alone client's does after its one retry, so callers answer 503 and not hang.
    cluster.once('ready', () => {
      cluster.options.enableOfflineQueue = false;
    });
  }
  return cluster;
}

/** Whether `client` talks to a Redis Cluster. */
export function isCluster(client: RedisClient): client is Cluster {
  return client instanceof Cluster;
}

/**
 * A second connection like `client`, with `options` (e.g. `maxRetriesPerRequest: null` for a
 * subscriber, which can run no other command).
 */
export function duplicateRedisClient(client: RedisClient, options: RedisOptions = {}): RedisClient {
  if (isCluster(client)) {
    return client.duplicate([], {
      redisOptions: { ...client.options.redisOptions, ...options },
    });
  }
  return client.duplicate(options);
}

/**
 * The servers to send a keyless, per-server command to (SCRIPT LOAD, say): every master of a
 * Cluster, or the one stand-alone connection.
 */
export function redisMasters(client: RedisClient): Redis[] {
  return isCluster(client) ? client.nodes('master') : [client];
}
