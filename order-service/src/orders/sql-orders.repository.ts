import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { duplicateKeyOf } from '@flash-sale/common';
import { DataSource, QueryFailedError, type EntityManager } from 'typeorm';
import { OrderStatus, type NewOrder, type Order } from './order.js';
import {
  DuplicateOrderError,
  OrdersRepository,
  type InsertConflict,
  type OrderChange,
  type OrderPage,
  type PendingOrder,
  type RelayLease,
} from './orders.repository.js';

interface OrderRow {
  id: string;
  user_id: string | number;
  product_id: string;
  quantity: number;
  unit_price_cents: string | number;
  total_cents: string | number;
  status: OrderStatus;
  failure_reason: string | null;
  idempotency_key: string | null;
  stock_release: 'DUE' | 'DONE' | null;
  restore: 'DUE' | 'SENT' | 'DONE' | null;
  created_at: Date;
  updated_at: Date;
}

const ORDER_COLUMNS = `id, user_id, product_id, quantity, unit_price_cents, total_cents, status,
  failure_reason, idempotency_key, stock_release, restore, created_at, updated_at`;

const INSERT_COLUMNS = `(id, user_id, product_id, quantity, unit_price_cents, total_cents, status,
  idempotency_key, request_id, next_publish_at, created_at, updated_at, stock_seq)`;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function isDeadlock(error: unknown): boolean {
  if (!(error instanceof QueryFailedError)) return false;
  const code = (error.driverError as { code?: string }).code;
  return code === 'ER_LOCK_DEADLOCK' || code === 'ER_LOCK_WAIT_TIMEOUT';
}

