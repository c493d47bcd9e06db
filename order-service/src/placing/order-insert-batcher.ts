import { Inject, Injectable, Logger } from '@nestjs/common';
import { MetricsService } from '@flash-sale/common';
import { Histogram } from 'prom-client';
import type { NewOrder } from '../orders/order.js';
import { AfterOrdersCommitted } from '../orders/order-pipeline.ports.js';
import { ORDER_SETTINGS, type OrderSettings } from '../orders/order-settings.js';
import {
  DuplicateOrderError,
  OrdersRepository,
  type InsertConflict,
} from '../orders/orders.repository.js';

/** How one order's insert ended. A rejected promise means "unknown" (it may have committed). */
export type InsertOutcome = { kind: 'inserted' } | { kind: 'conflict'; conflict: InsertConflict };

interface Waiting {
  order: NewOrder;
  resolve: (outcome: InsertOutcome) => void;
  reject: (error: unknown) => void;
}

/**
 * Collects the orders of concurrent requests for a few milliseconds and stores them with one
 * multi-row INSERT; each request waits for its batch's commit. Batches are written concurrently
 * (up to the connection pool), so a slow commit does not hold the next batch back.
 *
 * When the batch hits a duplicate key (a reused idempotency key, or an id an abandoned-reservation
 * sweep recorded first), its rows are inserted one by one to tell each request what happened.
 */
@Injectable()
export class OrderInsertBatcher {
  private readonly logger = new Logger(OrderInsertBatcher.name);
  private queue: Waiting[] = [];
  /** When the first order of {@link queue} arrived: its answer deadline runs from there. */
  private queueStartedAt = 0;
  private timer: NodeJS.Timeout | undefined;
  /** Orders in INSERTs sent and not yet answered. */
  private writing = 0;
  /** When each batch still being written was sent, oldest first (a Map keeps insertion order). */
  private readonly inFlight = new Map<number, number>();
  private lastBatchId = 0;
  private readonly batchSize: Histogram;

  constructor(
    private readonly orders: OrdersRepository,
    @Inject(ORDER_SETTINGS)
    private readonly settings: Pick<
      OrderSettings,
      | 'insertBatchMs'
      | 'insertBatchSize'
      | 'maxWaitingInserts'
      | 'maxInsertWaitMs'
      | 'reservationTimeoutMs'
    >,
    metrics: MetricsService,
    /** Runs with each committed batch's orders, before their requests are answered. */
    private readonly afterCommit: AfterOrdersCommitted,
  ) {
    this.batchSize = new Histogram({
      name: 'order_insert_batch_size',
      help: 'Orders stored per multi-row INSERT',
      buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500],
      registers: [metrics.registry],
    });
  }

  /**
   * The backpressure of `POST /api/orders`: true while MySQL is not keeping up with this
   * instance's orders, i.e. more than ORDER_MAX_WAITING_INSERTS orders wait for their INSERT, or
   * the oldest INSERT still unanswered was sent more than ORDER_MAX_INSERT_WAIT_MS ago. New orders
   * are then refused (503 + Retry-After) before Redis is touched, instead of piling up requests in
   * memory and reservations in Redis behind a stalled database. Kafka plays no part: the orders
   * table is the outbox. Cheap enough for every request: two numbers and, only while an INSERT is
   * out, one clock read.
   */
  isOverloaded(): boolean {
    if (this.queue.length + this.writing >= this.settings.maxWaitingInserts) return true;
    if (this.inFlight.size === 0) return false;
    const oldest = this.inFlight.values().next().value as number;
    return Date.now() - oldest > this.settings.maxInsertWaitMs;
  }

  /**
   * Stores the order with the next batch. Rejects (outcome unknown) when the batch is not answered
   * within half the reservation timeout of the order's arrival: an insert stalled on a dead
   * connection (KILL CONNECTION) must be answered 503 well before the sweeper may record the
   * reservation as abandoned. The INSERT itself is not cancelled: if it commits after all, the
   * order is PENDING and a retry with the same Idempotency-Key finds it; if it never does, the
   * sweeper gives the units back. One timer per batch, not per order.
   */
  insert(order: NewOrder): Promise<InsertOutcome> {
    return new Promise<InsertOutcome>((resolve, reject) => {
      if (this.queue.length === 0) this.queueStartedAt = Date.now();
      this.queue.push({ order, resolve, reject });
      if (this.queue.length >= this.settings.insertBatchSize) {
        this.flushNow();
      } else if (!this.timer) {
        this.timer = setTimeout(() => this.flushNow(), this.settings.insertBatchMs);
      }
    });
  }

  private flushNow(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.queue;
    this.queue = [];
    if (batch.length > 0) void this.writeTracked(batch, this.queueStartedAt);
  }

  /** {@link write}, counted by {@link isOverloaded} until it is answered. */
  private async writeTracked(batch: Waiting[], startedAt: number): Promise<void> {
    const id = ++this.lastBatchId;
    const now = Date.now();
    this.inFlight.set(id, now);
    this.writing += batch.length;
    const deadlineMs = Math.floor(this.settings.reservationTimeoutMs / 2);
    // A promise settles once: rejecting the batch's waiters here makes a later answer a no-op.
    const deadline = setTimeout(
      () => {
        const error = new Error(`insert not done within ${deadlineMs} ms`);
        for (const w of batch) w.reject(error);
      },
      Math.max(0, deadlineMs - (now - startedAt)),
    );
    try {
      await this.write(batch);
    } finally {
      clearTimeout(deadline);
      this.inFlight.delete(id);
      this.writing -= batch.length;
    }
  }

  private async write(batch: Waiting[]): Promise<void> {
    this.batchSize.observe(batch.length);
    try {
      await this.orders.insertMany(batch.map((w) => w.order));
      this.committed(batch.map((w) => w.order));
      for (const w of batch) w.resolve({ kind: 'inserted' });
      return;
    } catch (error) {
      if (!(error instanceof DuplicateOrderError)) {
        for (const w of batch) w.reject(error);
        return;
      }
    }
    // The statement was rolled back as a whole: redo it row by row.
    const inserted: Waiting[] = [];
    await Promise.all(
      batch.map(async (w) => {
        try {
          const conflict = await this.orders.insertOne(w.order);
          if (conflict) w.resolve({ kind: 'conflict', conflict });
          else inserted.push(w);
        } catch (error) {
          w.reject(error);
        }
      }),
    );
    if (inserted.length === 0) return;
    this.committed(inserted.map((w) => w.order));
    for (const w of inserted) w.resolve({ kind: 'inserted' });
  }

  private committed(orders: NewOrder[]): void {
    try {
      this.afterCommit.committed(orders);
    } catch (error) {
      this.logger.error({ err: error }, 'after-commit listener failed');
    }
  }
}
