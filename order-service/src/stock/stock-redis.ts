import { STOCK_CHANGED_CHANNEL } from '@flash-sale/contracts';
import type { Redis } from 'ioredis';
import { StockKeys } from './stock-keys.js';

/** Redis reads and signals that both stores need (the hot path's and the reconciler's). */

/** Whether the counters were loaded from MySQL since Redis last lost its data. */
export async function isCatalogueLoaded(redis: Redis): Promise<boolean> {
  return (await redis.exists(StockKeys.catalogueLoaded)) === 1;
}

/** Tells every order-service instance that these products' stock changed (clears sold-out marks). */
export async function announceStockChanged(
  redis: Redis,
  productIds: Iterable<string>,
): Promise<void> {
  const unique = [...new Set(productIds)];
  if (unique.length === 0) return;
  const pipeline = redis.pipeline();
  for (const id of unique) pipeline.publish(STOCK_CHANGED_CHANNEL, id);
  await pipeline.exec();
}

/** Every key matching `pattern` (SCAN, never KEYS). */
export async function scanKeys(redis: Redis, pattern: string): Promise<string[]> {
  const keys = new Set<string>();
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1_000);
    for (const key of batch) keys.add(key);
    cursor = next;
  } while (cursor !== '0');
  return [...keys];
}
