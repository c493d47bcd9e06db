import { Injectable, OnModuleInit } from '@nestjs/common';
import { ReadinessRegistry } from '@flash-sale/common';
import { StockCountersStore } from './stock-counters.store.js';
import { StockReconciler } from './stock-reconciler.js';

/**
 * order-service's own readiness condition (`/api/health/ready`, check `stock`): the Redis counters
 * are loaded from MySQL (`stock:catalogue-loaded`), so an order is answered 201, 404 or 409, never
 * 503 STOCK_UNAVAILABLE. The first load runs at boot (the reconciler's first pass); while it is
 * not done, each probe asks for a pass again, so that a Redis that lost its data is rebuilt even
 * when no order arrives (a readiness probe keeps traffic away until then).
 */
@Injectable()
export class StockReadiness implements OnModuleInit {
  constructor(
    private readonly registry: ReadinessRegistry,
    private readonly store: StockCountersStore,
    private readonly reconciler: StockReconciler,
  ) {}

  onModuleInit(): void {
    this.registry.register('stock', () => this.countersLoaded());
  }

  async countersLoaded(): Promise<boolean> {
    if (await this.store.isCatalogueLoaded()) return true;
    this.reconciler.requestRebuild();
    return false;
  }
}
