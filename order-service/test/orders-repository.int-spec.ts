import { randomUUID } from 'node:crypto';
import { databaseOptions, openDatabase } from '@flash-sale/common';
import { eventually } from '@flash-sale/common/testing';
import mysql from 'mysql2/promise';
import { DataSource } from 'typeorm';
import { loadOrderServiceConfig } from '../src/config.js';
import { migrations } from '../src/database/migrations/index.js';
import { OrderStatus, type NewOrder } from '../src/orders/order.js';
import { DuplicateOrderError, type RelayLease } from '../src/orders/orders.repository.js';
import { SqlOrdersRepository } from '../src/orders/sql-orders.repository.js';
import { SqlInFlightOrders } from '../src/stock/in-flight-orders.js';
import { ThrowawayMariaDb } from './support/throwaway-mariadb.js';

/** The SQL of the orders table on the real MariaDB; each test uses its own user ids and products. */
const config = loadOrderServiceConfig({ ...process.env });

const PEEK_LEASE: RelayLease = { owner: `repository-test-${randomUUID()}`, leaseMs: 60_000 };

/** What a relay would claim now, released at once (so the next look sees the same rows). */
async function peek<T extends { id: string }>(
  orders: SqlOrdersRepository,
  claim: (lease: RelayLease) => Promise<T[]>,
): Promise<T[]> {
  const rows = await claim(PEEK_LEASE);
  await orders.releaseClaims(
    PEEK_LEASE.owner,
    rows.map((r) => r.id),
  );
  return rows;
}

