import { Injectable } from '@nestjs/common';
import { MetricsService } from '@flash-sale/common';
import { Counter, Histogram } from 'prom-client';

/** What became of one `POST /api/orders`, as counted by `orders_placed_total{result}`. */
export const PlacementResult = {
  Accepted: 'accepted',
  OutOfStock: 'out_of_stock',
  Limit: 'limit',
  /** No producer yet: there is no rate limiting; the series exists (at 0) for the dashboards. */
  RateLimited: 'rate_limited',
  Unavailable: 'unavailable',
  Invalid: 'invalid',
} as const;
export type PlacementResult = (typeof PlacementResult)[keyof typeof PlacementResult];

/** Final states counted by `orders_settled_total{status}`. */
export const SettledStatus = {
  Confirmed: 'confirmed',
  Failed: 'failed',
  Cancelled: 'cancelled',
} as const;
export type SettledStatus = (typeof SettledStatus)[keyof typeof SettledStatus];

/**
 * The order pipeline's business series, which dashboards and alerts use by name. Every label
 * value is registered up front (so each series shows 0 before its first event) and none carries
 * a product or user id, so the number of series is fixed.
 */
@Injectable()
export class OrderMetrics {
  private readonly placedTotal: Counter<'result'>;
  private readonly settledTotal: Counter<'status'>;
  private readonly settleSeconds: Histogram;

  constructor(metrics: MetricsService) {
    this.placedTotal = new Counter({
      name: 'orders_placed_total',
      help: 'Answers to POST /api/orders by result (sold-out gate and validation included)',
      labelNames: ['result'],
      registers: [metrics.registry],
    });
    this.settledTotal = new Counter({
      name: 'orders_settled_total',
      help: 'Orders that reached a final state, by that state',
      labelNames: ['status'],
      registers: [metrics.registry],
    });
    this.settleSeconds = new Histogram({
      name: 'order_settle_seconds',
      help: "From an order's creation to inventory's answer making it CONFIRMED or FAILED",
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers: [metrics.registry],
    });
    for (const result of Object.values(PlacementResult)) this.placedTotal.inc({ result }, 0);
    for (const status of Object.values(SettledStatus)) this.settledTotal.inc({ status }, 0);
  }

  placed(result: PlacementResult): void {
    this.placedTotal.inc({ result });
  }

  /** Orders that inventory's answers settled now; `createdAt` gives each one's settle time. */
  settled(
    status: typeof SettledStatus.Confirmed | typeof SettledStatus.Failed,
    orders: { createdAt: Date }[],
    now = Date.now(),
  ): void {
    if (orders.length === 0) return;
    this.settledTotal.inc({ status }, orders.length);
    for (const order of orders) {
      this.settleSeconds.observe(Math.max(0, now - order.createdAt.getTime()) / 1_000);
    }
  }

  /** A buyer cancelled an order (not a settle time: the buyer chose when). */
  cancelled(): void {
    this.settledTotal.inc({ status: SettledStatus.Cancelled });
  }
}
