import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Redis } from 'ioredis';

/**
 * Next to this file; `npm run build` copies them into dist/ (scripts/copy-assets.mjs). Read when
 * the first lock is made, not on import: importing the package must not need them.
 */
let scripts: { acquire: string; confirm: string; release: string } | undefined;
function loadScripts(): NonNullable<typeof scripts> {
  const read = (name: string) => readFileSync(new URL(`./${name}.lua`, import.meta.url), 'utf8');
  scripts ??= {
    acquire: read('fenced-lock-acquire'),
    confirm: read('fenced-lock-confirm'),
    release: read('fenced-lock-release'),
  };
  return scripts;
}

/** One holder's hold on a {@link FencedLock}. */
export interface FencedLease {
  /** Random per acquisition: tells this holder from a later one. */
  readonly token: string;
  /** Increases with every acquisition of the lock: a later holder always has a larger fence. */
  readonly fence: number;
}

/** The lease ran out (a pause longer than it, a lost connection) and the lock may be another's. */
export class LockLostError extends Error {
  override name = 'LockLostError';
}

/** The part of an ioredis client (stand-alone or Cluster) the lock uses. */
type ScriptRunner = Pick<Redis, 'eval'>;

/**
 * A lock in Redis for periodic work that one instance of a fleet should do at a time (the
 * reservation sweeper, the reconciler), with a fencing token: every acquisition gets a larger
 * fence number, and the holder confirms its lease ({@link confirm}: still ours? then extended) right
 * before each write, so a holder that was paused past its lease stops instead of writing after
 * another instance took over. Both keys carry the lock's name as hash tag (`lock:{name}`), so each
 * script stays in one Redis Cluster slot.
 *
 * What it does not do: make a write that is already under way stop. Work done under it must still
 * be safe to repeat (conditional updates, once-only guards); the lock keeps N instances from
 * doing the same work N times, and the fence from writing on after losing it.
 */
export class FencedLock {
  readonly key: string;
  readonly fenceKey: string;
  private readonly scripts = loadScripts();

  constructor(
    private readonly redis: ScriptRunner,
    readonly name: string,
    readonly leaseMs: number,
  ) {
    this.key = `lock:{${name}}`;
    this.fenceKey = `lock:{${name}}:fence`;
  }

  /** Takes the lock for {@link leaseMs}; null when another holder has it. */
  async tryAcquire(): Promise<FencedLease | null> {
    const token = randomUUID();
    const fence = await this.redis.eval(
      this.scripts.acquire,
      2,
      this.key,
      this.fenceKey,
      token,
      this.leaseMs,
    );
    return fence === null ? null : { token, fence: Number(fence) };
  }

  /**
   * Confirms the lease is still this holder's and extends it by {@link leaseMs}; throws
   * {@link LockLostError} otherwise. Call it right before each write made under the lock.
   */
  async confirm(lease: FencedLease): Promise<void> {
    const held = await this.redis.eval(
      this.scripts.confirm,
      1,
      this.key,
      value(lease),
      this.leaseMs,
    );
    if (held !== 1) {
      throw new LockLostError(`lost the lock ${this.name} (fence ${lease.fence})`);
    }
  }

  /** Releases the lock if this holder still holds it (never another holder's). */
  async release(lease: FencedLease): Promise<boolean> {
    return (await this.redis.eval(this.scripts.release, 1, this.key, value(lease))) === 1;
  }

  /**
   * Runs `work` under the lock: `{ ran: false }` at once when another holder has it. The lock is
   * released afterwards, whatever `work` did.
   */
  async runExclusive<T>(
    work: (lease: FencedLease) => Promise<T>,
  ): Promise<{ ran: true; value: T } | { ran: false }> {
    const lease = await this.tryAcquire();
    if (!lease) return { ran: false };
    try {
      return { ran: true, value: await work(lease) };
    } finally {
      await this.release(lease).catch(() => undefined);
    }
  }
}

function value(lease: FencedLease): string {
  return `${lease.token}|${lease.fence}`;
}
