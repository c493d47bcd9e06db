import { spawn, type ChildProcess } from 'node:child_process';
import { Redis } from 'ioredis';
import { freePort } from './stack.js';

/**
 * A redis-server of this test's own on a free port, without persistence, so a test can FLUSHALL
 * it for real without touching the Redis everyone else shares.
 */
export class ThrowawayRedis {
  private constructor(
    readonly port: number,
    private readonly child: ChildProcess,
    readonly client: Redis,
  ) {}

  /** On `port` when given (a test's reserved port), else on a free one. */
  static async start(port?: number): Promise<ThrowawayRedis> {
    port ??= await freePort();
    const child = spawn(
      'redis-server',
      ['--port', String(port), '--save', '', '--appendonly', 'no'],
      {
        stdio: 'ignore',
      },
    );
    const client = new Redis({ port, host: '127.0.0.1', retryStrategy: () => 100 });
    client.on('error', () => undefined);
    const redis = new ThrowawayRedis(port, child, client);
    const deadline = Date.now() + 10_000;
    for (;;) {
      try {
        await client.ping();
        return redis;
      } catch (error) {
        if (Date.now() > deadline) {
          await redis.stop();
          throw error;
        }
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  }

  /** Freezes the server (SIGSTOP): connections stay open and nothing is answered. */
  pause(): void {
    this.child.kill('SIGSTOP');
  }

  resume(): void {
    this.child.kill('SIGCONT');
  }

  /** Stops the server (again: a no-op). */
  async stop(): Promise<void> {
    this.client.disconnect();
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.kill('SIGCONT');
    this.child.kill('SIGTERM');
    await exited;
  }
}
