import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnApplicationShutdown,
} from '@nestjs/common';
import { InventoryRequests } from '../orders/order-pipeline.ports.js';
import { ORDER_SETTINGS, type OrderSettings } from '../orders/order-settings.js';
import { OrderSettlement } from '../orders/order-settlement.js';
import { OrdersRepository, type RelayLease } from '../orders/orders.repository.js';
import { RepeatingTask } from '../repeating-task.js';

/** Rows handled per relay step and tick. */
const BATCH = 500;
/** Most republishing batches per pass (a backlog larger than this takes a few passes). */
const MAX_PUBLISH_ROUNDS = 40;
/** Side effects done on the spot get this long before the relay does them instead. */
const SIDE_EFFECT_GRACE_MS = 2_000;

/**
 * The outbox relay: the order rows are the outbox. Right after each insert batch commits, its
 * inventory requests are published ((see {@link PublishAfterCommit})). Then, periodically, whatever is
 * due according to the rows is done again: PENDING orders not answered in time are republished
 * (inventory-service is idempotent per order), give-backs that a crash or an outage interrupted are
 * finished, and restores are sent again until inventory-service answers them (it applies a restore
 * once per order and answers every copy).
 *
 * Every step claims its rows first (a lease in the row, see `claim*` in the repository), so N
 * instances share the backlog: each due row is handled by one relay per lease, and the rows of an
 * instance that died mid-pass are taken over once its lease expires (ORDER_RELAY_LEASE_MS).
 */
@Injectable()
export class OrderOutboxRelay implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(OrderOutboxRelay.name);
  private readonly task: RepeatingTask;
  /** This instance's claim on the rows it works on (unique per relay object, see the migration). */
  private readonly lease: RelayLease;

  constructor(
    private readonly orders: OrdersRepository,
    private readonly inventory: InventoryRequests,
    private readonly settlement: OrderSettlement,
    @Inject(ORDER_SETTINGS) private readonly settings: OrderSettings,
  ) {
    this.lease = {
      owner: `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`,
      leaseMs: this.settings.relayLeaseMs,
    };
    this.task = new RepeatingTask(
      () => this.relayOnce(),
      this.settings.relayIntervalMs,
      (error) => this.logger.warn(`outbox relay pass failed: ${error.message}`),
    );
  }

  onApplicationBootstrap(): void {
    this.task.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.task.stop();
  }

  /** One relay pass (also called by tests). */
  async relayOnce(): Promise<void> {
    await this.step('republishing unanswered orders', async () => {
      // After a Kafka outage every order taken meanwhile is due at once: keep going while full
      // batches come back, so the backlog goes out in one pass rather than BATCH a tick.
      let republished = 0;
      for (let round = 0; round < MAX_PUBLISH_ROUNDS; round++) {
        const due = await this.orders.claimDueForPublish(this.lease, BATCH);
        if (due.length === 0) break;
        await this.releasingClaims(due, async () => {
          await this.inventory.requestDeductions(due);
          await this.orders.reschedulePublish(
            due.map((o) => o.id),
            this.settings.republishAfterMs,
          );
        });
        republished += due.length;
        if (due.length < BATCH) break;
      }
      if (republished > 0) this.logger.log(`republished ${republished} unanswered order(s)`);
    });
    await this.step('finishing give-backs', async () => {
      const due = await this.orders.claimStockReleaseDue(this.lease, SIDE_EFFECT_GRACE_MS, BATCH);
      await this.releasingClaims(due, () =>
        this.settlement.giveBack(due, { dropIdempotencyKey: false }),
      );
    });
    await this.step('sending restores', async () => {
      // Due ones a crash or an outage kept from being sent, and sent ones still unanswered.
      const due = await this.orders.claimRestoreDue(this.lease, SIDE_EFFECT_GRACE_MS, BATCH);
      await this.releasingClaims(due, () => this.settlement.sendRestores(due));
      const resent = due.filter((o) => o.restore === 'SENT').length;
      if (resent > 0) this.logger.log(`resent ${resent} unanswered restore(s)`);
    });
  }

  /**
   * Does the work on claimed rows, then ends the lease whether it worked or not: done rows are no
   * longer due (or due later, by their own schedule), failed ones may be retried at the next pass
   * by any instance. Only a relay that dies leaves its lease to expire.
   */
  private async releasingClaims(claimed: { id: string }[], work: () => Promise<void>) {
    if (claimed.length === 0) return;
    try {
      await work();
    } finally {
      await this.orders.releaseClaims(
        this.lease.owner,
        claimed.map((o) => o.id),
      );
    }
  }

  private async step(what: string, work: () => Promise<void>): Promise<void> {
    try {
      await work();
    } catch (error) {
      this.logger.warn(`${what} failed: ${(error as Error).message}`);
    }
  }
}
