import { Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { InjectRedis } from '@flash-sale/common';
import { ProductHashFields, STOCK_CHANGED_CHANNEL } from '@flash-sale/contracts';
import type { Redis } from 'ioredis';
import { setTimeout as delay } from 'node:timers/promises';
import { isNoScript, LuaScript } from './lua-script.js';
import { productIdOfKey, StockKeys } from './stock-keys.js';

/** What the reservation script decided. */
export type ReserveResult =
  | { kind: 'reserved'; remaining: number; unitPriceCents: number }
  | { kind: 'no-counter' }
  | { kind: 'not-ready' }
  | { kind: 'no-product' }
  | { kind: 'replay'; orderId: string; fingerprint: string }
  | { kind: 'limit'; held: number; maxPerUser: number }
  | { kind: 'short'; stock: number };

export interface ReserveRequest {
  orderId: string;
  userId: string;
  productId: string;
  quantity: number;
  nowMs: number;
  idempotencyKey?: string;
  /** What the idempotency key stands for (product and quantity); compared on replay. */
  fingerprint: string;
  idempotencyTtlSeconds: number;
}

/** One order whose units should go back to the Redis counter. */
export interface ReleaseRequest {
  orderId: string;
  userId: string;
  productId: string;
  quantity: number;
  idempotencyKey: string | null;
  /** Forget the idempotency key too (the order was never recorded, so a retry may reuse it). */
  dropIdempotencyKey: boolean;
}

/** `released` now, `already` released before, `no-counter` (retry after the rebuild). */
export type ReleaseOutcome = 'released' | 'already' | 'no-counter';

/** A reservation entry: the order's units are taken in Redis and not yet settled. */
export interface Reservation {
  orderId: string;
  productId: string;
  userId: string;
  quantity: number;
  reservedAtMs: number;
  unitPriceCents: number;
  idempotencyKey: string | null;
}

/** One product's Redis state at one instant (see snapshot-stock.lua). */
export interface StockSnapshot {
  productId: string;
  counter: number | null;
  /** Whether the counter is marked as matching MySQL. */
  ready: boolean;
  product: Record<string, string>;
  reservations: Reservation[];
}

export interface CatalogueEntry {
  productId: string;
  name: string;
  priceCents: number;
  maxPerUser: number | null;
}

/** Guards of give-backs outlive every retry path by far. */
const RELEASE_GUARD_TTL_SECONDS = 7 * 86_400;

/**
 * The Redis side of stock: the counters, reservations, per-user totals and idempotency keys of
 * the hot path, all changed through Lua scripts whose keys share the product's hash tag.
 */
@Injectable()
export class RedisStockStore implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(RedisStockStore.name);
  private readonly scripts = {
    reserve: new LuaScript('reserve-stock'),
    release: new LuaScript('release-stock'),
    snapshot: new LuaScript('snapshot-stock'),
    repair: new LuaScript('repair-counter'),
    rebuild: new LuaScript('rebuild-product'),
    ensureProduct: new LuaScript('ensure-product'),
  };
  private lockToken: string | undefined;

  constructor(@InjectRedis() private readonly redis: Redis) {}

  async onModuleInit(): Promise<void> {
    // Best effort: a script the server does not know is loaded by its first EVAL anyway.
    await Promise.all(Object.values(this.scripts).map((s) => s.load(this.redis))).catch(
      (error: Error) => this.logger.warn(`could not preload Lua scripts: ${error.message}`),
    );
  }

  onApplicationShutdown(): void {
    this.lockToken = undefined;
  }

  async reserve(request: ReserveRequest): Promise<ReserveResult> {
    const { productId, userId, idempotencyKey } = request;
    const reply = (await this.scripts.reserve.run(
      this.redis,
      [
        StockKeys.stock(productId),
        StockKeys.product(productId),
        StockKeys.reservations(productId),
        StockKeys.bought(productId),
        idempotencyKey
          ? StockKeys.idempotency(productId, userId, idempotencyKey)
          : StockKeys.noIdempotency(productId),
        StockKeys.ready(productId),
      ],
      [
        request.orderId,
        userId,
        request.quantity,
        request.nowMs,
        request.fingerprint,
        request.idempotencyTtlSeconds,
        idempotencyKey ?? '',
      ],
    )) as string[];
    switch (reply[0]) {
      case 'OK':
        return { kind: 'reserved', remaining: Number(reply[1]), unitPriceCents: Number(reply[2]) };
      case 'NO_COUNTER':
        return { kind: 'no-counter' };
      case 'NOT_READY':
        return { kind: 'not-ready' };
      case 'NO_PRODUCT':
        return { kind: 'no-product' };
      case 'REPLAY':
        return { kind: 'replay', orderId: reply[1] ?? '', fingerprint: reply[2] ?? '' };
      case 'LIMIT':
        return { kind: 'limit', held: Number(reply[1]), maxPerUser: Number(reply[2]) };
      case 'SHORT':
        return { kind: 'short', stock: Number(reply[1]) };
      default:
        throw new Error(`unexpected reply from reserve-stock: ${JSON.stringify(reply)}`);
    }
  }

  /** Gives units back, once per order (see release-stock.lua); one round trip for the lot. */
  async release(requests: ReleaseRequest[]): Promise<ReleaseOutcome[]> {
    if (requests.length === 0) return [];
    const argsOf = (r: ReleaseRequest) => ({
      keys: [
        StockKeys.stock(r.productId),
        StockKeys.reservations(r.productId),
        StockKeys.bought(r.productId),
        StockKeys.released(r.productId, r.orderId),
        r.idempotencyKey
          ? StockKeys.idempotency(r.productId, r.userId, r.idempotencyKey)
          : StockKeys.noIdempotency(r.productId),
        StockKeys.ready(r.productId),
      ],
      args: [
        r.orderId,
        r.userId,
        r.quantity,
        RELEASE_GUARD_TTL_SECONDS,
        r.dropIdempotencyKey ? '1' : '0',
      ],
    });
    const pipeline = this.redis.pipeline();
    for (const r of requests) {
      const { keys, args } = argsOf(r);
      this.scripts.release.queue(pipeline, keys, args);
    }
    const results = (await pipeline.exec()) ?? [];
    const outcomes: ReleaseOutcome[] = [];
    for (const [i, r] of requests.entries()) {
      let [error, reply] = results[i] ?? [new Error('no reply'), null];
      if (error && isNoScript(error)) {
        const { keys, args } = argsOf(r);
        [error, reply] = [null, await this.scripts.release.run(this.redis, keys, args)];
      }
      if (error) throw error;
      outcomes.push(reply === 1 ? 'released' : reply === 0 ? 'already' : 'no-counter');
    }
    return outcomes;
  }

  /** Forgets settled reservations (their units stay taken): confirmed or already given back. */
  async dropReservations(orders: { orderId: string; productId: string }[]): Promise<void> {
    if (orders.length === 0) return;
    const byProduct = new Map<string, string[]>();
    for (const o of orders)
      byProduct.set(o.productId, [...(byProduct.get(o.productId) ?? []), o.orderId]);
    const pipeline = this.redis.pipeline();
    for (const [productId, ids] of byProduct)
      pipeline.hdel(StockKeys.reservations(productId), ...ids);
    await pipeline.exec();
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

  async isCatalogueLoaded(): Promise<boolean> {
    return (await this.redis.exists(StockKeys.catalogueLoaded)) === 1;
  }

  async markCatalogueLoaded(): Promise<void> {
    await this.redis.set(StockKeys.catalogueLoaded, new Date().toISOString());
  }

  /** Tells every order-service instance that these products' stock changed (clears sold-out marks). */
  async publishStockChanged(productIds: Iterable<string>): Promise<void> {
    const unique = [...new Set(productIds)];
    if (unique.length === 0) return;
    const pipeline = this.redis.pipeline();
    for (const id of unique) pipeline.publish(STOCK_CHANGED_CHANNEL, id);
    await pipeline.exec();
  }

  /** The counter of one product, or null when it is missing. */
  async readCounter(productId: string): Promise<number | null> {
    const value = await this.redis.get(StockKeys.stock(productId));
    return value === null ? null : Number(value);
  }

  /** Every product that has a counter, with its value. */
  async readAllCounters(): Promise<{ productId: string; stock: number }[]> {
    const keys = await this.scanKeys(StockKeys.stockPattern);
    if (keys.length === 0) return [];
    const pipeline = this.redis.pipeline();
    for (const key of keys) pipeline.get(key);
    const results = (await pipeline.exec()) ?? [];
    const counters: { productId: string; stock: number }[] = [];
    for (const [i, key] of keys.entries()) {
      const productId = productIdOfKey(key);
      const [error, value] = results[i] ?? [null, null];
      if (error || typeof value !== 'string' || productId === undefined) continue;
      const stock = Number(value);
      if (Number.isInteger(stock)) counters.push({ productId, stock });
    }
    return counters.sort((a, b) => a.productId.localeCompare(b.productId));
  }

  /** Every reservation entry of every product (there are only as many as orders in flight). */
  async readAllReservations(): Promise<Reservation[]> {
    const keys = await this.scanKeys(StockKeys.reservationsPattern);
    if (keys.length === 0) return [];
    const pipeline = this.redis.pipeline();
    for (const key of keys) pipeline.hgetall(key);
    const results = (await pipeline.exec()) ?? [];
    const reservations: Reservation[] = [];
    for (const [i, key] of keys.entries()) {
      const productId = productIdOfKey(key);
      const [error, hash] = results[i] ?? [null, null];
      if (error || productId === undefined || !hash) continue;
      for (const [orderId, entry] of Object.entries(hash as Record<string, string>)) {
        const parsed = parseReservation(productId, orderId, entry);
        if (parsed) reservations.push(parsed);
      }
    }
    return reservations;
  }

  /** Each product's counter, catalogue entry and reservations, each product read atomically. */
  async snapshot(productIds: string[]): Promise<StockSnapshot[]> {
    if (productIds.length === 0) return [];
    const keysOf = (p: string) => [
      StockKeys.stock(p),
      StockKeys.product(p),
      StockKeys.reservations(p),
      StockKeys.ready(p),
    ];
    const pipeline = this.redis.pipeline();
    for (const p of productIds) this.scripts.snapshot.queue(pipeline, keysOf(p), []);
    const results = (await pipeline.exec()) ?? [];
    const snapshots: StockSnapshot[] = [];
    for (const [i, productId] of productIds.entries()) {
      let [error, reply] = results[i] ?? [new Error('no reply'), null];
      if (error && isNoScript(error)) {
        [error, reply] = [null, await this.scripts.snapshot.run(this.redis, keysOf(productId), [])];
      }
      if (error) throw error;
      const [counter, productPairs, reservationPairs, ready] = reply as [
        string | null,
        string[],
        string[],
        number,
      ];
      const product = pairsToRecord(productPairs);
      const reservations: Reservation[] = [];
      for (const [orderId, entry] of Object.entries(pairsToRecord(reservationPairs))) {
        const parsed = parseReservation(productId, orderId, entry);
        if (parsed) reservations.push(parsed);
      }
      snapshots.push({
        productId,
        counter: counter === null ? null : Number(counter),
        ready: ready === 1,
        product,
        reservations,
      });
    }
    return snapshots;
  }

  /** Compare-and-set of a counter; true when it still held `observed` and now holds `expected`. */
  async repairCounter(productId: string, observed: number, expected: number): Promise<boolean> {
    const reply = await this.scripts.repair.run(
      this.redis,
      [StockKeys.stock(productId), StockKeys.ready(productId)],
      [String(observed), String(expected)],
    );
    return reply === 1;
  }

  /** Recreates a missing counter with its catalogue entry and per-user totals; false if present. */
  async rebuildProduct(
    entry: CatalogueEntry,
    expected: number,
    heldByUser: Map<string, number>,
  ): Promise<boolean> {
    const p = entry.productId;
    const pairs = [...heldByUser].flatMap(([user, units]) => [user, String(units)]);
    const reply = await this.scripts.rebuild.run(
      this.redis,
      [StockKeys.stock(p), StockKeys.product(p), StockKeys.bought(p), StockKeys.ready(p)],
      [
        String(expected),
        entry.name,
        String(entry.priceCents),
        entry.maxPerUser ? String(entry.maxPerUser) : '',
        ...pairs,
      ],
    );
    return reply === 1;
  }

  /** Marks a counter as matching MySQL (a new product's, set by inventory-service). */
  async markReady(productId: string): Promise<void> {
    await this.redis.set(StockKeys.ready(productId), '1');
  }

  /** Writes a product's catalogue entry if it is missing; true when written. */
  async ensureProduct(entry: CatalogueEntry): Promise<boolean> {
    const reply = await this.scripts.ensureProduct.run(
      this.redis,
      [StockKeys.product(entry.productId)],
      [entry.name, String(entry.priceCents), entry.maxPerUser ? String(entry.maxPerUser) : ''],
    );
    return reply === 1;
  }

  /** Overwrites a product's price and cap in its catalogue entry. */
  async updateProduct(entry: CatalogueEntry): Promise<void> {
    const key = StockKeys.product(entry.productId);
    const pipeline = this.redis.multi();
    pipeline.hset(
      key,
      ProductHashFields.Name,
      entry.name,
      ProductHashFields.PriceCents,
      entry.priceCents,
    );
    if (entry.maxPerUser) pipeline.hset(key, ProductHashFields.MaxPerUser, entry.maxPerUser);
    else pipeline.hdel(key, ProductHashFields.MaxPerUser);
    await pipeline.exec();
  }

  /** Takes the reconciler lock for `ttlMs` (one instance reconciles at a time); false if held. */
  async acquireReconcilerLock(token: string, ttlMs: number): Promise<boolean> {
    const ok = await this.redis.set(StockKeys.reconcilerLock, token, 'PX', ttlMs, 'NX');
    if (ok === 'OK') this.lockToken = token;
    return ok === 'OK';
  }

  async releaseReconcilerLock(token: string): Promise<void> {
    if (this.lockToken !== token) return;
    this.lockToken = undefined;
    // Delete only our own lock (it may have expired and been taken by another instance).
    await this.redis.eval(
      "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0",
      1,
      StockKeys.reconcilerLock,
      token,
    );
  }

  private async scanKeys(pattern: string): Promise<string[]> {
    const keys = new Set<string>();
    let cursor = '0';
    do {
      const [next, batch] = await this.redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1_000);
      for (const key of batch) keys.add(key);
      cursor = next;
    } while (cursor !== '0');
    return [...keys];
  }
}

function pairsToRecord(pairs: string[]): Record<string, string> {
  const record: Record<string, string> = {};
  for (let i = 0; i + 1 < pairs.length; i += 2) record[pairs[i]] = pairs[i + 1];
  return record;
}

/** Parses "userId|quantity|epochMs|priceCents|idempotencyKey" (see reserve-stock.lua). */
export function parseReservation(
  productId: string,
  orderId: string,
  entry: string,
): Reservation | undefined {
  const [userId, quantity, at, price, ...key] = entry.split('|');
  const parsed = {
    orderId,
    productId,
    userId: userId ?? '',
    quantity: Number(quantity),
    reservedAtMs: Number(at),
    unitPriceCents: Number(price),
    idempotencyKey: key.join('|') || null,
  };
  if (!/^[1-9][0-9]*$/.test(parsed.userId)) return undefined;
  if (!Number.isInteger(parsed.quantity) || parsed.quantity <= 0) return undefined;
  if (!Number.isFinite(parsed.reservedAtMs) || !Number.isInteger(parsed.unitPriceCents)) {
    return undefined;
  }
  return parsed;
}
