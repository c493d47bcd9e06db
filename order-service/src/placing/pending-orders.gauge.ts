import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnApplicationShutdown,
} from '@nestjs/common';
import { MetricsService } from '@flash-sale/common';
import { Gauge } from 'prom-client';
import { ORDER_SETTINGS, type OrderSettings } from '../orders/order-settings.js';
import { InFlightOrders } from '../stock/in-flight-orders.js';

const REFRESH_MS = 500;

/**
 * How many orders wait for inventory's answer, across all instances: counted in MySQL twice a
 * second, plus the orders this instance accepted since. Above ORDER_MAX_PENDING new orders are
 * refused (503 + Retry-After) rather than queued without bound while inventory-service lags.
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
    @Inject(ORDER_SETTINGS) private readonly settings: OrderSettings,
    metrics: MetricsService,
  ) {
    this.gauge = new Gauge({
      name: 'outbox_pending',
      help: 'Orders waiting for inventory-service to answer (all instances)',
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

  isOverloaded(): boolean {
    return this.current >= this.settings.maxPending;
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
