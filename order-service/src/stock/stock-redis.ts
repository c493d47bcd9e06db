import { STOCK_CHANGED_CHANNEL } from '@flash-sale/contracts';
import type { RedisClient } from '@flash-sale/common';
import { settleAll } from './lua-script.js';
import { StockKeys } from './stock-keys.js';

/** Redis reads and signals that both stores need (the hot path's and the reconciler's). */

/** Whether the counters were loaded from MySQL since Redis last lost its data. */
export async function isCatalogueLoaded(redis: RedisClient): Promise<boolean> {
  return (await redis.exists(StockKeys.catalogueLoaded)) === 1;
}

/** Tells every order-service instance that these products' stock changed (clears sold-out marks). */
export async function announceStockChanged(
  redis: RedisClient,
  productIds: Iterable<string>,
): Promise<void> {
  // Issued together: auto-pipelining sends them in one write.
  await settleAll([...new Set(productIds)].map((id) => redis.publish(STOCK_CHANGED_CHANNEL, id)));
}
