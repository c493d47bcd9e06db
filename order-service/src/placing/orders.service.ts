import { setTimeout as sleep } from 'node:timers/promises';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { v7 as timeOrderedUuid } from 'uuid';
import { ReservationStore, type ReserveResult } from '../stock/reservation.store.js';
import { SoldOutMarks } from '../stock/sold-out-marks.js';
import { StockReconciler } from '../stock/stock-reconciler.js';
import { FailPoints } from '../fail-points.js';
import { OrderInsertBatcher, type InsertOutcome } from './order-insert-batcher.js';
import { ORDER_SETTINGS, type OrderSettings } from '../orders/order-settings.js';
import { OrderSettlement } from '../orders/order-settlement.js';
import { canTransition } from '../orders/order-state.js';
import { OrderStatus, type NewOrder, type Order } from '../orders/order.js';
import { OrdersErrors } from '../orders/orders.errors.js';
import { OrdersRepository, type OrderPage } from '../orders/orders.repository.js';
import { earlyRefusal } from './order-preconditions.js';
import { PendingOrdersGauge } from './pending-orders.gauge.js';

export interface PlaceOrder {
  userId: string;
  productId: string;
  quantity: number;
  idempotencyKey?: string;
  requestId?: string;
}

/** The order, and whether it is the one an earlier request with the same key created. */
export interface PlacedOrder {
  order: Order;
  replayed: boolean;
}

/**
 * Taking, reading and cancelling orders. Placing one: backpressure (MySQL keeping up) and sold-out checks in memory,
 * one Redis script that reserves the stock, the PENDING row stored by the insert batcher, and the
 * inventory request published after the commit. Whatever fails after the reservation gives it
 * back exactly once, either here (when the order is known not to be stored) or later (the sweeper
 * and the relay, when it is not known).
 */
@Injectable()
export class OrdersService {
  private readonly logger = new Logger(OrdersService.name);

  constructor(
    private readonly orders: OrdersRepository,
    private readonly stock: ReservationStore,
    private readonly soldOut: SoldOutMarks,
    private readonly pending: PendingOrdersGauge,
    private readonly batcher: OrderInsertBatcher,
    private readonly settlement: OrderSettlement,
    private readonly reconciler: StockReconciler,
    private readonly failPoints: FailPoints,
    @Inject(ORDER_SETTINGS) private readonly settings: OrderSettings,
  ) {}

  async place(command: PlaceOrder): Promise<PlacedOrder> {
    const { userId, productId, quantity, idempotencyKey } = command;
    const hasIdempotencyKey = idempotencyKey !== undefined;
    switch (
      earlyRefusal(
        { userId, productId, hasIdempotencyKey },
        { backpressure: this.batcher, soldOut: this.soldOut },
      )
    ) {
      case 'not-a-customer':
        throw OrdersErrors.unusableToken();
      case 'overloaded':
        throw OrdersErrors.overloaded();
      case 'sold-out':
        throw OrdersErrors.outOfStock();
    }

    // Time-ordered (UUIDv7): new rows land at the end of the orders table's primary key instead
    // of on random pages, so inserts and the answers' row locks stay on pages in the buffer pool
    // however large the table grows (with random v4 ids, MariaDB read from disk per order).
    const orderId = timeOrderedUuid();
    const now = Date.now();
    const fingerprint = `${productId}:${quantity}`;
    const reserve = () =>
      this.stock.reserve({
        orderId,
        userId,
        productId,
        quantity,
        nowMs: now,
        idempotencyKey,
        fingerprint,
        idempotencyTtlSeconds: this.settings.idempotencyTtlSeconds,
      });
    let reservation: ReserveResult;
    try {
      reservation = await reserve();
      if (reservation.kind === 'not-ready' && (await this.stock.isCatalogueLoaded())) {
        // A counter inventory-service set for a new product while the counters are known good:
        // trust it (after a loss of Redis data the marker is gone and this is not reached).
        await this.stock.markReady(productId);
        reservation = await reserve();
      }
    } catch (error) {
      this.logger.warn(`stock reservation failed: ${(error as Error).message}`);
      throw OrdersErrors.unavailable();
    }

    switch (reservation.kind) {
      case 'reserved':
        if (reservation.remaining <= 0) this.soldOut.mark(productId);
        break;
      case 'short':
        if (reservation.stock <= 0) this.soldOut.mark(productId);
        throw OrdersErrors.outOfStock();
      case 'limit':
        throw OrdersErrors.purchaseLimitExceeded(reservation.maxPerUser);
      case 'replay':
        if (reservation.fingerprint !== fingerprint) throw OrdersErrors.idempotencyKeyReused();
        return { order: await this.replayed(reservation.orderId), replayed: true };
      case 'no-counter':
        if (await this.catalogueLoaded()) throw OrdersErrors.productNotFound();
        this.reconciler.requestRebuild();
        throw OrdersErrors.stockUnavailable();
      case 'stale':
        // This script took the ready flag away: no instance sells from this counter until the
        // reconciler has rebuilt it from MySQL (after the grace, so orders reserved just before
        // Redis went back are recorded and counted).
        this.logger.warn(
          `Redis went back in time for ${productId} (sequence ${reservation.sequence}): ` +
            'not selling it until it is rebuilt from MySQL',
        );
        this.reconciler.requestRebuild();
        throw OrdersErrors.stockUnavailable();
      case 'not-ready':
      case 'no-product':
        this.reconciler.requestRebuild();
        throw OrdersErrors.stockUnavailable();
    }
    this.failPoints.reached('after-reserve');

    const order: NewOrder = {
      id: orderId,
      userId,
      productId,
      quantity,
      unitPriceCents: reservation.unitPriceCents,
      totalCents: reservation.unitPriceCents * quantity,
      idempotencyKey: idempotencyKey ?? null,
      requestId: command.requestId ?? null,
      createdAt: new Date(now),
      nextPublishAt: new Date(now + this.settings.republishAfterMs),
      stockSeq: reservation.sequence,
    };
    let outcome: InsertOutcome;
    try {
      // Rejected when not stored within half the reservation timeout (see the batcher).
      outcome = await this.batcher.insert(order);
    } catch (error) {
      // Maybe stored, maybe not: the sweeper looks in MySQL and gives the units back if not.
      this.logger.warn(`storing order ${orderId} failed: ${(error as Error).message}`);
      throw OrdersErrors.unavailable();
    }
    if (outcome.kind === 'inserted') {
      this.pending.accepted(1);
      return { order: pendingOrder(order), replayed: false };
    }

    // Not stored, for certain: this request's reservation goes back now.
    await this.settlement
      .giveBack([order], { dropIdempotencyKey: true })
      .catch((error: Error) =>
        this.logger.warn(`giving back order ${orderId} failed, the sweeper will: ${error.message}`),
      );
    if (outcome.conflict === 'duplicate-id') throw OrdersErrors.unavailable();
    // The user's key is taken by an order of another product (or Redis forgot the key).
    const existing = await this.orders.findByIdempotencyKey(userId, idempotencyKey ?? '');
    if (!existing) throw OrdersErrors.unavailable();
    if (existing.productId !== productId || existing.quantity !== quantity) {
      throw OrdersErrors.idempotencyKeyReused();
    }
    return { order: existing, replayed: true };
  }

