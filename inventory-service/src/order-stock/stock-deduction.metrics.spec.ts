import { describe, expect, it } from '@jest/globals';
import { MetricsService } from '@flash-sale/common';
import { InventoryFailureReason } from '@flash-sale/contracts';
import { OrderOutcome } from './processed-order.js';
import { StockDeductionMetrics } from './stock-deduction.metrics.js';

describe(StockDeductionMetrics.name, () => {
  it('counts decided requests by outcome and skips tombstones of early restores', async () => {
    const service = new MetricsService();
    const metrics = new StockDeductionMetrics(service);
    metrics.decided([
      { outcome: OrderOutcome.Deducted, reason: null },
      { outcome: OrderOutcome.Deducted, reason: null },
      { outcome: OrderOutcome.Refused, reason: InventoryFailureReason.InsufficientStock },
      { outcome: OrderOutcome.Refused, reason: InventoryFailureReason.ProductNotFound },
      { outcome: OrderOutcome.Refused, reason: InventoryFailureReason.PurchaseLimitExceeded },
      { outcome: OrderOutcome.Cancelled, reason: null },
    ]);
    const metric = (await service.registry.getMetricsAsJSON()).find(
      (m) => m.name === 'stock_deductions_total',
    );
    const byOutcome = Object.fromEntries(
      (metric?.values ?? []).map((v) => [String(v.labels.outcome), v.value]),
    );
    expect(byOutcome).toEqual({
      deducted: 2,
      insufficient_stock: 1,
      product_not_found: 1,
      purchase_limit_exceeded: 1,
    });
  });
});
