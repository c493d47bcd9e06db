import { Injectable } from '@nestjs/common';
import { MetricsService } from '@flash-sale/common';
import { InventoryFailureReason } from '@flash-sale/contracts';
import { Counter } from 'prom-client';
import { OrderOutcome, type ProcessedOrder } from './processed-order.js';

/** `stock_deductions_total{outcome}`'s values: one per way an order's request can end. */
export const DeductionOutcome = {
  Deducted: 'deducted',
  InsufficientStock: 'insufficient_stock',
  ProductNotFound: 'product_not_found',
  PurchaseLimitExceeded: 'purchase_limit_exceeded',
} as const;
export type DeductionOutcome = (typeof DeductionOutcome)[keyof typeof DeductionOutcome];

/** Undefined for a tombstone (a restore that came first): no request was decided. */
function outcomeOf(
  order: Pick<ProcessedOrder, 'outcome' | 'reason'>,
): DeductionOutcome | undefined {
  switch (order.outcome) {
    case OrderOutcome.Deducted:
      return DeductionOutcome.Deducted;
    case OrderOutcome.Cancelled:
      return undefined;
    case OrderOutcome.Refused:
      switch (order.reason) {
        case InventoryFailureReason.ProductNotFound:
          return DeductionOutcome.ProductNotFound;
        case InventoryFailureReason.PurchaseLimitExceeded:
          return DeductionOutcome.PurchaseLimitExceeded;
        default:
          return DeductionOutcome.InsufficientStock;
      }
  }
}

/**
 * `stock_deductions_total{outcome}`: inventory requests decided for the first time (a redelivered
 * request is answered from its record and not counted again), by outcome.
 */
@Injectable()
export class StockDeductionMetrics {
  private readonly deductions: Counter<'outcome'>;

  constructor(metrics: MetricsService) {
    this.deductions = new Counter({
      name: 'stock_deductions_total',
      help: 'Inventory requests decided (once per order), by outcome',
      labelNames: ['outcome'],
      registers: [metrics.registry],
    });
    for (const outcome of Object.values(DeductionOutcome)) this.deductions.inc({ outcome }, 0);
  }

  /** Counts orders decided in a committed transaction. */
  decided(orders: Pick<ProcessedOrder, 'outcome' | 'reason'>[]): void {
    for (const order of orders) {
      const outcome = outcomeOf(order);
      if (outcome) this.deductions.inc({ outcome });
    }
  }
}
