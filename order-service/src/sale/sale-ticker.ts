import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { StockCountersStore } from '../stock/stock-counters.store.js';
import { SaleRepository, type PendingOfProduct } from './sale.repository.js';
import { SaleStats } from './sale-stats.js';

const TICK_MS = 1_000;

/** One second of a sale, as the page shows it. */
export interface SaleSnapshot {
  productId: string;
  at: string;
  /** The Redis counter; null when it is missing or could not be read. */
  unitsLeft: number | null;
  acceptedTotal: number;
  refusedTotal: number;
  acceptedPerSecond: number;
  refusedPerSecond: number;
  p99Ms: number | null;
  /** PENDING orders of the product (all instances); null when MySQL could not be read. */
  pending: number | null;
  /** Age of the oldest PENDING order: how far settling is behind. */
  settleLagMs: number | null;
  soldOutAt: string | null;
}

export type SaleListener = (snapshot: SaleSnapshot) => void;

/**
 * One shared 1 s ticker for every open sale page: per tick, one Redis read per watched product
 * and one MySQL query for all of them, whatever the number of clients. It runs only while a
 * page is open.
 */
@Injectable()
export class SaleTicker implements OnApplicationShutdown {
  private readonly logger = new Logger(SaleTicker.name);
  private readonly listeners = new Map<string, Set<SaleListener>>();
  private timer: NodeJS.Timeout | undefined;
  private ticking = false;

  constructor(
    private readonly stock: StockCountersStore,
    private readonly repository: SaleRepository,
    private readonly stats: SaleStats,
  ) {}

  /** Calls `listener` every second with the product's numbers; returns the unsubscribe. */
  watch(productId: string, listener: SaleListener): () => void {
    const set = this.listeners.get(productId) ?? new Set<SaleListener>();
    set.add(listener);
    this.listeners.set(productId, set);
    this.timer ??= setInterval(() => void this.tick(), TICK_MS).unref();
    return () => {
      set.delete(listener);
      if (set.size === 0) this.listeners.delete(productId);
      if (this.listeners.size === 0) this.stop();
    };
  }

  onApplicationShutdown(): void {
    this.stop();
  }

  /** One tick for every watched product (skipped if the previous one is still running). */
  async tick(now = new Date()): Promise<void> {
    if (this.ticking) return;
    this.ticking = true;
    try {
      const productIds = [...this.listeners.keys()];
      const [counters, pending] = await Promise.all([
        Promise.all(productIds.map((id) => this.stock.readCounter(id).catch(() => null))),
        this.repository.pendingOf(productIds).catch((error: Error) => {
          this.logger.debug(`could not count pending orders: ${error.message}`);
          return null;
        }),
      ]);
      for (const [i, productId] of productIds.entries()) {
        const unitsLeft = counters[i] ?? null;
        if (unitsLeft !== null && unitsLeft <= 0) this.stats.soldOut(productId, now);
        const snapshot = this.snapshot(productId, unitsLeft, pending, now);
        for (const listener of this.listeners.get(productId) ?? []) listener(snapshot);
      }
    } finally {
      this.ticking = false;
    }
  }

  private snapshot(
    productId: string,
    unitsLeft: number | null,
    pending: Map<string, PendingOfProduct> | null,
    now: Date,
  ): SaleSnapshot {
    const activity = this.stats.tick(productId, now.getTime());
    const waiting = pending?.get(productId);
    const oldest = waiting?.oldestCreatedAt;
    return {
      productId,
      at: now.toISOString(),
      unitsLeft,
      acceptedTotal: activity.acceptedTotal,
      refusedTotal: activity.refusedTotal,
      acceptedPerSecond: activity.acceptedPerSecond,
      refusedPerSecond: activity.refusedPerSecond,
      p99Ms: activity.p99Ms,
      pending: pending === null ? null : (waiting?.count ?? 0),
      settleLagMs: oldest ? Math.max(0, now.getTime() - oldest.getTime()) : null,
      soldOutAt: activity.soldOutAt?.toISOString() ?? null,
    };
  }

  private stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }
}
