import { Injectable } from '@nestjs/common';
import { OrdersErrors } from '../orders/orders.errors.js';
import { RedisStockStore } from './redis-stock.store.js';
import { StockReconciler, type ReconcileResult } from './stock-reconciler.js';

export interface StockLevel {
  productId: string;
  stock: number;
}

/** Sellable stock as the hot path sees it (the Redis counters), and on-demand reconciliation. */
@Injectable()
export class StockService {
  constructor(
    private readonly store: RedisStockStore,
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
        throw OrdersErrors.stockUnavailable();
      }
      throw OrdersErrors.productNotFound();
    }
    return { productId, stock: Math.max(0, counter) };
  }

  /** Compares every counter with MySQL now and repairs what differs. */
  async reconcile(repair: boolean): Promise<ReconcileResult[]> {
    const results = await this.reconciler.reconcile(repair ? 'repair' : 'check');
    if (results === null) throw OrdersErrors.unavailable();
    return results;
  }

  private async guard<T>(read: () => Promise<T>): Promise<T> {
    try {
      return await read();
    } catch {
      throw OrdersErrors.unavailable();
    }
  }
}
