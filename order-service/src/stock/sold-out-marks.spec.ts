import { setImmediate as flush } from 'node:timers/promises';
import type { RedisClient } from '@flash-sale/common';
import { strictFake } from '../../test/support/strict-fake.js';
import { SOLD_OUT_CHECK_MS, SoldOutMarks } from './sold-out-marks.js';
import { StockKeys } from './stock-keys.js';

const TTL = 2_000;
const P = 'SKU-1';

/** Marks over a Redis whose counter read answers what `counter` says, when the test lets it. */
function build(counter: () => Promise<[string | null, string | null]>) {
  const redis = strictFake<RedisClient>('redis', { mget: counter });
  return { marks: new SoldOutMarks(redis, { soldOutTtlMs: TTL }), redis };
}

describe(SoldOutMarks.name, () => {
  it('refuses a marked product until the TTL, without asking Redis', () => {
    const { marks, redis } = build(() => Promise.resolve(['0', '1']));
    expect(marks.isSoldOut(P, 0)).toBe(false);
    marks.mark(P, 0);
    expect(marks.isSoldOut(P, 1)).toBe(true);
    expect(marks.isSoldOut(P, TTL - 1)).toBe(true);
    expect(marks.isSoldOut('SKU-2', 1)).toBe(false);
    expect(redis.mget).not.toHaveBeenCalled();
  });

  it('holds a lapsed mark while one read checks the counter, and renews it at 0', async () => {
    let answer!: (reply: [string | null, string | null]) => void;
    const { marks, redis } = build(() => new Promise((resolve) => (answer = resolve)));
    marks.mark(P, 0);
    // The herd at the lapse: all refused, one read for all of them.
    for (let i = 0; i < 50; i++) expect(marks.isSoldOut(P, TTL + i)).toBe(true);
    expect(redis.mget).toHaveBeenCalledTimes(1);
    expect(redis.mget).toHaveBeenCalledWith(StockKeys.stock(P), StockKeys.ready(P));
    answer(['0', '1']);
    await flush();
    // Renewed from the moment of the answer (Date.now()): far in the future of this test's clock.
    expect(marks.isSoldOut(P, TTL + SOLD_OUT_CHECK_MS + 1)).toBe(true);
    expect(redis.mget).toHaveBeenCalledTimes(1);
  });

  it.each<[string, [string | null, string | null]]>([
    ['units are back', ['3', '1']],
    ['the counter is not ready (being rebuilt)', ['0', null]],
    ['the counter is missing', [null, null]],
  ])('drops a lapsed mark when %s: the next request goes to Redis', async (_case, reply) => {
    const { marks } = build(() => Promise.resolve(reply));
    marks.mark(P, 0);
    expect(marks.isSoldOut(P, TTL)).toBe(true);
    await flush();
    expect(marks.isSoldOut(P, TTL + 1)).toBe(false);
  });

  it('lets requests through when the check does not answer in time, and ignores its late answer', async () => {
    let answer!: (reply: [string | null, string | null]) => void;
    const { marks } = build(() => new Promise((resolve) => (answer = resolve)));
    marks.mark(P, 0);
    expect(marks.isSoldOut(P, TTL)).toBe(true);
    expect(marks.isSoldOut(P, TTL + SOLD_OUT_CHECK_MS - 1)).toBe(true);
    expect(marks.isSoldOut(P, TTL + SOLD_OUT_CHECK_MS)).toBe(false);
    answer(['0', '1']);
    await flush();
    expect(marks.isSoldOut(P, TTL + SOLD_OUT_CHECK_MS + 1)).toBe(false);
  });

  it('drops the mark when the read fails', async () => {
    const { marks } = build(() => Promise.reject(new Error('connection lost')));
    marks.mark(P, 0);
    expect(marks.isSoldOut(P, TTL)).toBe(true);
    await flush();
    expect(marks.isSoldOut(P, TTL + 1)).toBe(false);
  });

  it('a stock-changed message during the check wins over its answer', async () => {
    let answer!: (reply: [string | null, string | null]) => void;
    const { marks } = build(() => new Promise((resolve) => (answer = resolve)));
    marks.mark(P, 0);
    expect(marks.isSoldOut(P, TTL)).toBe(true);
    marks.clear(P);
    answer(['0', '1']);
    await flush();
    expect(marks.isSoldOut(P, TTL + 1)).toBe(false);
  });
});
