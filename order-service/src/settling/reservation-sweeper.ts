import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnApplicationShutdown,
} from '@nestjs/common';
import type { FencedLease, FencedLock } from '@flash-sale/common';
import { ReservationStore, type Reservation } from '../stock/reservation.store.js';
import { ORDER_SETTINGS, type OrderSettings } from '../orders/order-settings.js';
import { OrderSettlement } from '../orders/order-settlement.js';
import { OrderStatus } from '../orders/order.js';
import { OrdersRepository } from '../orders/orders.repository.js';
import { RepeatingTask } from '../repeating-task.js';

/** Injection token of the sweeper's lock (a {@link FencedLock} in Redis, see orders.module.ts). */
export const SWEEPER_LOCK = Symbol('SWEEPER_LOCK');

/** The part of the fenced lock the sweeper uses. */
export type SweeperLock = Pick<FencedLock, 'tryAcquire' | 'confirm' | 'release'>;

/** The lock's name: one sweeper at a time among every instance sharing the Redis. */
export const SWEEPER_LOCK_NAME = 'reservation-sweeper';

/**
 * Gives back reservations nobody recorded: the service died (or MySQL failed) between the Redis
 * script and the insert. A reservation older than ORDER_RESERVATION_TIMEOUT_MS without an order
 * row is recorded as a FAILED order (INSERT IGNORE: if the hot path's insert lands first, the
 * order simply goes on) and its units go back; reservations of orders no longer PENDING are
 * forgotten (their rows speak for them: a cancelled order's give-back is due until its restore is
 * answered).
 *
 * With N instances, one sweeps at a time: a sweep runs under a fenced lock in Redis
 * ({@link SWEEPER_LOCK}), and confirms it still holds it (token checked, lease extended) right
 * before each of its writes, so an instance paused past its lease stops instead of writing on
 * while another sweeps. Correctness does not rest on the lock: the order row decides who records
 * a reservation (INSERT IGNORE on the order id) and a give-back happens once per order; the lock
 * keeps N instances from reading every reservation and writing the same records N times.
 */
@Injectable()
export class ReservationSweeper implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(ReservationSweeper.name);
  private readonly task: RepeatingTask;

  constructor(
    private readonly stock: ReservationStore,
    private readonly orders: OrdersRepository,
    private readonly settlement: OrderSettlement,
    @Inject(ORDER_SETTINGS)
    private readonly settings: Pick<OrderSettings, 'reservationTimeoutMs'>,
    @Inject(SWEEPER_LOCK) private readonly lock: SweeperLock,
  ) {
    this.task = new RepeatingTask(
      () => this.sweepOnce(),
      Math.max(500, Math.floor(this.settings.reservationTimeoutMs / 4)),
      (error) => this.logger.warn(`reservation sweep failed: ${error.message}`),
    );
  }

  onApplicationBootstrap(): void {
    this.task.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.task.stop();
  }

  /**
   * One sweep, if no other instance is sweeping; returns the ids of the reservations given back
   * (none when another instance holds the lock).
   */
  async sweepOnce(now = Date.now()): Promise<string[]> {
    const lease = await this.lock.tryAcquire();
    if (!lease) return [];
    try {
      return await this.sweep(lease, now);
    } finally {
      await this.lock.release(lease);
    }
  }

  private async sweep(lease: FencedLease, now: number): Promise<string[]> {
    const cutoff = now - this.settings.reservationTimeoutMs;
    const old = (await this.stock.readAllReservations()).filter((r) => r.reservedAtMs <= cutoff);
    if (old.length === 0) return [];
    const statuses = await this.orders.findStatuses(old.map((r) => r.orderId));
    const settled = old.filter((r) => {
      const status = statuses.get(r.orderId);
      return status !== undefined && status !== OrderStatus.Pending;
    });
    const unrecorded = old.filter((r) => !statuses.has(r.orderId));
    if (settled.length > 0) {
      await this.lock.confirm(lease);
      await this.stock.dropReservations(settled);
    }

    if (unrecorded.length === 0) return [];
    await this.lock.confirm(lease);
    const recorded = new Set(await this.orders.insertAbandoned(unrecorded.map(abandonedOrder)));
    const abandoned = unrecorded.filter((r) => recorded.has(r.orderId));
    if (abandoned.length === 0) return [];
    await this.lock.confirm(lease);
    await this.settlement.giveBack(
      abandoned.map((r) => ({
        id: r.orderId,
        userId: r.userId,
        productId: r.productId,
        quantity: r.quantity,
        idempotencyKey: r.idempotencyKey,
      })),
      { dropIdempotencyKey: true },
    );
    this.logger.warn(`gave back ${abandoned.length} abandoned reservation(s)`);
    return abandoned.map((r) => r.orderId);
  }
}

function abandonedOrder(r: Reservation) {
  return {
    id: r.orderId,
    userId: r.userId,
    productId: r.productId,
    quantity: r.quantity,
    unitPriceCents: r.unitPriceCents,
    totalCents: r.unitPriceCents * r.quantity,
    idempotencyKey: null,
    createdAt: new Date(r.reservedAtMs),
  };
}
