import { Module } from '@nestjs/common';
import { FencedLock, REDIS_CLIENT } from '@flash-sale/common';
import type { Redis } from 'ioredis';
import { FailPoints } from '../fail-points.js';
import { InventoryPublisher } from '../outbox/inventory.publisher.js';
import { OrderOutboxRelay } from '../outbox/order-outbox.relay.js';
import { PublishAfterCommit } from '../outbox/publish-after-commit.js';
import { OrderInsertBatcher } from '../placing/order-insert-batcher.js';
import { OrdersController } from '../placing/orders.controller.js';
import { OrdersService } from '../placing/orders.service.js';
import { PendingOrdersGauge } from '../placing/pending-orders.gauge.js';
import { PlaceOrderRoute } from '../placing/place-order.route.js';
import { SoldOutGate } from '../placing/sold-out.gate.js';
import { InventoryAnswers } from '../settling/inventory-answers.js';
import { InventoryResponseHandler } from '../settling/inventory-response.handler.js';
import { InventoryRestoreResponseHandler } from '../settling/inventory-restore-response.handler.js';
import {
  ReservationSweeper,
  SWEEPER_LOCK,
  SWEEPER_LOCK_NAME,
} from '../settling/reservation-sweeper.js';
import { RestoreAnswers } from '../settling/restore-answers.js';
import { StockModule } from '../stock/stock.module.js';
import { AfterOrdersCommitted, InventoryRequests } from './order-pipeline.ports.js';
import { ORDER_SETTINGS, type OrderSettings } from './order-settings.js';
import { OrderSettlement } from './order-settlement.js';
import { OrdersRepository } from './orders.repository.js';
import { SqlOrdersRepository } from './sql-orders.repository.js';

/**
 * Orders, wired from their rooms: `placing/` takes them over HTTP, `settling/` applies
 * inventory-service's answers and sweeps abandoned reservations, `outbox/` publishes to Kafka.
 * The rooms meet only in this folder's core (the order, its state table, the repository, the
 * settlement and the ports below), and this module is the one place that says who implements
 * what.
 */
@Module({
  imports: [StockModule],
  controllers: [OrdersController],
  providers: [
    // core
    OrderSettlement,
    { provide: OrdersRepository, useClass: SqlOrdersRepository },
    FailPoints,
    // placing
    OrdersService,
    OrderInsertBatcher,
    PendingOrdersGauge,
    SoldOutGate,
    PlaceOrderRoute,
    // settling
    InventoryAnswers,
    InventoryResponseHandler,
    RestoreAnswers,
    InventoryRestoreResponseHandler,
    ReservationSweeper,
    {
      // One sweeper at a time across the fleet; a dead holder's lease runs out after one
      // reservation timeout.
      provide: SWEEPER_LOCK,
      inject: [REDIS_CLIENT, ORDER_SETTINGS],
      useFactory: (redis: Redis, settings: OrderSettings) =>
        new FencedLock(redis, SWEEPER_LOCK_NAME, settings.reservationTimeoutMs),
    },
    // outbox: inventory requests go over Kafka, and each committed insert batch is published
    // right after its commit (the relay republishes whatever that misses)
    { provide: InventoryRequests, useClass: InventoryPublisher },
    { provide: AfterOrdersCommitted, useClass: PublishAfterCommit },
    OrderOutboxRelay,
  ],
})
export class OrdersModule {}
