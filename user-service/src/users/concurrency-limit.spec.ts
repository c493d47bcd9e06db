import { ConcurrencyLimit, ConcurrencyLimitFull } from './concurrency-limit.js';

/** A task that runs until the test releases it. */
function gate() {
  let release!: () => void;
  const done = new Promise<void>((resolve) => (release = resolve));
  return { task: () => done, release };
}

describe(ConcurrencyLimit.name, () => {
  describe('run', () => {
    it('runs up to the limit at once and queues the next ones in order', async () => {
      const limit = new ConcurrencyLimit(2, 5);
      const gates = [gate(), gate()];
      const order: number[] = [];
      const first = gates.map((g, i) => limit.run(() => g.task().then(() => order.push(i))));
      const queued = limit.run(() => Promise.resolve(order.push(2)));

      expect(limit.load).toEqual({ running: 2, queued: 1 });
      gates[1]?.release();
      gates[0]?.release();
      await Promise.all([...first, queued]);

      expect(order).toEqual([1, 0, 2]);
      expect(limit.load).toEqual({ running: 0, queued: 0 });
    });

    it('refuses at once when every slot is busy and the queue is full', async () => {
      const limit = new ConcurrencyLimit(1, 1);
      const busy = gate();
      const running = limit.run(busy.task);
      const waiting = limit.run(() => Promise.resolve('queued'));

      await expect(limit.run(() => Promise.resolve('refused'))).rejects.toBeInstanceOf(
        ConcurrencyLimitFull,
      );

      busy.release();
      await expect(Promise.all([running, waiting])).resolves.toEqual([undefined, 'queued']);
    });

    it('frees the slot of a task that fails', async () => {
      const limit = new ConcurrencyLimit(1, 0);

      await expect(limit.run(() => Promise.reject(new Error('boom')))).rejects.toThrow('boom');

      await expect(limit.run(() => Promise.resolve('next'))).resolves.toBe('next');
    });
  });
});
