import { Injectable } from '@nestjs/common';
import { InventoryCatalogue } from './inventory-catalogue.js';
import { StockErrors } from './stock.errors.js';
import { StockCountersStore } from './stock-counters.store.js';
import { StockReconciler, type ReconcileResult } from './stock-reconciler.js';

export interface StockLevel {
  productId: string;
  stock: number;
}

const STORE_PING_TIMEOUT_MS = 1_500;

/**
 * How long `GET /api/stock`'s answer is reused: it is public and unauthenticated, so a flood of
 * it costs Redis at most one index read and one pipeline a second, whatever the request rate.
 */
export const STOCK_LIST_CACHE_MS = 1_000;

/** Sellable stock as the hot path sees it (the Redis counters), and on-demand reconciliation. */
@Injectable()
export class StockService {
  constructor(
    private readonly store: StockCountersStore,
    private readonly reconciler: StockReconciler,
    private readonly inventory: InventoryCatalogue,
  ) {}

  /** The last list read, shared by every request within {@link STOCK_LIST_CACHE_MS} of it. */
  private listed: { readAt: number; levels: Promise<StockLevel[]> } | undefined;

  /**
   * Every product's counter, at most {@link STOCK_LIST_CACHE_MS} old. Concurrent callers share one
   * read; a failed read is not kept.
   */
  list(now = Date.now()): Promise<StockLevel[]> {
    if (this.listed && now - this.listed.readAt < STOCK_LIST_CACHE_MS) return this.listed.levels;
    const levels = this.readLevels();
    const entry = { readAt: now, levels };
    this.listed = entry;
    levels.catch(() => {
      if (this.listed === entry) this.listed = undefined;
    });
    return levels;
  }

  private async readLevels(): Promise<StockLevel[]> {
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

  /**
   * Sets a product's stock of record. inventory-service writes it (MySQL is the record; Redis is
   * never written here) and moves the Redis counter by the difference, so orders in flight stay
   * counted. The answer is the new stock of record.
   */
  async setStock(productId: string, stock: number, authorization: string): Promise<StockLevel> {
    let result;
    try {
      result = await this.inventory.setStock(productId, stock, authorization);
    } catch {
      throw StockErrors.inventoryUnavailable();
    }
    if (result.kind === 'no-product') throw StockErrors.productNotFound();
    return { productId, stock: result.stock };
  }

  /** Whether the stock store (Redis) answers. */
  async checkStore(): Promise<{ status: 'ok'; redis: 'up' }> {
    try {
      await this.store.ping(STORE_PING_TIMEOUT_MS);
    } catch {
      throw StockErrors.storeDown();
    }
    return { status: 'ok', redis: 'up' };
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
