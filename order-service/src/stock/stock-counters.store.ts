import { Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { InjectRedis, type RedisClient } from '@flash-sale/common';
import { ProductHashFields } from '@flash-sale/contracts';
import { setTimeout as delay } from 'node:timers/promises';
import { LuaScript, preloadScripts, settleAll } from './lua-script.js';
import { parseReservation, type Reservation } from './reservation.store.js';
import { StockKeys } from './stock-keys.js';
import { announceStockChanged, isCatalogueLoaded } from './stock-redis.js';

/** One product's Redis state at one instant (see snapshot-stock.lua). */
export interface StockSnapshot {
  productId: string;
  counter: number | null;
  /** Whether the counter is marked as matching MySQL. */
  ready: boolean;
  product: Record<string, string>;
  reservations: Reservation[];
  /** The last admin change (inventory-service's redis_outbox id) applied to the counter; 0: none. */
  appliedChangeId: number;
  /**
   * The reservation sequence at the snapshot (0: none yet): orders whose reservation got a
   * higher one were reserved after it, so the counter read here did not take their units.
   */
  sequence: number;
}

/** What the periodic reconciler remembers between passes (see StockKeys.reconcilerDrift). */
export interface DriftMemory {
  drifts: Map<string, number>;
  missing: Set<string>;
}

/** How a fenced counter adjustment ended (see adjust-counter.lua). */
export type AdjustOutcome = { kind: 'adjusted'; counter: number } | { kind: 'outdated' | 'fenced' };

export interface CatalogueEntry {
  productId: string;
  name: string;
  priceCents: number;
  maxPerUser: number | null;
}

/** A catalogue entry's values as the scripts take them, then the hash's field names. */
function catalogueArgs(entry: CatalogueEntry): string[] {
  return [
    entry.name,
    String(entry.priceCents),
    entry.maxPerUser ? String(entry.maxPerUser) : '',
    ProductHashFields.Name,
    ProductHashFields.PriceCents,
    ProductHashFields.MaxPerUser,
  ];
}

/**
 * The reconciler's side of the Redis stock: reading counters (also for `GET /api/stock`),
 * snapshots, compare-and-set repairs, rebuilding what Redis lost, the catalogue-loaded marker and
 * the lock that lets one instance reconcile at a time.
 */
@Injectable()
export class StockCountersStore implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(StockCountersStore.name);
  private readonly scripts = {
    snapshot: new LuaScript('snapshot-stock'),
    adjust: new LuaScript('adjust-counter'),
    rebuild: new LuaScript('rebuild-product'),
    ensureProduct: new LuaScript('ensure-product'),
    reset: new LuaScript('reset-product'),
    checkSequence: new LuaScript('check-sequence'),
    releaseLock: new LuaScript('release-lock'),
    extendLock: new LuaScript('extend-lock'),
  };
  private lockToken: string | undefined;

  constructor(@InjectRedis() private readonly redis: RedisClient) {}

  async onModuleInit(): Promise<void> {
    await preloadScripts(this.redis, Object.values(this.scripts), this.logger);
  }

  onApplicationShutdown(): void {
    this.lockToken = undefined;
  }

  isCatalogueLoaded(): Promise<boolean> {
    return isCatalogueLoaded(this.redis);
  }

  /** Resolves when Redis answers a PING within `timeoutMs`, rejects otherwise. */
  async ping(timeoutMs: number): Promise<void> {
    await Promise.race([
      this.redis.ping(),
      delay(timeoutMs, undefined, { ref: false }).then(() => {
        throw new Error(`Redis did not answer PING within ${timeoutMs} ms`);
      }),
    ]);
  }

  async markCatalogueLoaded(): Promise<void> {
    await this.redis.set(StockKeys.catalogueLoaded, new Date().toISOString());
  }

  /** Tells every order-service instance that these products' stock changed (clears sold-out marks). */
  publishStockChanged(productIds: Iterable<string>): Promise<void> {
    return announceStockChanged(this.redis, productIds);
  }

  /** The counter of one product, or null when it is missing. */
  async readCounter(productId: string): Promise<number | null> {
    const value = await this.redis.get(StockKeys.stock(productId));
    return value === null ? null : Number(value);
  }

  /**
   * Every indexed product that has a counter, with its value: the product index, then the
   * counters in one pipeline. Never a SCAN of the keyspace (the hot path shares this Redis).
   */
  async readAllCounters(): Promise<{ productId: string; stock: number }[]> {
    const productIds = await this.redis.smembers(StockKeys.productIndex);
    if (productIds.length === 0) return [];
    // One GET a product, issued together: auto-pipelining sends them in one write per node (an
    // MGET would need every key in one slot on a Cluster).
    const values = await settleAll(productIds.map((p) => this.redis.get(StockKeys.stock(p))));
    const counters: { productId: string; stock: number }[] = [];
    for (const [i, productId] of productIds.entries()) {
      const value = values[i];
      if (typeof value !== 'string') continue;
      const stock = Number(value);
      if (Number.isInteger(stock)) counters.push({ productId, stock });
    }
    return counters.sort((a, b) => a.productId.localeCompare(b.productId));
  }

  /** Adds products to the index `GET /api/stock` lists (idempotent). */
  async indexProducts(productIds: string[]): Promise<void> {
    if (productIds.length > 0) await this.redis.sadd(StockKeys.productIndex, ...productIds);
  }

  /** Each product's counter, catalogue entry and reservations, each product read atomically. */
  async snapshot(productIds: string[]): Promise<StockSnapshot[]> {
    if (productIds.length === 0) return [];
    const replies = await this.scripts.snapshot.runEach(
      this.redis,
      productIds.map((p) => ({
        keys: [
          StockKeys.stock(p),
          StockKeys.product(p),
          StockKeys.reservations(p),
          StockKeys.ready(p),
          StockKeys.inventorySync(p),
          StockKeys.sequence(p),
        ],
        args: [],
      })),
    );
    return productIds.map((productId, i) => {
      const [counter, productPairs, reservationPairs, ready, applied, sequence] = replies[i] as [
        string | null,
        string[],
        string[],
        number,
        string | null,
        string | null,
      ];
      const reservations: Reservation[] = [];
      for (const [orderId, entry] of Object.entries(pairsToRecord(reservationPairs))) {
        const parsed = parseReservation(productId, orderId, entry);
        if (parsed) reservations.push(parsed);
      }
      return {
        productId,
        counter: counter === null ? null : Number(counter),
        ready: ready === 1,
        product: pairsToRecord(productPairs),
        reservations,
        appliedChangeId: Number(applied ?? 0),
        sequence: Number(sequence ?? 0),
      };
    });
  }

  /**
   * Moves a ready counter by `delta` (the drift measured at a snapshot that saw admin change
   * `appliedChangeId` applied last), as the reconciler holding fence token `fence`; see
   * adjust-counter.lua for when it is refused.
   */
  async adjustCounter(
    productId: string,
    appliedChangeId: number,
    delta: number,
    fence: number,
  ): Promise<AdjustOutcome> {
    const reply = (await this.scripts.adjust.run(
      this.redis,
      [
        StockKeys.stock(productId),
        StockKeys.ready(productId),
        StockKeys.inventorySync(productId),
        StockKeys.fence(productId),
      ],
      [String(appliedChangeId), String(delta), String(fence)],
    )) as [number, number?];
    if (reply[0] === 1) return { kind: 'adjusted', counter: Number(reply[1]) };
    return { kind: reply[0] === -1 ? 'fenced' : 'outdated' };
  }

  /**
   * Recreates a missing counter with its catalogue entry and per-user totals, and lifts its
   * reservation sequence to at least `lowestSequence`; false if the counter is present.
   */
  async rebuildProduct(
    entry: CatalogueEntry,
    expected: number,
    heldByUser: Map<string, number>,
    lowestSequence: number,
  ): Promise<boolean> {
    const p = entry.productId;
    const pairs = [...heldByUser].flatMap(([user, units]) => [user, String(units)]);
    const reply = await this.scripts.rebuild.run(
      this.redis,
      [
        StockKeys.stock(p),
        StockKeys.product(p),
        StockKeys.bought(p),
        StockKeys.ready(p),
        StockKeys.sequence(p),
        StockKeys.stale(p),
      ],
      [String(expected), ...catalogueArgs(entry), String(lowestSequence), ...pairs],
    );
    return reply === 1;
  }

  /**
   * Sets a counter that is not marked ready (new, or found stale) to `expected` by compare-and-set,
   * with the per-user totals from MySQL and its sequence lifted to `lowestSequence` (null: left
   * as it is), and marks it ready; false when the counter moved meanwhile (see reset-product.lua).
   */
  async resetProduct(
    productId: string,
    observed: number,
    expected: number,
    heldByUser: Map<string, number>,
    lowestSequence: number | null,
  ): Promise<boolean> {
    const pairs = [...heldByUser].flatMap(([user, units]) => [user, String(units)]);
    const reply = await this.scripts.reset.run(
      this.redis,
      [
        StockKeys.stock(productId),
        StockKeys.bought(productId),
        StockKeys.sequence(productId),
        StockKeys.ready(productId),
        StockKeys.stale(productId),
      ],
      [
        String(observed),
        String(expected),
        lowestSequence === null ? '' : String(lowestSequence),
        ...pairs,
      ],
    );
    return reply === 1;
  }

  /**
   * Compares each product's Redis sequence with the highest one MySQL recorded; a product whose
   * Redis is behind loses its ready flag (see check-sequence.lua). Returns those products.
   */
  async markStale(recorded: Map<string, number>): Promise<string[]> {
    const entries = [...recorded];
    if (entries.length === 0) return [];
    const replies = await this.scripts.checkSequence.runEach(
      this.redis,
      entries.map(([p, sequence]) => ({
        keys: [StockKeys.sequence(p), StockKeys.ready(p), StockKeys.stock(p), StockKeys.stale(p)],
        args: [String(sequence)],
      })),
    );
    return entries.filter((_, i) => replies[i] === 1).map(([p]) => p);
  }

  /** Writes a product's catalogue entry if it is missing; true when written. */
  async ensureProduct(entry: CatalogueEntry): Promise<boolean> {
    const reply = await this.scripts.ensureProduct.run(
      this.redis,
      [StockKeys.product(entry.productId)],
      catalogueArgs(entry),
    );
    return reply === 1;
  }

  /**
   * Takes the reconciler lock for `ttlMs` (one instance reconciles at a time) and returns its
   * fence token, a number higher than any lock taken before; null if another holds it.
   */
  async acquireReconcilerLock(ttlMs: number): Promise<number | null> {
    const fence = await this.redis.incr(StockKeys.reconcilerFence);
    const ok = await this.redis.set(StockKeys.reconcilerLock, String(fence), 'PX', ttlMs, 'NX');
    if (ok !== 'OK') return null;
    this.lockToken = String(fence);
    return fence;
  }

  /**
   * Keeps the reconciler lock for another `ttlMs` while a pass runs; false when it is no longer
   * this holder's (its lease ran out and another instance took it).
   */
  async extendReconcilerLock(fence: number, ttlMs: number): Promise<boolean> {
    if (this.lockToken !== String(fence)) return false;
    const extended = await this.scripts.extendLock.run(
      this.redis,
      [StockKeys.reconcilerLock],
      [String(fence), String(ttlMs)],
    );
    return extended === 1;
  }

  async releaseReconcilerLock(fence: number): Promise<void> {
    if (this.lockToken !== String(fence)) return;
    this.lockToken = undefined;
    await this.scripts.releaseLock.run(this.redis, [StockKeys.reconcilerLock], [String(fence)]);
  }

  /** The periodic reconciler's memory of its last pass, whichever instance ran it. */
  async readDriftMemory(): Promise<DriftMemory> {
    const [drifts, missing] = await Promise.all([
      this.redis.hgetall(StockKeys.reconcilerDrift),
      this.redis.smembers(StockKeys.reconcilerMissing),
    ]);
    return {
      drifts: new Map(Object.entries(drifts).map(([p, d]) => [p, Number(d)])),
      missing: new Set(missing),
    };
  }

  /**
   * Replaces that memory (one transaction). It expires after `ttlMs`: a drift remembered from
   * long ago is no evidence that it lasts.
   */
  async writeDriftMemory(memory: DriftMemory, ttlMs: number): Promise<void> {
    const multi = this.redis.multi().del(StockKeys.reconcilerDrift, StockKeys.reconcilerMissing);
    if (memory.drifts.size > 0) {
      multi.hset(
        StockKeys.reconcilerDrift,
        Object.fromEntries([...memory.drifts].map(([p, d]) => [p, String(d)])),
      );
      multi.pexpire(StockKeys.reconcilerDrift, ttlMs);
    }
    if (memory.missing.size > 0) {
      multi.sadd(StockKeys.reconcilerMissing, ...memory.missing);
      multi.pexpire(StockKeys.reconcilerMissing, ttlMs);
    }
    await multi.exec();
  }
}

function pairsToRecord(pairs: string[]): Record<string, string> {
  const record: Record<string, string> = {};
  for (let i = 0; i + 1 < pairs.length; i += 2) record[pairs[i]] = pairs[i + 1];
  return record;
}