  async get(userId: string, orderId: string): Promise<Order> {
    const order = await this.orders.findById(orderId);
    if (!order || order.userId !== userId) throw OrdersErrors.orderNotFound();
    return order;
  }

  list(userId: string, limit: number, after?: { createdAt: Date; id: string }): Promise<OrderPage> {
    return this.orders.listByUser(userId, limit, after);
  }

  /**
   * PENDING or CONFIRMED -> CANCELLED with one locked, conditional change, which makes both
   * give-backs due. Only the call that made the change asks inventory-service to restore the
   * units in MySQL, now, whether or not the deduction is known to have happened: inventory-service
   * is the one that knows. It restores a deducted order once, answers "nothing deducted" for a
   * refused one, and records an order it has not seen yet as cancelled, so that its late request
   * deducts nothing. The restore is resent until inventory-service answers.
   *
   * The Redis units go back on that answer, not here (settling/restore-answers.ts): given back now,
   * they would be sold again at once, and the new order's deduction could reach inventory-service
   * before the restore and be refused for want of the very units this order still holds there
   * (an accepted order FAILED). The answer does not wait for Kafka (only for MySQL), as placing an
   * order does not.
   */
  async cancel(userId: string, orderId: string): Promise<Order> {
    const [before] = await this.orders.changeLocked([orderId], ([order]) => {
      if (!order || order.userId !== userId) return [];
      if (!canTransition(order.status, OrderStatus.Cancelled)) return [];
      return [
        { id: order.id, status: OrderStatus.Cancelled, stockReleaseDue: true, restoreDue: true },
      ];
    });
    if (!before || before.userId !== userId) throw OrdersErrors.orderNotFound();
    if (!canTransition(before.status, OrderStatus.Cancelled)) {
      throw OrdersErrors.orderNotCancellable(before.status);
    }
    // Not awaited: the row already says the restore is due, and the relay sends it if this send
    // fails. A cancel must not wait on Kafka: with the broker paused, each cancel held its buyer
    // for the client's whole timeout (the send's deadline is 30 s), and in the chaos run most
    // buyers were soon stuck in one, so orders stopped being placed at all.
    void this.settlement.bestEffort(`restoring cancelled order ${orderId}`, () =>
      this.settlement.sendRestores([before]),
    );
    return (await this.orders.findById(orderId)) ?? { ...before, status: OrderStatus.Cancelled };
  }

  /** The order a repeated Idempotency-Key points at; its first request may still be storing it. */
  private async replayed(orderId: string): Promise<Order> {
    for (let attempt = 0; attempt < 20; attempt++) {
      const order = await this.orders.findById(orderId);
      // The sweeper's record of an abandoned reservation: the first request's insert lost to it,
      // so that request was never accepted and this one must not be either. The sweeper drops
      // the key with the give-back, so a retry makes a new order.
      if (order && isAbandonedReservation(order)) throw OrdersErrors.unavailable();
      if (order) return order;
      await sleep(50);
    }
    throw OrdersErrors.stillProcessing();
  }

  private async catalogueLoaded(): Promise<boolean> {
    try {
      return await this.stock.isCatalogueLoaded();
    } catch {
      throw OrdersErrors.unavailable();
    }
  }
}

/** Written only by the reservation sweeper (`insertAbandoned`), never for an accepted order. */
function isAbandonedReservation(order: Order): boolean {
  return order.status === OrderStatus.Failed && order.failureReason === 'RESERVATION_EXPIRED';
}

function pendingOrder(order: NewOrder): Order {
  return {
    id: order.id,
    userId: order.userId,
    productId: order.productId,
    quantity: order.quantity,
    unitPriceCents: order.unitPriceCents,
    totalCents: order.totalCents,
    status: OrderStatus.Pending,
    failureReason: null,
    idempotencyKey: order.idempotencyKey,
    stockRelease: null,
    restore: null,
    createdAt: order.createdAt,
    updatedAt: order.createdAt,
  };
}
