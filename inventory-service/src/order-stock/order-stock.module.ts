import { Module } from '@nestjs/common';
import { Clock } from '../clock.js';
import { InventoryRequestHandler } from './inventory-request.handler.js';
import { InventoryResponsePublisher } from './inventory-response.publisher.js';
import { InventoryRestoreHandler } from './inventory-restore.handler.js';
import { OrderStockRepository } from './order-stock.repository.js';
import { OrderStockService } from './order-stock.service.js';
import { StockDeductionMetrics } from './stock-deduction.metrics.js';

/** Orders over Kafka: deductions (`inventory-request`) and restorations (`inventory-restore`). */
@Module({
  providers: [
    OrderStockService,
    OrderStockRepository,
    InventoryResponsePublisher,
    InventoryRequestHandler,
    InventoryRestoreHandler,
    StockDeductionMetrics,
    Clock,
  ],
  exports: [OrderStockService],
})
export class OrderStockModule {}
