import { Injectable } from '@nestjs/common';
import { StockErrors } from './stock.errors.js';
import { StockCountersStore } from './stock-counters.store.js';
import { StockReconciler, type ReconcileResult } from './stock-reconciler.js';

export interface StockLevel {
  productId: string;
  stock: number;
}

/** Sellable stock as the hot path sees it (the Redis counters), and on-demand reconciliation. */
@Injectable()
export class StockService {
  constructor(
    private readonly store: StockCountersStore,
    private readonly reconciler: StockReconciler,
  ) {}

  async list(): Promise<StockLevel[]> {
    const counters = await this.guard(() => this.store.readAllCounters());
    return counters.map((c) => ({ productId: c.productId, stock: Math.max(0, c.stock) }));
  }

  async get(productId: string): Promise<StockLevel> {
    const counter = await this.guard(() => this.store.readCounter(productId));
    if (counter === null) {
      if (!(await this.guard(() => this.store.isCatalogueLoaded()))) {
        throw StockErrors.stockUnavailable();
      }
      throw StockErrors.productNotFound();
    }
    return { productId, stock: Math.max(0, counter) };
  }

  /** Compares every counter with MySQL now and repairs what differs. */
  async reconcile(repair: boolean): Promise<ReconcileResult[]> {
    const results = await this.reconciler.reconcile(repair ? 'repair' : 'check');
    if (results === null) throw StockErrors.unavailable();
    return results;
  }

  private async guard<T>(read: () => Promise<T>): Promise<T> {
    try {
      return await read();
    } catch {
      throw StockErrors.unavailable();
    }
  }
}
