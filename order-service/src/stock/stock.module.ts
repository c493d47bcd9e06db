import { Module } from '@nestjs/common';
import { InFlightOrders, SqlInFlightOrders } from './in-flight-orders.js';
import { InventoryCatalogue } from './inventory-catalogue.js';
import { KnownSequences } from './known-sequences.js';
import { ReservationStore } from './reservation.store.js';
import { StockCountersStore } from './stock-counters.store.js';
import { SoldOutMarks } from './sold-out-marks.js';
import { StockReadiness } from './stock-readiness.js';
import { StockReconciler } from './stock-reconciler.js';
import { StockController } from './stock.controller.js';
import { StockService } from './stock.service.js';

/**
 * The Redis stock counters: the hot path's reservation store and sold-out marks (exported to
 * orders), and the reconciler with its counter store (also read by the sale page), the catalogue
 * client (also read by the sale audit) and stock reads; and the readiness condition "counters
 * loaded" of `/api/health/ready`.
 */
@Module({
  controllers: [StockController],
  providers: [
    KnownSequences,
    ReservationStore,
    StockCountersStore,
    SoldOutMarks,
    InventoryCatalogue,
    StockReconciler,
    StockService,
    StockReadiness,
    { provide: InFlightOrders, useClass: SqlInFlightOrders },
  ],
  exports: [
    ReservationStore,
    StockCountersStore,
    SoldOutMarks,
    StockReconciler,
    InFlightOrders,
    InventoryCatalogue,
  ],
})
export class StockModule {}