function toOrder(row: OrderRow): Order {
  return {
    id: row.id,
    userId: String(row.user_id),
    productId: row.product_id,
    quantity: Number(row.quantity),
    unitPriceCents: Number(row.unit_price_cents),
    totalCents: Number(row.total_cents),
    status: row.status,
    failureReason: row.failure_reason,
    idempotencyKey: row.idempotency_key,
    stockRelease: row.stock_release,
    restore: row.restore,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function insertValues(order: NewOrder): unknown[] {
  return [
    order.id,
    order.userId,
    order.productId,
    order.quantity,
    order.unitPriceCents,
    order.totalCents,
    OrderStatus.Pending,
    order.idempotencyKey,
    order.requestId,
    order.nextPublishAt,
    order.createdAt,
    order.createdAt,
    order.stockSeq ?? null,
  ];
}

/** A row no relay holds a live lease on (never leased, released, or the owner's lease ran out). */
const LEASE_FREE = '(relay_lease_until IS NULL OR relay_lease_until <= NOW(3))';

const placeholders = (n: number) => Array.from({ length: n }, () => '?').join(', ');

/** {@link OrdersRepository} on MySQL/MariaDB: plain SQL, no entity hydration on the hot path. */
@Injectable()
export class SqlOrdersRepository extends OrdersRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {
    super();
  }

  async insertMany(orders: NewOrder[]): Promise<void> {
    if (orders.length === 0) return;
    const row = `(${placeholders(13)})`;
    try {
      await this.db.query(
        `INSERT INTO orders ${INSERT_COLUMNS} VALUES ${orders.map(() => row).join(', ')}`,
        orders.flatMap(insertValues),
      );
    } catch (error) {
      if (duplicateKeyOf(error) !== undefined) throw new DuplicateOrderError('duplicate key');
      throw error;
    }
  }

  async insertOne(order: NewOrder): Promise<InsertConflict | null> {
    try {
      await this.db.query(
        `INSERT INTO orders ${INSERT_COLUMNS} VALUES (${placeholders(13)})`,
        insertValues(order),
      );
      return null;
    } catch (error) {
      const key = duplicateKeyOf(error);
      if (key === undefined) throw error;
      return key === 'PRIMARY' ? 'duplicate-id' : 'duplicate-idempotency-key';
    }
  }

  async insertAbandoned(
    orders: Omit<NewOrder, 'requestId' | 'nextPublishAt'>[],
  ): Promise<string[]> {
    if (orders.length === 0) return [];
    // No idempotency key: the client never got this order, so a retry with its key must work.
    await this.db.query(
      `INSERT IGNORE INTO orders (id, user_id, product_id, quantity, unit_price_cents, total_cents,
         status, failure_reason, stock_release, created_at, updated_at)
       VALUES ${orders.map(() => `(?, ?, ?, ?, ?, ?, 'FAILED', 'RESERVATION_EXPIRED', 'DUE', ?, NOW(3))`).join(', ')}`,
      orders.flatMap((o) => [
        o.id,
        o.userId,
        o.productId,
        o.quantity,
        o.unitPriceCents,
        o.totalCents,
        o.createdAt,
      ]),
    );
    // Which ids are ours now: an abandoned record still waiting for its give-back. (Another
    // instance's sweeper may have written the same record; the give-back is once-only anyway.)
    const rows = await this.db.query<{ id: string }[]>(
      `SELECT id FROM orders WHERE id IN (${placeholders(orders.length)})
         AND status = 'FAILED' AND failure_reason = 'RESERVATION_EXPIRED' AND stock_release = 'DUE'`,
      orders.map((o) => o.id),
    );
    return rows.map((r) => r.id);
  }

  async findById(id: string): Promise<Order | null> {
    if (!UUID.test(id)) return null;
    const rows = await this.db.query<OrderRow[]>(
      `SELECT ${ORDER_COLUMNS} FROM orders WHERE id = ?`,
      [id.toLowerCase()],
    );
    return rows[0] ? toOrder(rows[0]) : null;
  }

  async findByIdempotencyKey(userId: string, key: string): Promise<Order | null> {
    const rows = await this.db.query<OrderRow[]>(
      `SELECT ${ORDER_COLUMNS} FROM orders WHERE user_id = ? AND idempotency_key = ?`,
      [userId, key],
    );
    return rows[0] ? toOrder(rows[0]) : null;
  }

  async findStatuses(ids: string[]): Promise<Map<string, OrderStatus>> {
    const statuses = new Map<string, OrderStatus>();
    if (ids.length === 0) return statuses;
    const rows = await this.db.query<{ id: string; status: OrderStatus }[]>(
      `SELECT id, status FROM orders WHERE id IN (${placeholders(ids.length)})`,
      ids,
    );
    for (const row of rows) statuses.set(row.id, row.status);
    return statuses;
  }

  async listByUser(
    userId: string,
    limit: number,
    after?: { createdAt: Date; id: string },
  ): Promise<OrderPage> {
    const params: unknown[] = [userId];
    let position = '';
    if (after) {
      position = 'AND (created_at < ? OR (created_at = ? AND id < ?))';
      params.push(after.createdAt, after.createdAt, after.id);
    }
    params.push(limit + 1);
    const rows = await this.db.query<OrderRow[]>(
      `SELECT ${ORDER_COLUMNS} FROM orders WHERE user_id = ? ${position}
       ORDER BY created_at DESC, id DESC LIMIT ?`,
      params,
    );
    const orders = rows.slice(0, limit).map(toOrder);
    const last = orders[orders.length - 1];
    return {
      orders,
      next: rows.length > limit && last ? { createdAt: last.createdAt, id: last.id } : null,
    };
  }

  async changeLocked(ids: string[], decide: (orders: Order[]) => OrderChange[]): Promise<Order[]> {
    const unique = [...new Set(ids.filter((id) => UUID.test(id)).map((id) => id.toLowerCase()))];
    if (unique.length === 0) return [];
    unique.sort();
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.db.transaction(async (manager) => {
          const rows = await manager.query<OrderRow[]>(
            `SELECT ${ORDER_COLUMNS} FROM orders WHERE id IN (${placeholders(unique.length)})
             ORDER BY id FOR UPDATE`,
            unique,
          );
          const before = rows.map(toOrder);
          await applyChanges(manager, decide(before));
          return before;
        });
      } catch (error) {
        // Rows are locked in id order, but inserts next to them can still deadlock: retry.
        if (attempt >= 3 || !isDeadlock(error)) throw error;
      }
    }
  }

  async markStockReleased(ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.db.query(
      `UPDATE orders SET stock_release = 'DONE'
       WHERE id IN (${placeholders(ids.length)}) AND stock_release = 'DUE'`,
      ids,
    );
  }

  async markRestoreSent(ids: string[], resendAfterMs: number): Promise<void> {
    if (ids.length === 0) return;
    // Not for DONE: the answer may come before the producer's ack is processed here.
    await this.db.query(
      `UPDATE orders
       SET restore = 'SENT',
           next_restore_at = NOW(3) + INTERVAL LEAST(? * POW(2, LEAST(restore_attempts, 10)), 60000) * 1000 MICROSECOND,
           restore_attempts = restore_attempts + 1
       WHERE id IN (${placeholders(ids.length)}) AND restore IN ('DUE', 'SENT')`,
      [resendAfterMs, ...ids],
    );
  }

  async markRestoreDone(ids: string[]): Promise<string[]> {
    const unique = [...new Set(ids)];
    if (unique.length === 0) return [];
    return this.db.transaction(async (manager) => {
      const rows = await manager.query<{ id: string }[]>(
        `SELECT id FROM orders WHERE id IN (${placeholders(unique.length)})
           AND restore IN ('DUE', 'SENT') ORDER BY id FOR UPDATE`,
        unique,
      );
      const changed = rows.map((r) => r.id);
      if (changed.length > 0) {
        await manager.query(
          `UPDATE orders SET restore = 'DONE' WHERE id IN (${placeholders(changed.length)})`,
          changed,
        );
      }
      return changed;
    });
  }

  async findByIds(ids: string[]): Promise<Order[]> {
    const unique = [...new Set(ids.filter((id) => UUID.test(id)))];
    if (unique.length === 0) return [];
    const rows = await this.db.query<OrderRow[]>(
      `SELECT ${ORDER_COLUMNS} FROM orders WHERE id IN (${placeholders(unique.length)})`,
      unique,
    );
    return rows.map(toOrder);
  }

  async claimDueForPublish(lease: RelayLease, limit: number): Promise<PendingOrder[]> {
    const rows = await this.claim<
      {
        id: string;
        user_id: string | number;
        product_id: string;
        quantity: number;
        request_id: string | null;
        created_at: Date;
      }[]
    >(lease, [
      {
        sql: `SELECT id, user_id, product_id, quantity, request_id, created_at FROM orders
              WHERE status = 'PENDING' AND next_publish_at <= NOW(3) AND ${LEASE_FREE}
              ORDER BY next_publish_at LIMIT ?`,
        params: [limit],
      },
    ]);
    return rows.map((r) => ({
      id: r.id,
      userId: String(r.user_id),
      productId: r.product_id,
      quantity: Number(r.quantity),
      requestId: r.request_id,
      createdAt: r.created_at,
    }));
  }

  async reschedulePublish(ids: string[], baseDelayMs: number): Promise<void> {
    if (ids.length === 0) return;
    await this.db.query(
      `UPDATE orders
       SET next_publish_at = NOW(3) + INTERVAL LEAST(? * POW(2, LEAST(publish_attempts, 10)), 60000) * 1000 MICROSECOND,
           publish_attempts = publish_attempts + 1
       WHERE id IN (${placeholders(ids.length)}) AND status = 'PENDING'`,
      [baseDelayMs, ...ids],
    );
  }

  async claimStockReleaseDue(lease: RelayLease, graceMs: number, limit: number): Promise<Order[]> {
    // A cancelled order's give-back waits for its restore's answer (see OrdersService.cancel).
    const rows = await this.claim<OrderRow[]>(lease, [
      {
        sql: `SELECT ${ORDER_COLUMNS} FROM orders
              WHERE stock_release = 'DUE' AND updated_at <= NOW(3) - INTERVAL ? * 1000 MICROSECOND
                AND (restore IS NULL OR restore = 'DONE') AND ${LEASE_FREE}
              LIMIT ?`,
        params: [graceMs, limit],
      },
    ]);
    return rows.map(toOrder);
  }

  async claimRestoreDue(lease: RelayLease, graceMs: number, limit: number): Promise<Order[]> {
    // Two index range reads on ix_orders_restore. A SENT row without next_restore_at was sent by
    // an earlier version that never heard back: resent at once.
    const rows = await this.claim<OrderRow[]>(lease, [
      {
        sql: `SELECT ${ORDER_COLUMNS} FROM orders
              WHERE restore = 'DUE' AND updated_at <= NOW(3) - INTERVAL ? * 1000 MICROSECOND
                AND ${LEASE_FREE}
              LIMIT ?`,
        params: [graceMs, limit],
      },
      {
        sql: `SELECT ${ORDER_COLUMNS} FROM orders
              WHERE restore = 'SENT' AND (next_restore_at IS NULL OR next_restore_at <= NOW(3))
                AND ${LEASE_FREE}
              LIMIT ?`,
        params: [limit],
      },
    ]);
    return rows.slice(0, limit).map(toOrder);
  }

  async releaseClaims(owner: string, ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    // updated_at kept: a lease is bookkeeping, not a change of the order (the give-back grace and
    // the reconciler's "quiet product" both read updated_at).
    await this.db.query(
      `UPDATE orders SET relay_owner = NULL, relay_lease_until = NULL, updated_at = updated_at
       WHERE id IN (${placeholders(ids.length)}) AND relay_owner = ?`,
      [...ids, owner],
    );
  }

  /**
   * Takes the rows the `selects` find that nobody holds a live lease on, and leases them to
   * `lease.owner`, in one short transaction. `FOR UPDATE SKIP LOCKED` (MariaDB >= 10.6, MySQL
   * >= 8.0) makes concurrent relays pass over each other's rows instead of waiting or taking them
   * too; once committed, the lease keeps them off the other relays' selects until it expires.
   * READ COMMITTED: a locking range read there takes no gap locks, so the hot path's inserts of
   * new PENDING rows never wait on a relay.
   */
  private async claim<R extends { id: string }[]>(
    lease: RelayLease,
    selects: { sql: string; params: unknown[] }[],
  ): Promise<R> {
    return this.db.transaction('READ COMMITTED', async (manager) => {
      const rows: { id: string }[] = [];
      const seen = new Set<string>();
      for (const { sql, params } of selects) {
        for (const row of await manager.query<R>(`${sql} FOR UPDATE SKIP LOCKED`, params)) {
          if (seen.has(row.id)) continue;
          seen.add(row.id);
          rows.push(row);
        }
      }
      if (rows.length > 0) {
        await manager.query(
          `UPDATE orders
           SET relay_owner = ?,
               relay_lease_until = NOW(3) + INTERVAL ? * 1000 MICROSECOND,
               updated_at = updated_at
           WHERE id IN (${placeholders(rows.length)})`,
          [lease.owner, lease.leaseMs, ...rows.map((r) => r.id)],
        );
      }
      return rows as R;
    });
  }
}

/** Applies changes grouped by their shape, one UPDATE per group. */
async function applyChanges(manager: EntityManager, changes: OrderChange[]): Promise<void> {
  const groups = new Map<string, { change: OrderChange; ids: string[] }>();
  for (const change of changes) {
    const shape = JSON.stringify([
      change.status ?? null,
      change.failureReason ?? null,
      change.stockReleaseDue ?? false,
      change.restoreDue ?? false,
    ]);
    const group = groups.get(shape) ?? { change, ids: [] };
    group.ids.push(change.id);
    groups.set(shape, group);
  }
  for (const { change, ids } of groups.values()) {
    const sets: string[] = [];
    const params: unknown[] = [];
    if (change.status) {
      sets.push('status = ?');
      params.push(change.status);
    }
    if (change.failureReason !== undefined) {
      sets.push('failure_reason = ?');
      params.push(change.failureReason);
    }
    if (change.stockReleaseDue) sets.push("stock_release = 'DUE'");
    if (change.restoreDue) sets.push("restore = 'DUE'");
    if (sets.length === 0) continue;
    await manager.query(
      `UPDATE orders SET ${sets.join(', ')} WHERE id IN (${placeholders(ids.length)})`,
      [...params, ...ids],
    );
  }
}
