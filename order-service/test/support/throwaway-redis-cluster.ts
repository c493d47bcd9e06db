import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createRedisClient, type RedisClient } from '@flash-sale/common';
import { Redis, type Cluster } from 'ioredis';

/** Resolves when `port` can be bound on 127.0.0.1 (and frees it again). */
function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/**
 * `count` ports whose cluster-bus ports (port + 10000) are free too: from `base` on when given
 * (a test's reserved range), else random ones below 55535.
 */
async function clusterPorts(count: number, base?: number): Promise<number[]> {
  const ports: number[] = [];
  for (let attempt = 0; ports.length < count && attempt < 500; attempt++) {
    const port = base !== undefined ? base + attempt : 20_000 + Math.floor(Math.random() * 35_000);
    if (ports.includes(port)) continue;
    if ((await isFree(port)) && (await isFree(port + 10_000))) ports.push(port);
  }
  if (ports.length < count) throw new Error('no free ports for a Redis Cluster');
  return ports;
}

/**
 * A Redis Cluster of this test's own: `masters` redis-servers started with `--cluster-enabled yes`
 * (no persistence, files in a temporary directory) and joined by `redis-cli --cluster create …
 * --cluster-replicas 0`, as `scripts/infra.sh redis-cluster up` does for users.
 */
export class ThrowawayRedisCluster {
  private constructor(
    readonly ports: number[],
    private readonly children: ChildProcess[],
    private readonly dir: string,
    /** A Cluster client for the test's own reads and writes. */
    readonly client: Cluster,
  ) {}

  /** `REDIS_CLUSTER_NODES` for the services. */
  get nodes(): string {
    return this.ports.map((p) => `127.0.0.1:${p}`).join(',');
  }

  /**
   * Starts it on free ports from `basePort` on (default: `THROWAWAY_REDIS_CLUSTER_PORT`, a range
   * reserved for this run, else free random ones).
   */
  static async start(
    options: { masters?: number; basePort?: number; ports?: number[] } = {},
  ): Promise<ThrowawayRedisCluster> {
    const envBase = process.env.THROWAWAY_REDIS_CLUSTER_PORT;
    const basePort = options.basePort ?? (envBase ? Number(envBase) : undefined);
    const ports = options.ports ?? (await clusterPorts(options.masters ?? 3, basePort));
    const dir = mkdtempSync(join(tmpdir(), 'redis-cluster-'));
    const children = ports.map((port) =>
      spawn(
        'redis-server',
        [
          '--port',
          String(port),
          '--bind',
          '127.0.0.1',
          '--cluster-enabled',
          'yes',
          '--cluster-config-file',
          join(dir, `nodes-${port}.conf`),
          '--cluster-node-timeout',
          '5000',
          '--save',
          '',
          '--appendonly',
          'no',
          '--dir',
          dir,
        ],
        { stdio: 'ignore' },
      ),
    );
    const stopAll = () => {
      for (const child of children) child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    };
    try {
      for (const port of ports) await ping(port);
      await run('redis-cli', [
        '--cluster',
        'create',
        ...ports.map((p) => `127.0.0.1:${p}`),
        '--cluster-replicas',
        '0',
        '--cluster-yes',
      ]);
      await waitForClusterOk(ports);
    } catch (error) {
      stopAll();
      throw error;
    }
    const client = createRedisClient(
      { REDIS_HOST: '127.0.0.1', REDIS_PORT: ports[0] ?? 0, REDIS_CLUSTER_NODES: toNodes(ports) },
      { maxRetriesPerRequest: 3 },
    ) as Cluster;
    client.on('error', () => undefined);
    await client.ping();
    return new ThrowawayRedisCluster(ports, children, dir, client);
  }

  /** The port of the master that holds `key`'s slot. */
  async masterOf(key: string): Promise<number> {
    const slot = Number(await this.client.cluster('KEYSLOT', key));
    const ranges = await this.client.cluster('SLOTS');
    const range = ranges.find(([from, to]) => slot >= from && slot <= to);
    const master = range?.[2];
    if (!master) throw new Error(`no master serves slot ${slot}`);
    return master[1];
  }

  /** Keys stored on each master (DBSIZE of each), by port. */
  async keysPerMaster(): Promise<Map<number, number>> {
    const counts = new Map<number, number>();
    for (const port of this.ports) {
      const node = new Redis({ port, host: '127.0.0.1', lazyConnect: true });
      try {
        await node.connect();
        counts.set(port, await node.dbsize());
      } finally {
        node.disconnect();
      }
    }
    return counts;
  }

  /** Stops every node and deletes its files (again: a no-op). */
  async stop(): Promise<void> {
    this.client.disconnect();
    await Promise.all(
      this.children.map(async (child) => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }),
    );
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** A client of the whole cluster with the given options (what a service would make). */
export function clusterClient(cluster: ThrowawayRedisCluster): RedisClient {
  return createRedisClient({
    REDIS_HOST: '127.0.0.1',
    REDIS_PORT: cluster.ports[0] ?? 0,
    REDIS_CLUSTER_NODES: toNodes(cluster.ports),
  });
}

function toNodes(ports: number[]) {
  return ports.map((port) => ({ host: '127.0.0.1', port }));
}

async function ping(port: number): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const node = new Redis({
      port,
      host: '127.0.0.1',
      lazyConnect: true,
      retryStrategy: () => null,
    });
    node.on('error', () => undefined);
    try {
      await node.connect();
      await node.ping();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await sleep(100);
    } finally {
      node.disconnect();
    }
  }
}

async function waitForClusterOk(ports: number[]): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (const port of ports) {
    const node = new Redis({ port, host: '127.0.0.1' });
    try {
      for (;;) {
        const info = String(await node.cluster('INFO'));
        if (info.includes('cluster_state:ok')) break;
        if (Date.now() > deadline) throw new Error(`cluster not ok on ${port}: ${info}`);
        await sleep(100);
      }
    } finally {
      node.disconnect();
    }
  }
}

function run(command: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`${command} exited ${code}: ${output}`)),
    );
  });
}
