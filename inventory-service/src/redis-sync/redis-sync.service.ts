import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
} from '@nestjs/common';
import { RedisCatalogueStore } from './redis-catalogue.store.js';
import { RedisOutboxRepository } from './redis-outbox.repository.js';

export interface RedisSyncOptions {
  /** How often queued updates left behind (Redis down, a crash) are retried. */
  retryIntervalMs: number;
  /** Updates read from the outbox at a time. */
  batchSize: number;
}

export const REDIS_SYNC_OPTIONS = Symbol('REDIS_SYNC_OPTIONS');

/**
 * Applies queued admin changes to Redis after their MySQL commit. Callers await {@link flush}
 * right after committing, so an admin sees Redis updated when the answer arrives; a timer retries
 * whatever is left. Each update is applied at most once (the script remembers the last outbox id
 * per product), so several instances flushing at once, or a crash between applying and deleting
 * an update, never apply a delta twice.
 */
@Injectable()
export class RedisSyncService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(RedisSyncService.name);
  private tail: Promise<void> = Promise.resolve();
  private queued = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly outbox: RedisOutboxRepository,
    private readonly store: RedisCatalogueStore,
    @Inject(REDIS_SYNC_OPTIONS) private readonly options: RedisSyncOptions,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => {
      // The timer only catches up; it never queues behind a flush already waiting.
      if (this.queued === 0) void this.flush();
    }, this.options.retryIntervalMs);
    this.timer.unref();
  }

  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.tail;
  }

  /**
   * Applies every update queued so far, in order. Never throws: what cannot be applied now stays
   * queued for the next flush. Resolves true when the queue was drained.
   */
  flush(): Promise<boolean> {
    this.queued++;
    const run = this.tail.then(async () => {
      try {
        return await this.drain();
      } catch (error) {
        this.logger.warn(
          `Redis catalogue sync deferred: ${(error as Error).message}; retrying every ${this.options.retryIntervalMs} ms`,
        );
        return false;
      } finally {
        this.queued--;
      }
    });
    this.tail = run.then(() => undefined);
    return run;
  }

  private async drain(): Promise<boolean> {
    for (;;) {
      const pending = await this.outbox.pending(this.options.batchSize);
      const applied: string[] = [];
      try {
        // One at a time: a product's updates must reach Redis in queue order.
        for (const update of pending) {
          await this.store.applyOnce(update);
          applied.push(update.id);
        }
      } finally {
        await this.outbox.remove(applied);
      }
      if (pending.length < this.options.batchSize) return true;
    }
  }
}
