import { Module } from '@nestjs/common';
import { InFlightOrders, SqlInFlightOrders } from './in-flight-orders.js';
import { InventoryCatalogue } from './inventory-catalogue.js';
import { RedisStockStore } from './redis-stock.store.js';
import { SoldOutMarks } from './sold-out-marks.js';
import { StockReconciler } from './stock-reconciler.js';
import { StockController } from './stock.controller.js';
import { StockService } from './stock.service.js';

/** The Redis stock counters: the hot-path store, sold-out marks, reconciliation, stock reads. */
@Module({
  controllers: [StockController],
  providers: [
    RedisStockStore,
    SoldOutMarks,
    InventoryCatalogue,
    StockReconciler,
    StockService,
    { provide: InFlightOrders, useClass: SqlInFlightOrders },
  ],
  exports: [RedisStockStore, SoldOutMarks, StockReconciler],
})
export class StockModule {}