describe('orders repository (real MariaDB)', () => {
  let db: DataSource;
  let orders: SqlOrdersRepository;
  let inFlight: SqlInFlightOrders;
  let nextUser = Math.floor(Math.random() * 1e9) + 1e9;

  beforeAll(async () => {
    db = await openDatabase(databaseOptions(config, { entities: [], migrations }));
    orders = new SqlOrdersRepository(db);
    inFlight = new SqlInFlightOrders(db);
  });

  afterAll(async () => {
    await db?.destroy();
  });

  function newOrder(overrides: Partial<NewOrder> = {}): NewOrder {
    const now = new Date(Math.floor(Date.now() / 1000) * 1000 + Math.floor(Math.random() * 1000));
    return {
      id: randomUUID(),
      userId: String(nextUser),
      productId: 'T-repo-1',
      quantity: 2,
      unitPriceCents: 300,
      totalCents: 600,
      idempotencyKey: null,
      requestId: 'req-1',
      createdAt: now,
      nextPublishAt: new Date(now.getTime() + 60_000),
      ...overrides,
    };
  }

  beforeEach(() => {
    nextUser += 1;
  });

  it('stores a batch with one INSERT and reads the orders back', async () => {
    const batch = [newOrder(), newOrder({ idempotencyKey: 'k1' })];
    await orders.insertMany(batch);
    const first = await orders.findById(batch[0].id);
    expect(first).toMatchObject({
      id: batch[0].id,
      userId: String(nextUser),
      status: 'PENDING',
      unitPriceCents: 300,
      totalCents: 600,
      createdAt: batch[0].createdAt,
    });
    expect((await orders.findByIdempotencyKey(String(nextUser), 'k1'))?.id).toBe(batch[1].id);
    expect(await orders.findById('not-a-uuid')).toBeNull();
  });

  it('rolls a batch back as a whole on a duplicate key, and names the key row by row', async () => {
    const taken = newOrder({ idempotencyKey: 'same' });
    await orders.insertMany([taken]);
    const fresh = newOrder();
    await expect(
      orders.insertMany([fresh, newOrder({ idempotencyKey: 'same' })]),
    ).rejects.toBeInstanceOf(DuplicateOrderError);
    expect(await orders.findById(fresh.id)).toBeNull();
    expect(await orders.insertOne(newOrder({ idempotencyKey: 'same' }))).toBe(
      'duplicate-idempotency-key',
    );
    expect(await orders.insertOne({ ...newOrder(), id: taken.id })).toBe('duplicate-id');
    expect(await orders.insertOne(fresh)).toBeNull();
  });

  it('records an abandoned reservation only if nobody stored the order first', async () => {
    const stored = newOrder();
    await orders.insertMany([stored]);
    const lost = newOrder();
    const recorded = await orders.insertAbandoned([stored, lost]);
    expect(recorded).toEqual([lost.id]);
    expect(await orders.findById(lost.id)).toMatchObject({
      status: 'FAILED',
      failureReason: 'RESERVATION_EXPIRED',
      stockRelease: 'DUE',
      idempotencyKey: null,
    });
    expect((await orders.findById(stored.id))?.status).toBe('PENDING');
    // The hot path's insert of the abandoned id now fails: it must not be stored twice.
    expect(await orders.insertOne(lost)).toBe('duplicate-id');
  });

  it('lets only one of two racing changes happen (row lock + state check)', async () => {
    const order = newOrder();
    await orders.insertMany([order]);
    const attempt = (to: 'CONFIRMED' | 'CANCELLED') =>
      orders.changeLocked([order.id], ([o]) =>
        o && o.status === OrderStatus.Pending ? [{ id: o.id, status: to }] : [],
      );
    const befores = await Promise.all([
      attempt('CONFIRMED'),
      attempt('CANCELLED'),
      attempt('CONFIRMED'),
    ]);
    const saw = befores.map((b) => b[0]?.status);
    expect(saw.filter((s) => s === 'PENDING')).toHaveLength(1);
    expect(['CONFIRMED', 'CANCELLED']).toContain((await orders.findById(order.id))?.status);
  });

  it('marks give-backs and restores due and done', async () => {
    const order = newOrder();
    await orders.insertMany([order]);
    await orders.changeLocked([order.id], () => [
      { id: order.id, status: OrderStatus.Cancelled, stockReleaseDue: true, restoreDue: true },
    ]);
    expect(await orders.findById(order.id)).toMatchObject({ stockRelease: 'DUE', restore: 'DUE' });
    const releaseDue = async (graceMs = 0) =>
      (await peek(orders, (l) => orders.claimStockReleaseDue(l, graceMs, 10_000))).map((o) => o.id);
    // A cancelled order's give-back waits for its restore's answer.
    expect(await releaseDue()).not.toContain(order.id);
    expect(
      (await peek(orders, (l) => orders.claimRestoreDue(l, 0, 10_000))).map((o) => o.id),
    ).toContain(order.id);
    await orders.markRestoreSent([order.id], 60_000);
    expect(await orders.findById(order.id)).toMatchObject({
      stockRelease: 'DUE',
      restore: 'SENT',
    });
    expect(await releaseDue()).not.toContain(order.id);
    // Sent is not done: unanswered, it is due again at next_restore_at (a minute here).
    expect(
      (await peek(orders, (l) => orders.claimRestoreDue(l, 0, 10_000))).map((o) => o.id),
    ).not.toContain(order.id);
    await orders.markRestoreSent([order.id], 100);
    const resend = await eventually(async () =>
      (await peek(orders, (l) => orders.claimRestoreDue(l, 0, 10_000))).find(
        (o) => o.id === order.id,
      ),
    );
    expect(resend.restore).toBe('SENT');
    // The answer: done once, never due again, and a late "sent" does not undo it.
    expect(await orders.markRestoreDone([order.id, order.id, randomUUID()])).toEqual([order.id]);
    expect(await orders.markRestoreDone([order.id])).toEqual([]);
    await orders.markRestoreSent([order.id], 100);
    expect((await orders.findById(order.id))?.restore).toBe('DONE');
    // Answered: now the give-back is due (after the grace, as every side effect).
    expect(await releaseDue()).toContain(order.id);
    expect(await releaseDue(60_000)).not.toContain(order.id);
    await orders.markStockReleased([order.id]);
    expect(await orders.findById(order.id)).toMatchObject({ stockRelease: 'DONE' });
    expect(await releaseDue()).not.toContain(order.id);
    expect(
      (await peek(orders, (l) => orders.claimRestoreDue(l, 0, 10_000))).map((o) => o.id),
    ).not.toContain(order.id);
    expect((await orders.findByIds([order.id, randomUUID()])).map((o) => o.id)).toEqual([order.id]);
  });

  it('finds PENDING orders due for (re)publishing and pushes them back with backoff', async () => {
    const due = newOrder({ nextPublishAt: new Date(Date.now() - 1_000) });
    const later = newOrder();
    await orders.insertMany([due, later]);
    const found = (await peek(orders, (l) => orders.claimDueForPublish(l, 10_000))).map(
      (o) => o.id,
    );
    expect(found).toContain(due.id);
    expect(found).not.toContain(later.id);
    await orders.reschedulePublish([due.id], 5_000);
    expect(
      (await peek(orders, (l) => orders.claimDueForPublish(l, 10_000))).map((o) => o.id),
    ).not.toContain(due.id);
  });

  it('pages a user’s orders newest first with a cursor', async () => {
    const base = Date.now() - 10_000;
    const batch = Array.from({ length: 5 }, (_, i) =>
      newOrder({ createdAt: new Date(base + (i < 2 ? 0 : i) * 1_000) }),
    );
    await orders.insertMany(batch);
    const seen: string[] = [];
    let after: { createdAt: Date; id: string } | undefined;
    for (let page = 0; page < 5; page++) {
      const result = await orders.listByUser(String(nextUser), 2, after);
      seen.push(...result.orders.map((o) => o.id));
      if (!result.next) break;
      after = result.next;
    }
    const expected = [...batch]
      .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || (a.id < b.id ? 1 : -1))
      .map((o) => o.id);
    expect(seen).toEqual(expected);
  });

  it('keeps the reservation sequence of each order and reads the highest per product', async () => {
    const product = `T-repo-${randomUUID().slice(0, 8)}`;
    await orders.insertMany([
      newOrder({ productId: product, stockSeq: 41 }),
      newOrder({ productId: product, stockSeq: 43 }),
    ]);
    expect(await orders.insertOne(newOrder({ productId: product, stockSeq: 42 }))).toBeNull();
    await orders.insertMany([newOrder({ productId: product })]);
    expect((await inFlight.highestSequences()).get(product)).toBe(43);
    const none = `T-repo-${randomUUID().slice(0, 8)}`;
    await orders.insertMany([newOrder({ productId: none })]);
    expect((await inFlight.highestSequences()).has(none)).toBe(false);
  });

  it('counts in-flight units and per-user holdings for the reconciler', async () => {
    const product = `T-repo-${randomUUID().slice(0, 8)}`;
    const a = newOrder({ productId: product, quantity: 2 });
    const b = newOrder({ productId: product, quantity: 3 });
    const c = newOrder({ productId: product, quantity: 4 });
    await orders.insertMany([a, b, c]);
    await orders.changeLocked([b.id], () => [{ id: b.id, status: OrderStatus.Confirmed }]);
    await orders.changeLocked([c.id], () => [
      {
        id: c.id,
        status: OrderStatus.Failed,
        failureReason: 'INSUFFICIENT_STOCK',
        stockReleaseDue: true,
      },
    ]);
    const mine = (await inFlight.findUnsettled()).filter((o) => o.productId === product);
    expect(mine.map((o) => [o.id, o.kind]).sort()).toEqual(
      [
        [a.id, 'pending'],
        [c.id, 'release-due'],
      ].sort(),
    );
    // a (PENDING) + b (CONFIRMED) + c (FAILED, its give-back still due: it takes its units off).
    expect(await inFlight.heldByUser(product)).toEqual(new Map([[String(nextUser), 9]]));
    expect(await inFlight.existing([a.id, randomUUID()])).toEqual(new Set([a.id]));
    expect(await inFlight.changedRecently(product, 60_000)).toBe(true);
    expect(await inFlight.changedRecently(`T-repo-none-${randomUUID().slice(0, 8)}`, 60_000)).toBe(
      false,
    );
    expect(await inFlight.countPending()).toBeGreaterThanOrEqual(1);
  });

  it("counts a cancelled order's units for its buyer until they are given back, after its restore's answer", async () => {
    const product = `T-repo-${randomUUID().slice(0, 8)}`;
    const [kept, failed, sent, answered, givenBack, earlier] = [1, 2, 4, 8, 16, 32].map(
      (quantity) => newOrder({ productId: product, quantity }),
    );
    await orders.insertMany([kept, failed, sent, answered, givenBack, earlier]);
    await orders.changeLocked([kept.id], () => [{ id: kept.id, status: OrderStatus.Confirmed }]);
    await orders.changeLocked([failed.id], () => [
      { id: failed.id, status: OrderStatus.Failed, failureReason: 'X', stockReleaseDue: true },
    ]);
    for (const order of [sent, answered, givenBack, earlier]) {
      await orders.changeLocked([order.id], () => [
        { id: order.id, status: OrderStatus.Cancelled, stockReleaseDue: true, restoreDue: true },
      ]);
    }
    await orders.markRestoreSent([sent.id, answered.id, givenBack.id, earlier.id], 60_000);
    await orders.markRestoreDone([answered.id, givenBack.id]);
    // The failed order's give-back happened, and givenBack's after its answer: their units are off
    // the Redis total. `earlier` was given back at cancel time by an earlier version, before its
    // answer: its buyer's units come off on the answer.
    await orders.markStockReleased([failed.id, givenBack.id, earlier.id]);
    // kept (CONFIRMED), sent (not answered), answered (its give-back still due), earlier.
    expect(await inFlight.heldByUser(product)).toEqual(
      new Map([[String(nextUser), 1 + 4 + 8 + 32]]),
    );
    const unsettled = (await inFlight.findUnsettled()).filter((o) => o.productId === product);
    expect(unsettled.map((o) => [o.quantity, o.kind]).sort()).toEqual(
      [
        [32, 'restore-due'],
        [4, 'release-due'],
        [8, 'release-due'],
      ].sort(),
    );
  });

  it('counts as recently placed only the PENDING orders created within the window', async () => {
    const product = `T-repo-${randomUUID().slice(0, 8)}`;
    const old = newOrder({ productId: product, createdAt: new Date(Date.now() - 60_000) });
    await orders.insertMany([old]);
    // The narrow count first: orders others insert meanwhile are fresh and only raise the wide one.
    const recent = await inFlight.countRecentPending(10_000);
    const wide = await inFlight.countRecentPending(120_000);
    expect(wide - recent).toBeGreaterThanOrEqual(1);
    await orders.changeLocked([old.id], () => [{ id: old.id, status: OrderStatus.Confirmed }]);
    const fresh = newOrder({ productId: product });
    await orders.insertMany([fresh]);
    expect(await inFlight.countRecentPending(10_000)).toBeGreaterThanOrEqual(1);
  });
});

