import { describe, expect, it } from '@jest/globals';
import type { OrderAnswersHook } from '../metrics/order-answers.hook.js';
import { PlacementResult } from '../metrics/order-metrics.js';
import { SaleStats } from './sale-stats.js';

const stats = () => new SaleStats({} as OrderAnswersHook);

describe(SaleStats.name, () => {
  it('gives totals, per-second rates since the last tick and the p99 of answer times', () => {
    const sale = stats();
    const start = Date.now();
    sale.tick('SKU-1', start);
    for (let i = 1; i <= 100; i++) {
      sale.orderAnswered(
        'SKU-1',
        i % 2 ? PlacementResult.Accepted : PlacementResult.OutOfStock,
        i / 1_000,
      );
    }
    const numbers = sale.tick('SKU-1', start + 2_000);
    expect(numbers).toMatchObject({
      acceptedTotal: 50,
      refusedTotal: 50,
      acceptedPerSecond: 25,
      refusedPerSecond: 25,
      p99Ms: 99,
    });
    expect(numbers.soldOutAt).toBeInstanceOf(Date);
    expect(sale.tick('SKU-1', start + 3_000)).toMatchObject({
      acceptedPerSecond: 0,
      acceptedTotal: 50,
      p99Ms: 99,
    });
  });

  it('keeps the first sell-out and ignores answers without a valid product id', () => {
    const sale = stats();
    const first = new Date(1_000);
    sale.soldOut('SKU-2', first);
    sale.soldOut('SKU-2', new Date(2_000));
    sale.orderAnswered('not a product!', PlacementResult.Accepted, 0.01);
    sale.orderAnswered(undefined, PlacementResult.Invalid, 0.01);
    expect(sale.tick('SKU-2').soldOutAt).toEqual(first);
    expect(sale.tick('not a product!').acceptedTotal).toBe(0);
  });

  it('forgets the least recently active product beyond a thousand', () => {
    const sale = stats();
    sale.orderAnswered('P-0', PlacementResult.Accepted, 0.01);
    for (let i = 1; i <= 1_000; i++) sale.orderAnswered(`P-${i}`, PlacementResult.Accepted, 0.01);
    expect(sale.tick('P-0').acceptedTotal).toBe(0);
    expect(sale.tick('P-1000').acceptedTotal).toBe(1);
  });
});
