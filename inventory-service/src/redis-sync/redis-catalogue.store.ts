import { readFileSync } from 'node:fs';
import { Injectable } from '@nestjs/common';
import { InjectRedis, type RedisClient } from '@flash-sale/common';
import { ProductHashFields, RedisKeys, STOCK_CHANGED_CHANNEL } from '@flash-sale/contracts';
import type { PendingRedisUpdate } from './redis-update.js';

/** Next to this file; `npm run build` copies it into dist/ (scripts/copy-assets.mjs). */
const APPLY_SCRIPT_URL = new URL('./apply-product-update.lua', import.meta.url);
const COMMAND = 'inventoryApplyProductUpdate';

type ApplyCommand = (...keysThenArgs: string[]) => Promise<number>;

/** Where inventory-service records the last outbox id applied to a product (same hash tag). */
export function syncMarkerKey(productId: string): string {
  return `inventory-sync:{${productId}}`;
}

/**
 * The Redis side of the catalogue: the `stock:{id}` counter, the `product:{id}` hash and the
 * stock-changed notification, changed together by one script (loaded once, run by its SHA).
 */
@Injectable()
export class RedisCatalogueStore {
  private readonly apply: ApplyCommand;

  constructor(@InjectRedis() private readonly redis: RedisClient) {
    redis.defineCommand(COMMAND, {
      numberOfKeys: 3,
      lua: readFileSync(APPLY_SCRIPT_URL, 'utf8'),
    });
    const command = (redis as unknown as Record<string, ApplyCommand>)[COMMAND];
    if (!command) throw new Error(`Redis command ${COMMAND} was not defined`);
    this.apply = command.bind(redis);
  }

  /** Applies one update unless it was applied before; true when it was applied now. */
  async applyOnce(update: PendingRedisUpdate): Promise<boolean> {
    const entry = update.catalogue.op === 'PUT' ? update.catalogue.entry : undefined;
    const applied = await this.apply(
      RedisKeys.stock(update.productId),
      RedisKeys.product(update.productId),
      syncMarkerKey(update.productId),
      update.id,
      update.counter.op,
      'amount' in update.counter ? String(update.counter.amount) : '0',
      update.catalogue.op,
      ProductHashFields.Name,
      ProductHashFields.PriceCents,
      ProductHashFields.MaxPerUser,
      entry?.name ?? '',
      entry ? String(entry.priceCents) : '',
      entry?.maxPerUser != null ? String(entry.maxPerUser) : '',
      STOCK_CHANGED_CHANNEL,
      update.productId,
    );
    // The index is kept outside the script, whose keys all share the product's hash tag (one
    // Cluster slot). Adding is idempotent, so a replay after a crash right here adds it then;
    // a removal lost that way leaves an id without a counter, which readers skip.
    if (update.catalogue.op === 'PUT') {
      await this.redis.sadd(RedisKeys.productIndex, update.productId);
    } else if (applied === 1) {
      await this.redis.srem(RedisKeys.productIndex, update.productId);
    }
    return applied === 1;
  }
}
