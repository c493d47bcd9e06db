import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { MetricsService } from '@flash-sale/common';
import { Gauge } from 'prom-client';
import { InFlightOrders } from '../stock/in-flight-orders.js';

const REFRESH_MS = 500;

/**
 * How many orders wait for inventory's answer, across all instances: counted in MySQL twice a
 * second, plus the orders this instance accepted since; exported as `outbox_pending`. Only a
 * measure, never a reason to refuse: with Redis pre-deduction PENDING units never exceed the stock
 * on sale, and during a Kafka outage they are exactly what the outbox is for (the refusal bound is
 * the insert batcher's, see OrderInsertBatcher.isOverloaded).
 */
@Injectable()
export class PendingOrdersGauge implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(PendingOrdersGauge.name);
  private counted = 0;
  private acceptedSince = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly gauge: Gauge;

  constructor(
    /** Counts them (the same count the reconciler waits on before a rebuild). */
    private readonly orders: InFlightOrders,
    metrics: MetricsService,
  ) {
    this.gauge = new Gauge({
      name: 'outbox_pending',
      help: 'Orders waiting for inventory-service to answer (all instances)',
      // Every worker counts all instances' orders: a pool's primary keeps the largest, not the sum.
      aggregator: 'max',
      registers: [metrics.registry],
      collect: () => this.gauge.set(this.current),
    });
  }

  onApplicationBootstrap(): void {
    const tick = () => {
      void this.refresh().finally(() => {
        if (this.timer) this.timer = setTimeout(tick, REFRESH_MS).unref();
      });
    };
    this.timer = setTimeout(tick, 0).unref();
  }

  onApplicationShutdown(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  get current(): number {
    return this.counted + this.acceptedSince;
  }

  accepted(count: number): void {
    this.acceptedSince += count;
  }

  async refresh(): Promise<void> {
    const sinceBefore = this.acceptedSince;
    try {
      const counted = await this.orders.countPending();
      this.counted = counted;
      // What was accepted while counting may or may not be in the count: keep it (errs high).
      this.acceptedSince -= sinceBefore;
    } catch (error) {
      this.logger.debug(`could not count pending orders: ${(error as Error).message}`);
    }
  }
}
