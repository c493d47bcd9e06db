import { randomBytes, randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { databaseOptions, openDatabase } from '@flash-sale/common';
import { eventually } from '@flash-sale/common/testing';
import mysql from 'mysql2/promise';
import { DataSource } from 'typeorm';
import { loadOrderServiceConfig } from '../src/config.js';
import { migrations } from '../src/database/migrations/index.js';
import {
  InventoryRequests,
  type InventoryRequestOrder,
} from '../src/orders/order-pipeline.ports.js';
import type { OrderSettings } from '../src/orders/order-settings.js';
import { OrderSettlement } from '../src/orders/order-settlement.js';
import { SqlOrdersRepository } from '../src/orders/sql-orders.repository.js';
import { OrderOutboxRelay } from '../src/outbox/order-outbox.relay.js';
import type { ReleaseRequest, ReservationStore } from '../src/stock/reservation.store.js';
import type { SoldOutMarks } from '../src/stock/sold-out-marks.js';
import { strictFake } from './support/strict-fake.js';

/**
 * N outbox relays over one backlog (real MariaDB, a database of this test's own): every row is
 * handled once per lease, whatever the number of relays, and the rows of a relay that dies
 * mid-lease are taken over once the lease expires. Each relay has its own connection pool, as
 * separate instances would; the Kafka side is a recording publisher (what is counted is how often
 * each order id is sent, which the claim alone decides).
 */
const infra = loadOrderServiceConfig({ ...process.env });

/** What every relay sent, per order id, and which relay sent it. */
class Recorder {
  readonly deductions = new Map<string, number>();
  readonly restores = new Map<string, number>();
  readonly giveBacks = new Map<string, number>();
  readonly byRelay = new Map<string, number>();
  /** When each id was first sent (ms since the epoch). */
  readonly firstSeen = new Map<string, number>();

  count(map: Map<string, number>, ids: string[], relay: string): void {
    const now = Date.now();
    for (const id of ids) {
      map.set(id, (map.get(id) ?? 0) + 1);
      if (!this.firstSeen.has(id)) this.firstSeen.set(id, now);
    }
    this.byRelay.set(relay, (this.byRelay.get(relay) ?? 0) + ids.length);
  }
}

/** InventoryRequests that records what it sends; slow enough that the relays overlap. */
class RecordingPublisher extends InventoryRequests {
  constructor(
    private readonly recorder: Recorder,
    private readonly relay: string,
    private readonly delayMs: number,
    private readonly hang = false,
  ) {
    super();
  }

  async requestDeductions(orders: InventoryRequestOrder[]): Promise<void> {
    if (this.hang) await new Promise(() => undefined);
    await sleep(this.delayMs);
    this.recorder.count(
      this.recorder.deductions,
      orders.map((o) => o.id),
      this.relay,
    );
  }

  async requestRestores(orders: { id: string }[]): Promise<void> {
    if (this.hang) await new Promise(() => undefined);
    await sleep(this.delayMs);
    this.recorder.count(
      this.recorder.restores,
      orders.map((o) => o.id),
      this.relay,
    );
  }
}

describe('outbox relay with several instances (real MariaDB)', () => {
  const database = `fleet_relay_${randomBytes(4).toString('hex')}`;
  const sources: DataSource[] = [];
  let admin: mysql.Connection;
  let db: DataSource;

  async function open(): Promise<DataSource> {
    const source = await openDatabase(
      databaseOptions(
        {
          DB_HOST: infra.DB_HOST,
          DB_PORT: infra.DB_PORT,
          DB_USERNAME: 'root',
          DB_PASSWORD: '',
          DB_DATABASE: database,
          DB_POOL_SIZE: 4,
        },
        { entities: [], migrations },
      ),
    );
    sources.push(source);
    return source;
  }

  beforeAll(async () => {
    admin = await mysql.createConnection({
      host: infra.DB_HOST,
      port: infra.DB_PORT,
      user: 'root',
      password: '',
    });
    await admin.query(`CREATE DATABASE ${database}`);
    db = await open();
  }, 60_000);

  afterAll(async () => {
    await Promise.all(sources.map((s) => s.destroy()));
    await admin?.query(`DROP DATABASE IF EXISTS ${database}`);
    await admin?.end();
  });

  function relay(
    recorder: Recorder,
    source: DataSource,
    name: string,
    options: { leaseMs: number; delayMs?: number; hang?: boolean },
  ): OrderOutboxRelay {
    const orders = new SqlOrdersRepository(source);
    const publisher = new RecordingPublisher(recorder, name, options.delayMs ?? 0, options.hang);
    const settings: OrderSettings = {
      maxQuantity: 10,
      slowRequestMs: 1_000,
      requestLogSample: 0,
      maxWaitingInserts: 100,
      maxInsertWaitMs: 2_000,
      insertBatchMs: 1,
      insertBatchSize: 10,
      // Nothing becomes due again within the test: every repeat would be a relay's doing.
      republishAfterMs: 600_000,
      relayIntervalMs: 1_000,
      relayLeaseMs: options.leaseMs,
      reservationTimeoutMs: 10_000,
      idempotencyTtlSeconds: 60,
      failPoint: undefined,
      failPointSkip: 0,
    };
    const stock = strictFake<ReservationStore>('ReservationStore', {
      release: (requests: ReleaseRequest[]) => {
        recorder.count(
          recorder.giveBacks,
          requests.map((r) => r.orderId),
          name,
        );
        return Promise.resolve(requests.map(() => 'released'));
      },
      publishStockChanged: () => Promise.resolve(),
    });
    const soldOut = strictFake<SoldOutMarks>('SoldOutMarks', { clear: () => undefined });
    const settlement = new OrderSettlement(orders, stock, soldOut, publisher, settings);
    return new OrderOutboxRelay(orders, publisher, settlement, settings);
  }

  /**
   * `pending` due PENDING orders and `cancelled` cancelled ones with give-back and restore due (the
   * give-back waits for the restore's answer).
   */
  async function backlog(
    pending: number,
    cancelled = 0,
  ): Promise<{ ids: string[]; cancelledIds: string[] }> {
    const productId = `T-fleet-${randomUUID().slice(0, 8)}`;
    const ids = Array.from({ length: pending }, () => randomUUID());
    const cancelledIds = Array.from({ length: cancelled }, () => randomUUID());
    const rows = [
      ...ids.map((id, i) => [id, 1_000 + i, productId, 'PENDING', null, null]),
      ...cancelledIds.map((id, i) => [id, 5_000 + i, productId, 'CANCELLED', 'DUE', 'DUE']),
    ];
    for (let i = 0; i < rows.length; i += 500) {
      await db.query(
        `INSERT INTO orders (id, user_id, product_id, quantity, unit_price_cents, total_cents,
           status, stock_release, restore, next_publish_at, created_at, updated_at)
         VALUES ${rows
           .slice(i, i + 500)
           .map(
             () =>
               `(?, ?, ?, 1, 100, 100, ?, ?, ?, NOW(3) - INTERVAL 1 MINUTE, NOW(3), NOW(3) - INTERVAL 1 MINUTE)`,
           )
           .join(', ')}`,
        rows.slice(i, i + 500).flat(),
      );
    }
    return { ids, cancelledIds };
  }

  /**
   * inventory-service's answers to every restore sent so far (what RestoreAnswers records): only
   * then is a cancelled order's give-back due.
   */
  async function answerRestores(recorder: Recorder): Promise<void> {
    const sent = [...recorder.restores.keys()];
    if (sent.length > 0) await new SqlOrdersRepository(db).markRestoreDone(sent);
  }

  it('publishes, gives back and restores each due row exactly once with 3 relays', async () => {
    const { ids, cancelledIds } = await backlog(1_400, 300);
    const recorder = new Recorder();
    const relays = await Promise.all(
      ['a', 'b', 'c'].map(async (name) =>
        relay(recorder, await open(), name, { leaseMs: 60_000, delayMs: 150 }),
      ),
    );
    // Every relay runs passes at the same time until all is done (a give-back is due 2 s after
    // the restore's answer), then once more: the extra pass must find nothing left.
    await eventually(
      async () => {
        await Promise.all(relays.map((r) => r.relayOnce()));
        await answerRestores(recorder);
        return recorder.giveBacks.size === cancelledIds.length ? true : undefined;
      },
      30_000,
      100,
    );
    await Promise.all(relays.map((r) => r.relayOnce()));

    expect(recorder.deductions.size).toBe(ids.length);
    expect([...recorder.deductions.values()].every((n) => n === 1)).toBe(true);
    expect(ids.every((id) => recorder.deductions.get(id) === 1)).toBe(true);
    expect(recorder.giveBacks.size).toBe(cancelledIds.length);
    expect([...recorder.giveBacks.values()].every((n) => n === 1)).toBe(true);
    expect(recorder.restores.size).toBe(cancelledIds.length);
    expect([...recorder.restores.values()].every((n) => n === 1)).toBe(true);
    // The backlog was shared, not done by one relay while the others waited.
    expect([...recorder.byRelay.values()].filter((n) => n > 0).length).toBeGreaterThan(1);
    // Nothing is left leased, and every row's follow-up was recorded.
    const [left] = await db.query<{ leased: string; pending: string; given_back: string }[]>(
      `SELECT SUM(relay_owner IS NOT NULL) AS leased,
              SUM(status = 'PENDING' AND next_publish_at <= NOW(3)) AS pending,
              SUM(restore = 'DONE' AND stock_release = 'DONE') AS given_back
         FROM orders`,
    );
    expect(Number(left.leased)).toBe(0);
    expect(Number(left.pending)).toBe(0);
    expect(Number(left.given_back)).toBe(cancelledIds.length);
    process.stderr.write(`relay shares: ${JSON.stringify([...recorder.byRelay])}\n`);
  }, 60_000);

  it('takes over the rows of a relay that died mid-lease once its lease expires', async () => {
    const { ids, cancelledIds } = await backlog(60, 20);
    const recorder = new Recorder();
    const leaseMs = 3_000;
    const survivor = relay(recorder, await open(), 'survivor', { leaseMs });
    // The doomed relay claims the rows and then hangs in its Kafka send forever (a kill -9 as
    // far as the rows can tell: nothing releases them).
    const doomed = relay(recorder, await open(), 'doomed', { leaseMs, hang: true });
    void doomed.relayOnce();
    await eventually(async () => {
      const rows = await db.query<{ owner: string | null; n: string }[]>(
        `SELECT relay_owner AS owner, COUNT(*) AS n FROM orders
          WHERE id IN (?) GROUP BY relay_owner`,
        [ids],
      );
      return rows.length === 1 && rows[0].owner !== null && Number(rows[0].n) === ids.length
        ? true
        : undefined;
    }, 10_000);
    const claimedAt = Date.now();

    // The survivor keeps relaying: the give-backs and restores (which the doomed relay never
    // reached) go at once, the leased orders only once the lease has run out.
    await eventually(
      async () => {
        await survivor.relayOnce();
        await answerRestores(recorder);
        return ids.every((id) => recorder.deductions.has(id)) &&
          cancelledIds.every((id) => recorder.giveBacks.has(id))
          ? true
          : undefined;
      },
      20_000,
      100,
    );
    const firstTakeover = Math.min(...ids.map((id) => recorder.firstSeen.get(id) ?? Infinity));
    // claimedAt is a little after the claim itself (the poll above), hence the margin.
    expect(firstTakeover).toBeGreaterThanOrEqual(claimedAt + leaseMs - 500);
    expect(ids.every((id) => recorder.deductions.get(id) === 1)).toBe(true);
    expect(cancelledIds.every((id) => recorder.giveBacks.get(id) === 1)).toBe(true);
    expect(cancelledIds.every((id) => recorder.restores.get(id) === 1)).toBe(true);
    expect(recorder.byRelay.get('doomed')).toBeUndefined();
  }, 60_000);
});
