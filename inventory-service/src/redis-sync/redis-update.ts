import type { Sql } from '../database/transaction.js';

/** What happens to the `stock:{id}` counter. */
export const CounterOperation = {
  /** Set it (a new product): nothing can be reserved from a product that did not exist. */
  Set: 'SET',
  /** Set it only when it is missing (initialize on an existing product): never clobber a live one. */
  SetIfMissing: 'SET_IF_MISSING',
  /**
   * Add a delta (an admin stock change), so units reserved by orders still in flight stay counted.
   * A missing counter stays missing: order-service rebuilds it from MySQL, counting orders in
   * flight, and a blind INCRBY would create it with the delta alone.
   */
  Adjust: 'ADJUST',
  /** Delete it (a deleted product): the product stops selling at once. */
  Remove: 'REMOVE',
  /** Leave it (a name or price change). */
  None: 'NONE',
} as const;
export type CounterOperation = (typeof CounterOperation)[keyof typeof CounterOperation];

/** The fields of the `product:{id}` catalogue hash that order-service prices orders from. */
export interface CatalogueEntry {
  name: string;
  priceCents: number;
  maxPerUser: number | null;
}

/** One admin change of a product, as Redis must see it. */
export interface RedisUpdate {
  productId: string;
  counter:
    | { op: typeof CounterOperation.Set | typeof CounterOperation.SetIfMissing; amount: number }
    | { op: typeof CounterOperation.Adjust; amount: number }
    | { op: typeof CounterOperation.Remove | typeof CounterOperation.None };
  /** Write the catalogue hash from this snapshot, or remove it. */
  catalogue: { op: 'PUT'; entry: CatalogueEntry } | { op: 'REMOVE' };
}

/** A queued update with its outbox id; ids grow, and a product's updates apply in id order. */
export interface PendingRedisUpdate extends RedisUpdate {
  id: string;
}

/**
 * Queues updates in the caller's transaction: they become visible, and get applied, only if the
 * change that caused them commits. Callers hold the product's row lock, so a product's updates
 * are numbered in the order its changes commit.
 */
export async function enqueueRedisUpdates(sql: Sql, updates: RedisUpdate[]): Promise<void> {
  if (updates.length === 0) return;
  await sql.query(
    `INSERT INTO redis_outbox
       (product_id, counter_op, counter_amount, catalogue_op, name, price_cents, max_per_user)
     VALUES ?`,
    [
      updates.map((u) => {
        const entry = u.catalogue.op === 'PUT' ? u.catalogue.entry : null;
        return [
          u.productId,
          u.counter.op,
          'amount' in u.counter ? u.counter.amount : null,
          u.catalogue.op,
          entry?.name ?? null,
          entry?.priceCents ?? null,
          entry?.maxPerUser ?? null,
        ];
      }),
    ],
  );
}
