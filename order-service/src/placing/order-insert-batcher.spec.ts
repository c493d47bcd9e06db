import { jest } from '@jest/globals';
import { MetricsService } from '@flash-sale/common';
import { strictFake } from '../../test/support/strict-fake.js';
import { OrderInsertBatcher } from './order-insert-batcher.js';
import type { AfterOrdersCommitted } from '../orders/order-pipeline.ports.js';
import type { NewOrder } from '../orders/order.js';
import { DuplicateOrderError, type OrdersRepository } from '../orders/orders.repository.js';

function newOrder(id: string): NewOrder {
  return {
    id,
    userId: '1',
    productId: 'SKU-1',
    quantity: 1,
    unitPriceCents: 1,
    totalCents: 1,
    idempotencyKey: null,
    requestId: null,
    createdAt: new Date(),
    nextPublishAt: new Date(),
  };
}

const settings = {
  insertBatchMs: 5,
  insertBatchSize: 3,
  maxWaitingInserts: 1_000,
  maxInsertWaitMs: 2_000,
  reservationTimeoutMs: 10_000,
};

/** Records the ids of each batch the batcher reports as committed. */
function commitRecorder(): { afterCommit: AfterOrdersCommitted; committed: string[][] } {
  const committed: string[][] = [];
  return {
    afterCommit: { committed: (batch) => committed.push(batch.map((o) => o.id)) },
    committed,
  };
}

