import { Injectable, OnModuleInit } from '@nestjs/common';
import { PRODUCT_ID_PATTERN } from '@flash-sale/contracts';
import { OrderAnswersHook, type OrderAnswerListener } from '../metrics/order-answers.hook.js';
import { PlacementResult } from '../metrics/order-metrics.js';

/** Most products followed at once; the least recently active one is forgotten beyond this. */
const MAX_PRODUCTS = 1_000;
/** Latencies kept per product per tick (a uniform sample beyond this). */
const MAX_SAMPLES_PER_TICK = 5_000;
/** Ticks whose latencies make up the p99. */
const P99_WINDOW_TICKS = 10;

/** What this instance answered for one product, as the sale page shows it. */
export interface ProductActivity {
  acceptedTotal: number;
  refusedTotal: number;
  acceptedPerSecond: number;
  refusedPerSecond: number;
  /** Over the last ten seconds of answers; null when there were none. */
  p99Ms: number | null;
  /** First out-of-stock answer, or first time the counter was seen at 0. */
  soldOutAt: Date | null;
}

interface Activity {
  acceptedTotal: number;
  refusedTotal: number;
  acceptedAtLastTick: number;
  refusedAtLastTick: number;
  lastTickAt: number;
  /** Latencies (s) since the last tick, and of the ticks before it. */
  current: number[];
  seen: number;
  windows: number[][];
  soldOutAt: Date | null;
}

/**
 * In-process counters of the order answers per product, for the live sale page (not Prometheus:
 * product ids would be unbounded labels there). A bounded map: at most {@link MAX_PRODUCTS}
 * products, each with a bounded sample of latencies.
 */
@Injectable()
export class SaleStats implements OnModuleInit, OrderAnswerListener {
  private readonly products = new Map<string, Activity>();

  constructor(private readonly answers: OrderAnswersHook) {}

  onModuleInit(): void {
    this.answers.listen(this);
  }

  orderAnswered(productId: string | undefined, result: PlacementResult, seconds: number): void {
    if (productId === undefined || !PRODUCT_ID_PATTERN.test(productId)) return;
    const activity = this.activityOf(productId, Date.now());
    if (result === PlacementResult.Accepted) activity.acceptedTotal += 1;
    else activity.refusedTotal += 1;
    if (result === PlacementResult.OutOfStock) activity.soldOutAt ??= new Date();
    activity.seen += 1;
    if (activity.current.length < MAX_SAMPLES_PER_TICK) activity.current.push(seconds);
    else {
      // Reservoir sampling: every answer of the tick has the same chance to be kept.
      const slot = Math.floor(Math.random() * activity.seen);
      if (slot < MAX_SAMPLES_PER_TICK) activity.current[slot] = seconds;
    }
  }

  /** Closes the current tick of `productId` and returns its numbers. */
  tick(productId: string, now = Date.now()): ProductActivity {
    const activity = this.activityOf(productId, now);
    const elapsed = Math.max(now - activity.lastTickAt, 1) / 1_000;
    const acceptedPerSecond = (activity.acceptedTotal - activity.acceptedAtLastTick) / elapsed;
    const refusedPerSecond = (activity.refusedTotal - activity.refusedAtLastTick) / elapsed;
    activity.acceptedAtLastTick = activity.acceptedTotal;
    activity.refusedAtLastTick = activity.refusedTotal;
    activity.lastTickAt = now;
    activity.windows.push(activity.current);
    if (activity.windows.length > P99_WINDOW_TICKS) activity.windows.shift();
    activity.current = [];
    activity.seen = 0;
    return {
      acceptedTotal: activity.acceptedTotal,
      refusedTotal: activity.refusedTotal,
      acceptedPerSecond: Math.round(acceptedPerSecond * 10) / 10,
      refusedPerSecond: Math.round(refusedPerSecond * 10) / 10,
      p99Ms: p99Ms(activity.windows.flat()),
      soldOutAt: activity.soldOutAt,
    };
  }

  /** Records that the product's counter was seen at 0 (if no earlier sell-out is known). */
  soldOut(productId: string, at: Date): void {
    this.activityOf(productId, at.getTime()).soldOutAt ??= at;
  }

  private activityOf(productId: string, now: number): Activity {
    let activity = this.products.get(productId);
    if (activity) {
      // Re-inserted: the map's order is then least recently active first.
      this.products.delete(productId);
    } else {
      activity = {
        acceptedTotal: 0,
        refusedTotal: 0,
        acceptedAtLastTick: 0,
        refusedAtLastTick: 0,
        lastTickAt: now,
        current: [],
        seen: 0,
        windows: [],
        soldOutAt: null,
      };
      const oldest = this.products.keys().next();
      if (this.products.size >= MAX_PRODUCTS && !oldest.done) this.products.delete(oldest.value);
    }
    this.products.set(productId, activity);
    return activity;
  }
}

function p99Ms(seconds: number[]): number | null {
  if (seconds.length === 0) return null;
  const sorted = [...seconds].sort((a, b) => a - b);
  const index = Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.99) - 1);
  return Math.round((sorted[index] ?? 0) * 1_000 * 10) / 10;
}
