import { Inject, Module } from '@nestjs/common';
import { StockModule } from '../stock/stock.module.js';
import { setMaxOrderQuantity } from './dto/create-order.dto.js';
import { FailPoints } from './fail-point.js';
import { InventoryAnswers } from './inventory-answers.js';
import { InventoryResponseHandler } from './inventory-response.handler.js';
import { InventoryPublisher } from './inventory.publisher.js';
import { OrderInsertBatcher } from './order-insert-batcher.js';
import { OrderOutboxRelay } from './order-outbox.relay.js';
import { ORDER_SETTINGS, type OrderSettings } from './order-settings.js';
import { OrderSettlement } from './order-settlement.js';
import { OrdersController } from './orders.controller.js';
import { OrdersRepository } from './orders.repository.js';
import { OrdersService } from './orders.service.js';
import { PendingOrdersGauge } from './pending-orders.gauge.js';
import { ReservationSweeper } from './reservation-sweeper.js';
import { SoldOutGate } from './sold-out.gate.js';
import { SqlOrdersRepository } from './sql-orders.repository.js';

/** Orders: the hot path, the answers from inventory, cancel and reads, and the outbox relay. */
@Module({
  imports: [StockModule],
  controllers: [OrdersController],
  providers: [
    OrdersService,
    OrderInsertBatcher,
    OrderSettlement,
    InventoryPublisher,
    InventoryAnswers,
    InventoryResponseHandler,
    OrderOutboxRelay,
    ReservationSweeper,
    PendingOrdersGauge,
    FailPoints,
    SoldOutGate,
    { provide: OrdersRepository, useClass: SqlOrdersRepository },
  ],
})
export class OrdersModule {
  constructor(@Inject(ORDER_SETTINGS) settings: OrderSettings) {
    setMaxOrderQuantity(settings.maxQuantity);
  }
}
