import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { Sql } from '../database/transaction.js';
import {
  CounterOperation,
  type CatalogueEntry,
  type PendingRedisUpdate,
  type RedisUpdate,
} from './redis-update.js';

interface OutboxRow {
  id: string;
  product_id: string;
  counter_op: CounterOperation;
  counter_amount: number | null;
  catalogue_op: 'PUT' | 'REMOVE';
  name: string | null;
  price_cents: string | null;
  max_per_user: number | null;
}

/** The queue of Redis updates waiting to be applied (see {@link enqueueRedisUpdates}). */
@Injectable()
export class RedisOutboxRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** The oldest pending updates, in the order they were queued. */
  pending(limit: number): Promise<PendingRedisUpdate[]> {
    return this.pendingIn({ query: (sql, params) => this.dataSource.query(sql, params) }, limit);
  }

  /** {@link pending} on a given connection (the reconciler's consistent snapshot). */
  async pendingIn(sql: Sql, limit: number): Promise<PendingRedisUpdate[]> {
    const rows = (await sql.query(
      `SELECT id, product_id, counter_op, counter_amount, catalogue_op, name, price_cents, max_per_user
         FROM redis_outbox ORDER BY id LIMIT ?`,
      [limit],
    )) as OutboxRow[];
    return rows.map(toPendingUpdate);
  }

  /** Forgets updates that were applied. */
  async remove(ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.dataSource.query('DELETE FROM redis_outbox WHERE id IN (?)', [ids]);
  }
}

function toPendingUpdate(row: OutboxRow): PendingRedisUpdate {
  const counter: RedisUpdate['counter'] =
    row.counter_op === CounterOperation.Remove || row.counter_op === CounterOperation.None
      ? { op: row.counter_op }
      : { op: row.counter_op, amount: row.counter_amount ?? 0 };
  const entry: CatalogueEntry = {
    name: row.name ?? '',
    priceCents: Number(row.price_cents ?? 0),
    maxPerUser: row.max_per_user,
  };
  return {
    id: String(row.id),
    productId: row.product_id,
    counter,
    catalogue: row.catalogue_op === 'PUT' ? { op: 'PUT', entry } : { op: 'REMOVE' },
  };
}
