import { Inject, Injectable, Logger } from '@nestjs/common';
import { ReservationStore } from '../stock/reservation.store.js';
import { SoldOutMarks } from '../stock/sold-out-marks.js';
import type { Order } from './order.js';
import { InventoryRequests } from './order-pipeline.ports.js';
import { ORDER_SETTINGS, type OrderSettings } from './order-settings.js';
import { OrdersRepository } from './orders.repository.js';

type Settled = Pick<Order, 'id' | 'userId' | 'productId' | 'quantity' | 'idempotencyKey'>;

/**
 * The side effects that follow a committed change of an order: giving its Redis units back,
 * asking inventory-service to restore MySQL stock, forgetting settled reservations. Each is
 * idempotent and recorded as done in the order row, so whatever a crash interrupts, the outbox
 * relay finishes.
 */
@Injectable()
export class OrderSettlement {
  private readonly logger = new Logger(OrderSettlement.name);

  constructor(
    private readonly orders: OrdersRepository,
    private readonly stock: ReservationStore,
    private readonly soldOut: SoldOutMarks,
    private readonly inventory: InventoryRequests,
    @Inject(ORDER_SETTINGS) private readonly settings: Pick<OrderSettings, 'republishAfterMs'>,
  ) {}

  /**
   * Gives units back to Redis (to the counter and to the buyer's per-user total), once per order,
   * and marks it done. An order whose counter is not ready (being rebuilt, or found stale) stays
   * due: the rebuild counts its units as taken, and the give-back then happens. So does one whose
   * counter is missing (Redis lost its data), unless the catalogue is loaded, which means the
   * product was deleted: there is nothing to give back to.
   * A CANCELLED order is given back only once inventory-service has answered its restore (see
   * settling/restore-answers.ts): until then MySQL may still hold its units, and an order that took
   * them here would be refused there.
   */
  async giveBack(orders: Settled[], options: { dropIdempotencyKey: boolean }): Promise<void> {
    if (orders.length === 0) return;
    const outcomes = await this.stock.release(
      orders.map((o) => ({
        orderId: o.id,
        userId: o.userId,
        productId: o.productId,
        quantity: o.quantity,
        idempotencyKey: o.idempotencyKey,
        dropIdempotencyKey: options.dropIdempotencyKey,
      })),
    );
    const done: string[] = [];
    const changed = new Set<string>();
    const missing: Settled[] = [];
    for (const [i, order] of orders.entries()) {
      const outcome = outcomes[i];
      // Not ready (a rebuild is coming, which counts the units as taken): stays due, retried.
      if (outcome === 'not-ready') continue;
      if (outcome === 'no-counter') {
        missing.push(order);
        continue;
      }
      done.push(order.id);
      if (outcome === 'released') changed.add(order.productId);
    }
    if (missing.length > 0 && (await this.stock.isCatalogueLoaded())) {
      done.push(...missing.map((o) => o.id));
    }
    for (const productId of changed) this.soldOut.clear(productId);
    await this.orders.markStockReleased(done);
    await this.stock.publishStockChanged(changed).catch((error: Error) => {
      this.logger.warn(`could not announce a stock change: ${error.message}`);
    });
  }

  /**
   * Asks inventory-service to put cancelled orders' units back in MySQL, and marks it sent. Sent
   * is not done: the restore is resent (on the schedule of unanswered requests) until
   * inventory-service answers on `inventory-restore-response` ({@link restoresAnswered}).
   */
  async sendRestores(orders: Pick<Order, 'id' | 'productId' | 'quantity'>[]): Promise<void> {
    if (orders.length === 0) return;
    await this.inventory.requestRestores(orders);
    await this.orders.markRestoreSent(
      orders.map((o) => o.id),
      this.settings.republishAfterMs,
    );
  }

  /**
   * Takes cancelled orders' units off their buyers' per-user totals in Redis, once their restores
   * are answered, for orders whose stock went back at cancel time (cancelled by an earlier
   * version; call it only for the orders whose restore became done now). Not retried: if it
   * fails, the totals stay too high (the buyer is refused early, never sold past the cap) until
   * the next rebuild takes them from MySQL.
   */
  userUnitsBack(orders: Pick<Order, 'userId' | 'productId' | 'quantity'>[]): Promise<void> {
    return this.stock.releaseUserUnits(orders);
  }

  /** Records restores inventory-service answered as done; returns the ids that changed now. */
  restoresAnswered(ids: string[]): Promise<string[]> {
    return this.orders.markRestoreDone(ids);
  }

  /** Forgets the reservations of confirmed orders (their units stay sold). */
  async forgetReservations(orders: Pick<Order, 'id' | 'productId'>[]): Promise<void> {
    await this.stock.dropReservations(
      orders.map((o) => ({ orderId: o.id, productId: o.productId })),
    );
  }

  /** Runs a side effect now; if it fails, the relay retries it later from the order row. */
  async bestEffort(what: string, effect: () => Promise<void>): Promise<void> {
    try {
      await effect();
    } catch (error) {
      this.logger.warn(`${what} failed, the relay will retry: ${(error as Error).message}`);
    }
  }
}
