import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import mysql from 'mysql2/promise';
import { freePort } from './stack.js';

const run = promisify(execFile);

/** A MariaDB program, from PATH or the Debian locations (`/usr/sbin` is not on every PATH). */
function program(name: string): string {
  const dirs = [...(process.env.PATH ?? '').split(':'), '/usr/sbin', '/usr/bin'];
  for (const dir of dirs) {
    if (dir && existsSync(join(dir, name))) return join(dir, name);
  }
  throw new Error(`${name} not found (install MariaDB's server package)`);
}

/**
 * A MariaDB server of this test's own: a fresh data directory under the system temp directory, a
 * free port, root without a password, and server settings of the test's choosing (a default time
 * zone that is not UTC, for one). Never the shared server, which nobody may reconfigure.
 */
export class ThrowawayMariaDb {
  private constructor(
    readonly port: number,
    private readonly dir: string,
    private readonly child: ChildProcess,
    private readonly exited: Promise<unknown>,
  ) {}

  static async start(serverOptions: string[] = []): Promise<ThrowawayMariaDb> {
    const dir = await mkdtemp(join(tmpdir(), 'order-service-mariadb-'));
    const data = join(dir, 'data');
    const user = userInfo().username;
    await run(program('mariadb-install-db'), [
      '--no-defaults',
      `--datadir=${data}`,
      '--auth-root-authentication-method=normal',
      '--skip-test-db',
      `--user=${user}`,
    ]);
    const port = await freePort();
    let log = '';
    const child = spawn(
      program('mariadbd'),
      [
        '--no-defaults',
        `--datadir=${data}`,
        `--port=${port}`,
        '--bind-address=127.0.0.1',
        `--socket=${join(dir, 'mariadb.sock')}`,
        `--pid-file=${join(dir, 'mariadb.pid')}`,
        `--user=${user}`,
        '--skip-name-resolve',
        '--skip-log-bin',
        '--innodb-buffer-pool-size=32M',
        ...serverOptions,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child.stdout?.on('data', (chunk: Buffer) => (log += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (log += chunk.toString()));
    const exited = new Promise((resolve) => child.once('exit', resolve));
    const server = new ThrowawayMariaDb(port, dir, child, exited);
    const deadline = Date.now() + 30_000;
    for (;;) {
      try {
        const connection = await mysql.createConnection(server.connection());
        await connection.end();
        return server;
      } catch (error) {
        if (Date.now() > deadline || child.exitCode !== null) {
          await server.stop();
          throw new Error(
            `mariadbd did not start: ${(error as Error).message}\n${log.slice(-2_000)}`,
          );
        }
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  }

  /** Where to connect, as root. */
  connection(database?: string): mysql.ConnectionOptions {
    return { host: '127.0.0.1', port: this.port, user: 'root', database };
  }

  /** Stops the server (SIGTERM, a clean shutdown) and removes its data directory. */
  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 15_000);
    await this.exited;
    clearTimeout(timer);
    await rm(this.dir, { recursive: true, force: true });
  }
}