describe(OrderInsertBatcher.name, () => {
  it('stores concurrent orders with one INSERT and reports each committed batch', async () => {
    const orders = strictFake<OrdersRepository>('orders', { insertMany: () => Promise.resolve() });
    const { afterCommit, committed } = commitRecorder();
    const batcher = new OrderInsertBatcher(orders, settings, new MetricsService(), afterCommit);
    const outcomes = await Promise.all(['a', 'b'].map((id) => batcher.insert(newOrder(id))));
    expect(outcomes).toEqual([{ kind: 'inserted' }, { kind: 'inserted' }]);
    expect(orders.insertMany).toHaveBeenCalledTimes(1);
    expect(committed).toEqual([['a', 'b']]);
  });

  it('gives up on a batch not stored within half the reservation timeout, before the sweeper', async () => {
    jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate'] });
    try {
      const orders = strictFake<OrdersRepository>('orders', {
        insertMany: () => new Promise<void>(() => undefined),
      });
      const { afterCommit, committed } = commitRecorder();
      const batcher = new OrderInsertBatcher(orders, settings, new MetricsService(), afterCommit);
      const outcomes = ['a', 'b'].map((id) =>
        batcher.insert(newOrder(id)).then(
          () => 'stored',
          (error: Error) => error.message,
        ),
      );
      await jest.advanceTimersByTimeAsync(settings.reservationTimeoutMs / 2 - 1);
      expect(orders.insertMany).toHaveBeenCalledTimes(1);
      await jest.advanceTimersByTimeAsync(1);
      await expect(Promise.all(outcomes)).resolves.toEqual([
        'insert not done within 5000 ms',
        'insert not done within 5000 ms',
      ]);
      expect(committed).toEqual([]);
    } finally {
      jest.useRealTimers();
    }
  });

  it('writes a full batch at once without waiting for the window', async () => {
    const orders = strictFake<OrdersRepository>('orders', { insertMany: () => Promise.resolve() });
    const batcher = new OrderInsertBatcher(
      orders,
      { ...settings, insertBatchMs: 60_000 },
      new MetricsService(),
      commitRecorder().afterCommit,
    );
    await Promise.all(['a', 'b', 'c'].map((id) => batcher.insert(newOrder(id))));
    expect(orders.insertMany).toHaveBeenCalledTimes(1);
  });

  it('redoes a batch row by row after a duplicate key, telling each request its outcome', async () => {
    const orders = strictFake<OrdersRepository>('orders', {
      insertMany: () => Promise.reject(new DuplicateOrderError('dup')),
      insertOne: (o: NewOrder) =>
        Promise.resolve(
          o.id === 'b' ? 'duplicate-idempotency-key' : o.id === 'c' ? 'duplicate-id' : null,
        ),
    });
    const { afterCommit, committed } = commitRecorder();
    const batcher = new OrderInsertBatcher(orders, settings, new MetricsService(), afterCommit);
    const outcomes = await Promise.all(['a', 'b', 'c'].map((id) => batcher.insert(newOrder(id))));
    expect(outcomes).toEqual([
      { kind: 'inserted' },
      { kind: 'conflict', conflict: 'duplicate-idempotency-key' },
      { kind: 'conflict', conflict: 'duplicate-id' },
    ]);
    expect(committed).toEqual([['a']]);
  });

  it('fails every request of a batch whose outcome is unknown', async () => {
    const orders = strictFake<OrdersRepository>('orders', {
      insertMany: () => Promise.reject(new Error('connection lost')),
    });
    const batcher = new OrderInsertBatcher(
      orders,
      settings,
      new MetricsService(),
      commitRecorder().afterCommit,
    );
    const results = await Promise.allSettled(['a', 'b'].map((id) => batcher.insert(newOrder(id))));
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
  });

  describe('backpressure', () => {
    /** The requests are answered a moment before the batch stops being counted. */
    const afterAnswers = () => new Promise((resolve) => setImmediate(resolve));

    /** An INSERT that is answered only when the test says so. */
    function heldInserts() {
      const release: (() => void)[] = [];
      const orders = strictFake<OrdersRepository>('orders', {
        insertMany: () => new Promise<void>((resolve) => release.push(resolve)),
      });
      return { orders, releaseAll: () => release.splice(0).forEach((r) => r()) };
    }

    it('refuses once ORDER_MAX_WAITING_INSERTS orders wait, and not after they are stored', async () => {
      const { orders, releaseAll } = heldInserts();
      const batcher = new OrderInsertBatcher(
        orders,
        { ...settings, insertBatchSize: 2, maxWaitingInserts: 3, maxInsertWaitMs: 60_000 },
        new MetricsService(),
        commitRecorder().afterCommit,
      );
      expect(batcher.isOverloaded()).toBe(false);
      const first = ['a', 'b'].map((id) => batcher.insert(newOrder(id))); // sent: 2 waiting
      expect(batcher.isOverloaded()).toBe(false);
      const third = batcher.insert(newOrder('c')); // collected: 3 waiting
      expect(batcher.isOverloaded()).toBe(true);
      await new Promise((r) => setTimeout(r, settings.insertBatchMs + 5));
      releaseAll();
      await Promise.all(first);
      releaseAll();
      await third;
      await afterAnswers();
      expect(batcher.isOverloaded()).toBe(false);
    });

    it('refuses while an INSERT has been unanswered longer than ORDER_MAX_INSERT_WAIT_MS', async () => {
      const { orders, releaseAll } = heldInserts();
      const batcher = new OrderInsertBatcher(
        orders,
        { ...settings, insertBatchSize: 1, maxWaitingInserts: 1_000, maxInsertWaitMs: 50 },
        new MetricsService(),
        commitRecorder().afterCommit,
      );
      const stored = batcher.insert(newOrder('a'));
      expect(batcher.isOverloaded()).toBe(false);
      await new Promise((r) => setTimeout(r, 80));
      expect(batcher.isOverloaded()).toBe(true);
      releaseAll();
      await stored;
      await afterAnswers();
      expect(batcher.isOverloaded()).toBe(false);
    });

    it('stops counting a batch whose INSERT failed', async () => {
      const orders = strictFake<OrdersRepository>('orders', {
        insertMany: () => Promise.reject(new Error('connection lost')),
      });
      const batcher = new OrderInsertBatcher(
        orders,
        { ...settings, insertBatchSize: 1, maxWaitingInserts: 1 },
        new MetricsService(),
        commitRecorder().afterCommit,
      );
      await expect(batcher.insert(newOrder('a'))).rejects.toThrow('connection lost');
      await afterAnswers();
      expect(batcher.isOverloaded()).toBe(false);
    });
  });
});
