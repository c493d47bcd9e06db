import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { TestTokenIssuer } from '@flash-sale/common/testing';
import { Role } from '@flash-sale/contracts';
import { loadOrderServiceConfig } from '../../src/config.js';

/** Settings of this machine's infrastructure (the same defaults the services use). */
export const infra = loadOrderServiceConfig({ ...process.env });

/**
 * The suites' stand-in for user-service's signing key: every spawned service is given its public
 * JWK Set (JWT_JWKS), and {@link bearer} signs with it.
 */
export const SIGNING_KEY = new TestTokenIssuer({
  issuer: infra.JWT_ISSUER,
  audience: infra.JWT_AUDIENCE,
});

const ORDER_SERVICE_DIR = fileURLToPath(new URL('../..', import.meta.url));
const INVENTORY_SERVICE_DIR = fileURLToPath(new URL('../../../inventory-service', import.meta.url));

/** A port nothing listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** A service started from its built `dist/main.js` as a child process. */
export class SpawnedService {
  private output = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  private constructor(
    readonly name: string,
    readonly url: string,
    private readonly child: ChildProcess,
  ) {
    child.stdout?.on('data', (chunk: Buffer) => this.record(chunk));
    child.stderr?.on('data', (chunk: Buffer) => this.record(chunk));
    this.exited = new Promise((resolve) =>
      child.once('exit', (code, signal) => resolve({ code, signal })),
    );
  }

  /**
   * Starts `dir/dist/main.js` with `env` on a free port and waits until it is ready
   * (`/api/health/ready`) and, unless `wait` is `ready`, healthy too (`/api/health`: Kafka
   * reachable, which most tests need for orders to settle; a test of a Kafka outage waits for
   * ready only).
   */
  static async start(
    name: 'order-service' | 'inventory-service',
    env: Record<string, string>,
    timeoutMs = 45_000,
    wait: 'ready' | 'healthy' = 'healthy',
  ): Promise<SpawnedService> {
    const port = env.PORT ?? String(await freePort());
    const dir = name === 'order-service' ? ORDER_SERVICE_DIR : INVENTORY_SERVICE_DIR;
    const child = spawn(process.execPath, ['dist/main.js'], {
      cwd: dir,
      env: {
        PATH: process.env.PATH ?? '',
        NODE_ENV: 'test',
        LOG_LEVEL: 'warn',
        JWT_JWKS: SIGNING_KEY.jwksJson,
        ...env,
        PORT: port,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const service = new SpawnedService(name, `http://127.0.0.1:${port}`, child);
    const deadline = Date.now() + timeoutMs;
    try {
      await service.waitFor('/api/health/ready', timeoutMs);
      if (wait === 'healthy') await service.waitFor('/api/health', deadline - Date.now());
    } catch (error) {
      // Nobody will hold on to a service that did not come up: stop it, or it outlives the test
      // (SIGTERM first, so that a worker pool's primary takes its workers down with it).
      await service.stop();
      throw error;
    }
    return service;
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get logs(): string {
    return this.output;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Waits until `path` answers 200 (polled every 100 ms). */
  async waitFor(path: string, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (!this.running) {
        throw new Error(`${this.name} exited during start-up:\n${this.output.slice(-4_000)}`);
      }
      try {
        const res = await fetch(`${this.url}${path}`, { signal: AbortSignal.timeout(2_000) });
        await res.arrayBuffer();
        if (res.status === 200) return;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(
      `${this.name}: ${path} not 200 within ${timeoutMs} ms:\n${this.output.slice(-4_000)}`,
    );
  }

  /** Kills the process (SIGKILL by default: a crash) and waits for it to be gone. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    if (this.running) this.child.kill(signal);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 15_000);
    await this.exited;
    clearTimeout(timer);
  }

  private record(chunk: Buffer): void {
    this.output += chunk.toString();
    if (this.output.length > 200_000) this.output = this.output.slice(-100_000);
  }
}

/**
 * A Bearer header for a customer (or an admin) with the given id, signed as user-service signs
 * (synchronously, so requests can be built in one expression).
 */
export function bearer(userId: number | string, role: Role = Role.User): string {
  return `Bearer ${SIGNING_KEY.signSync({ sub: String(userId), username: `user${userId}`, role })}`;
}

/** User ids nobody else uses in this run. */
let lastUserId = Math.floor(Date.now() / 1000) * 1_000 + Math.floor(Math.random() * 1_000);
export function newUserId(): number {
  lastUserId += 1;
  return lastUserId;
}

export interface InventoryProduct {
  productId: string;
  name: string;
  priceCents: number;
  stock: number;
  maxPerUser?: number;
}

/** inventory-service's admin API, as an operator would call it. */
export class InventoryAdmin {
  constructor(private readonly url: string) {}

  async create(product: {
    productId: string;
    name?: string;
    priceCents?: number;
    stock: number;
    maxPerUser?: number;
  }): Promise<InventoryProduct> {
    const res = await fetch(`${this.url}/api/inventory`, {
      method: 'POST',
      headers: { authorization: bearer(1, Role.Admin), 'content-type': 'application/json' },
      body: JSON.stringify({ name: `Test ${product.productId}`, priceCents: 1_999, ...product }),
    });
    if (res.status !== 201)
      throw new Error(`creating ${product.productId}: ${res.status} ${await res.text()}`);
    return (await res.json()) as InventoryProduct;
  }

  async get(productId: string): Promise<InventoryProduct> {
    const res = await fetch(`${this.url}/api/inventory/${productId}`);
    if (res.status !== 200) throw new Error(`reading ${productId}: ${res.status}`);
    return (await res.json()) as InventoryProduct;
  }

  async setStock(productId: string, stock: number): Promise<void> {
    const res = await fetch(`${this.url}/api/inventory/${productId}`, {
      method: 'PUT',
      headers: { authorization: bearer(1, Role.Admin), 'content-type': 'application/json' },
      body: JSON.stringify({ stock }),
    });
    if (res.status !== 200)
      throw new Error(`updating ${productId}: ${res.status} ${await res.text()}`);
  }
}

/** A product id nobody else uses. */
export function newProductId(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}
