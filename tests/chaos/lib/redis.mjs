// The chaos run's own redis-server (no persistence), so FLUSHALL and restoring an older snapshot
// touch nobody else's data.
import { Redis } from 'ioredis';
import { portOpen } from './kafka.mjs';
import { startGroup, waitFor } from './processes.mjs';

export class ChaosRedis {
  constructor({ port, logDir, dir }) {
    this.port = port;
    this.logDir = logDir;
    this.dir = dir;
    this.proc = undefined;
    this.client = undefined;
  }

  async start() {
    if (await portOpen(this.port))
      throw new Error(`port ${this.port} is already in use (chaos Redis)`);
    this.proc = startGroup(
      'redis',
      'redis-server',
      [
        '--port',
        String(this.port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
        '--dir',
        this.dir,
      ],
      { cwd: this.dir, env: process.env, logDir: this.logDir },
    );
    const proc = this.proc;
    await waitFor(`redis-server on ${this.port}`, () => portOpen(this.port), {
      timeoutMs: 20_000,
      abortIf: () => (proc.alive() ? undefined : `exited; see ${proc.logFile}`),
    });
    this.client = new Redis({ host: '127.0.0.1', port: this.port, maxRetriesPerRequest: 3 });
    this.client.on('error', () => {}); // the run reports what matters; no noise at teardown
  }

  flushAll() {
    return this.client.flushall();
  }

  /**
   * DUMP of every key with its remaining time to live: what a replica or an RDB file taken now
   * would bring back later.
   */
  async snapshot() {
    const keys = [];
    let cursor = '0';
    do {
      const [next, batch] = await this.client.scan(cursor, 'COUNT', 1000);
      cursor = next;
      keys.push(...batch);
    } while (cursor !== '0');
    const entries = [];
    for (let i = 0; i < keys.length; i += 500) {
      const slice = keys.slice(i, i + 500);
      const pipe = this.client.pipeline();
      for (const key of slice) {
        pipe.dumpBuffer(key);
        pipe.pttl(key);
      }
      const results = await pipe.exec();
      slice.forEach((key, j) => {
        const dump = results[2 * j][1];
        const ttl = results[2 * j + 1][1];
        if (dump) entries.push({ key, dump, ttl: ttl > 0 ? ttl : 0 });
      });
    }
    return { takenAt: Date.now(), entries };
  }

  /**
   * FLUSHALL, then RESTORE every key of `snapshot`, in one MULTI/EXEC: clients see Redis jump from
   * now to the old state at once, as after a restart from an older RDB/AOF or a failover to a
   * lagging replica (never a half-restored keyspace). Expiry times are absolute, as RDB, AOF and
   * replication keep them: a key whose time to live ran out since the snapshot is not brought back
   * (a lock held then has expired now), the others keep what is left of it.
   */
  async restore(snapshot) {
    const elapsed = Date.now() - snapshot.takenAt;
    const tx = this.client.multi();
    tx.flushall();
    for (const e of snapshot.entries) {
      if (e.ttl > 0 && e.ttl <= elapsed) continue;
      tx.restore(e.key, e.ttl > 0 ? e.ttl - elapsed : 0, e.dump, 'REPLACE');
    }
    const results = await tx.exec();
    const failed = (results ?? []).filter(([error]) => error);
    if (!results || failed.length > 0)
      throw new Error(`restoring the snapshot failed: ${failed[0]?.[0]?.message ?? 'aborted'}`);
  }

  async stop() {
    this.client?.disconnect();
    await this.proc?.kill();
  }
}
