import type { RedisCatalogueStore } from './redis-catalogue.store.js';
import type { RedisOutboxRepository } from './redis-outbox.repository.js';
import { RedisSyncService } from './redis-sync.service.js';
import type { PendingRedisUpdate } from './redis-update.js';

function update(id: number, productId = 'SKU-1'): PendingRedisUpdate {
  return {
    id: String(id),
    productId,
    counter: { op: 'ADJUST', amount: id },
    catalogue: { op: 'REMOVE' },
  };
}

class FakeOutbox {
  queue: PendingRedisUpdate[] = [];
  readonly reads: number[] = [];

  pending(limit: number): Promise<PendingRedisUpdate[]> {
    this.reads.push(limit);
    return Promise.resolve(this.queue.slice(0, limit));
  }

  remove(ids: string[]): Promise<void> {
    this.queue = this.queue.filter((u) => !ids.includes(u.id));
    return Promise.resolve();
  }
}

class FakeStore {
  readonly applied: string[] = [];
  failOn: string | undefined;
  active = 0;
  maxActive = 0;

  async applyOnce(pending: PendingRedisUpdate): Promise<boolean> {
    this.active++;
    this.maxActive = Math.max(this.maxActive, this.active);
    await new Promise((r) => setTimeout(r, 1));
    this.active--;
    if (pending.id === this.failOn) throw new Error('Redis is down');
    this.applied.push(pending.id);
    return true;
  }
}

describe(RedisSyncService.name, () => {
  let outbox: FakeOutbox;
  let store: FakeStore;
  let sync: RedisSyncService;

  beforeEach(() => {
    outbox = new FakeOutbox();
    store = new FakeStore();
    sync = new RedisSyncService(
      outbox as unknown as RedisOutboxRepository,
      store as unknown as RedisCatalogueStore,
      { retryIntervalMs: 60_000, batchSize: 2 },
    );
  });

  describe('flush', () => {
    it('applies every queued update in order, batch after batch, and forgets them', async () => {
      outbox.queue = [update(1), update(2), update(3)];
      await expect(sync.flush()).resolves.toBe(true);
      expect(store.applied).toEqual(['1', '2', '3']);
      expect(outbox.queue).toEqual([]);
      expect(outbox.reads).toEqual([2, 2]);
    });

    it('stops at the first failure, keeping it and what follows for later, and never throws', async () => {
      outbox.queue = [update(1), update(2), update(3)];
      store.failOn = '2';
      await expect(sync.flush()).resolves.toBe(false);
      expect(outbox.queue.map((u) => u.id)).toEqual(['2', '3']);

      store.failOn = undefined;
      await sync.flush();
      expect(store.applied).toEqual(['1', '2', '3']);
    });

    it('never runs two drains at once', async () => {
      outbox.queue = [update(1), update(2), update(3), update(4)];
      await Promise.all([sync.flush(), sync.flush(), sync.flush()]);
      expect(store.maxActive).toBe(1);
      expect(store.applied).toEqual(['1', '2', '3', '4']);
    });
  });
});