/**
 * The same SQL on a server whose default time zone is +05:00 (a throwaway mariadbd of this test's
 * own): DATETIME columns hold UTC, so every connection must run in UTC for the comparisons with
 * NOW(3) (relay, restore resends, sweeper grace, the reconciler's recent orders) to hold.
 */
describe('orders repository on a server whose default time zone is not UTC', () => {
  let server: ThrowawayMariaDb;
  let db: DataSource;
  let orders: SqlOrdersRepository;
  let inFlight: SqlInFlightOrders;

  beforeAll(async () => {
    server = await ThrowawayMariaDb.start(['--default-time-zone=+05:00']);
    const admin = await mysql.createConnection(server.connection());
    await admin.query('CREATE DATABASE order_service');
    await admin.end();
    db = await openDatabase(
      databaseOptions(
        {
          DB_HOST: '127.0.0.1',
          DB_PORT: server.port,
          DB_USERNAME: 'root',
          DB_PASSWORD: '',
          DB_DATABASE: 'order_service',
          DB_POOL_SIZE: 4,
        },
        { entities: [], migrations },
      ),
    );
    orders = new SqlOrdersRepository(db);
    inFlight = new SqlInFlightOrders(db);
  }, 60_000);

  afterAll(async () => {
    await db?.destroy();
    await server?.stop();
  }, 30_000);

  function newOrder(overrides: Partial<NewOrder> = {}): NewOrder {
    const now = new Date();
    return {
      id: randomUUID(),
      userId: '42',
      productId: 'T-tz-1',
      quantity: 1,
      unitPriceCents: 100,
      totalCents: 100,
      idempotencyKey: null,
      requestId: null,
      createdAt: now,
      nextPublishAt: new Date(now.getTime() + 60_000),
      ...overrides,
    };
  }

  it('is really a +05:00 server: a connection of its own sees local time 5 hours ahead', async () => {
    const plain = await mysql.createConnection(server.connection());
    const [rows] = await plain.query<mysql.RowDataPacket[]>(
      'SELECT @@session.time_zone AS zone, TIMESTAMPDIFF(MINUTE, UTC_TIMESTAMP(), NOW()) AS ahead',
    );
    await plain.end();
    expect(rows[0]).toEqual({ zone: '+05:00', ahead: 300 });
  });

  it('runs every pooled connection in UTC, the first one included', async () => {
    // Concurrent sleeps hold the pool's connections at once, so each of the 4 answers.
    const rows = await Promise.all(
      Array.from({ length: 4 }, () =>
        db.query<{ zone: string; id: number }[]>(
          'SELECT SLEEP(0.3) AS s, @@session.time_zone AS zone, CONNECTION_ID() AS id',
        ),
      ),
    );
    expect(new Set(rows.map(([r]) => r?.id)).size).toBe(4);
    expect(rows.map(([r]) => r?.zone)).toEqual(['+00:00', '+00:00', '+00:00', '+00:00']);
  });

  it('republishes what is due and nothing else, and reschedules in UTC', async () => {
    const due = newOrder({ nextPublishAt: new Date(Date.now() - 1_000) });
    // Due in 10 minutes: compared with a +05:00 NOW(3) it would look 5 hours overdue.
    const later = newOrder({ nextPublishAt: new Date(Date.now() + 600_000) });
    await orders.insertMany([due, later]);
    expect((await peek(orders, (l) => orders.claimDueForPublish(l, 100))).map((o) => o.id)).toEqual(
      [due.id],
    );
    await orders.reschedulePublish([due.id], 60_000);
    expect(await peek(orders, (l) => orders.claimDueForPublish(l, 100))).toEqual([]);
    const [row] = await db.query<{ next_publish_at: Date }[]>(
      'SELECT next_publish_at FROM orders WHERE id = ?',
      [due.id],
    );
    expect(Math.abs(row.next_publish_at.getTime() - (Date.now() + 60_000))).toBeLessThan(10_000);
  });

  it('writes updated_at in UTC and keeps the grace of give-backs and the restore resend schedule', async () => {
    const order = newOrder();
    await orders.insertMany([order]);
    await orders.changeLocked([order.id], () => [
      { id: order.id, status: OrderStatus.Cancelled, stockReleaseDue: true, restoreDue: true },
    ]);
    const changed = await orders.findById(order.id);
    expect(Math.abs(changed!.updatedAt.getTime() - Date.now())).toBeLessThan(10_000);
    // Just changed: not past a minute's grace, past none.
    expect(await peek(orders, (l) => orders.claimStockReleaseDue(l, 60_000, 100))).toEqual([]);
    expect(await peek(orders, (l) => orders.claimRestoreDue(l, 60_000, 100))).toEqual([]);
    expect((await peek(orders, (l) => orders.claimRestoreDue(l, 0, 100))).map((o) => o.id)).toEqual(
      [order.id],
    );
    await orders.markRestoreSent([order.id], 60_000);
    expect(await peek(orders, (l) => orders.claimRestoreDue(l, 0, 100))).toEqual([]);
  });

  it('counts orders placed just now as recent, and an hour-old one as not', async () => {
    await orders.insertMany([
      newOrder({ productId: 'T-tz-2' }),
      newOrder({ productId: 'T-tz-2', createdAt: new Date(Date.now() - 3_600_000) }),
    ]);
    const recentBefore = await inFlight.countRecentPending(60_000);
    const all = await inFlight.countPending();
    expect(all - recentBefore).toBe(1);
    expect(await inFlight.changedRecently('T-tz-2', 60_000)).toBe(true);
  });
});
