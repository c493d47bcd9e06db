import { Inject, Injectable, Logger, OnModuleInit, Optional } from '@nestjs/common';
import { InjectRedis, type RedisClient } from '@flash-sale/common';
import { ProductHashFields } from '@flash-sale/contracts';
import { KnownSequences } from './known-sequences.js';
import { LuaScript, preloadScripts, settleAll } from './lua-script.js';
import { STOCK_SETTINGS, type StockSettings } from './stock-settings.js';
import { StockKeys } from './stock-keys.js';
import { announceStockChanged, isCatalogueLoaded } from './stock-redis.js';

/** What the reservation script decided. */
export type ReserveResult =
  | { kind: 'reserved'; remaining: number; unitPriceCents: number; sequence: number }
  | { kind: 'no-counter' }
  | { kind: 'not-ready' }
  /** Redis went back in time (older than a sequence already handed out): not sold from. */
  | { kind: 'stale'; sequence: number }
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

/**
 * `released` now, `already` released before, `no-counter` (missing: retry after the rebuild, or
 * the product is gone) or `not-ready` (being rebuilt or found stale: retry after the rebuild).
 */
export type ReleaseOutcome = 'released' | 'already' | 'no-counter' | 'not-ready';

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

/** Guards of give-backs outlive every retry path by far. */
const RELEASE_GUARD_TTL_SECONDS = 7 * 86_400;

/**
 * The hot path's side of the Redis stock: reserving units for an order, giving them back once,
 * and the reservation entries the settlement and the sweeper close. Every change is a Lua script
 * whose keys share the product's hash tag.
 */
@Injectable()
export class ReservationStore implements OnModuleInit {
  private readonly logger = new Logger(ReservationStore.name);
  private readonly scripts = {
    reserve: new LuaScript('reserve-stock'),
    release: new LuaScript('release-stock'),
    releaseUserUnits: new LuaScript('release-user-units'),
    markReady: new LuaScript('mark-ready'),
  };

  constructor(
    @InjectRedis() private readonly redis: RedisClient,
    @Optional() private readonly sequences: KnownSequences = new KnownSequences(),
    @Optional()
    @Inject(STOCK_SETTINGS)
    private readonly settings: Pick<StockSettings, 'defaultMaxPerUser'> = { defaultMaxPerUser: 0 },
  ) {}

  async onModuleInit(): Promise<void> {
    await preloadScripts(this.redis, Object.values(this.scripts), this.logger);
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
        StockKeys.sequence(productId),
        StockKeys.stale(productId),
      ],
      [
        request.orderId,
        userId,
        request.quantity,
        request.nowMs,
        request.fingerprint,
        request.idempotencyTtlSeconds,
        idempotencyKey ?? '',
        ProductHashFields.PriceCents,
        ProductHashFields.MaxPerUser,
        this.sequences.lowest(productId),
        this.settings.defaultMaxPerUser,
      ],
    )) as string[];
    switch (reply[0]) {
      case 'OK': {
        const sequence = Number(reply[3]);
        this.sequences.saw(productId, sequence);
        return {
          kind: 'reserved',
          remaining: Number(reply[1]),
          unitPriceCents: Number(reply[2]),
          sequence,
        };
      }
      case 'STALE':
        return { kind: 'stale', sequence: Number(reply[1]) };
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
    const replies = await this.scripts.release.runEach(
      this.redis,
      requests.map((r) => ({
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
      })),
    );
    return replies.map((reply) =>
      reply === 1
        ? 'released'
        : reply === 0
          ? 'already'
          : reply === -1
            ? 'no-counter'
            : 'not-ready',
    );
  }

  /**
   * Takes cancelled orders' units off their buyers' per-user totals (see
   * release-user-units.lua), for orders whose stock went back to Redis before their restore was
   * answered (cancelled by an earlier version); the caller makes it once per order. One round trip
   * for the lot.
   */
  async releaseUserUnits(
    orders: { userId: string; productId: string; quantity: number }[],
  ): Promise<void> {
    if (orders.length === 0) return;
    await this.scripts.releaseUserUnits.runEach(
      this.redis,
      orders.map((o) => ({
        keys: [
          StockKeys.bought(o.productId),
          StockKeys.stock(o.productId),
          StockKeys.ready(o.productId),
        ],
        args: [o.userId, o.quantity],
      })),
    );
  }

  /**
   * Forgets reservations whose order row now speaks for them (their units stay taken): confirmed,
   * already given back, or cancelled and waiting for its restore's answer (the row's give-back is
   * due: the reconciler counts it from there).
   */
  async dropReservations(orders: { orderId: string; productId: string }[]): Promise<void> {
    if (orders.length === 0) return;
    const byProduct = new Map<string, string[]>();
    // Pushed, not copied: a batch of answers holds thousands of orders of one product, and a
    // fresh array per order made this quadratic (most of the answer batch's garbage).
    for (const o of orders) {
      const ids = byProduct.get(o.productId);
      if (ids) ids.push(o.orderId);
      else byProduct.set(o.productId, [o.orderId]);
    }
    // Issued together, so auto-pipelining sends them in one write (per Cluster node).
    await settleAll(
      [...byProduct].map(([productId, ids]) =>
        this.redis.hdel(StockKeys.reservations(productId), ...ids),
      ),
    );
  }

  isCatalogueLoaded(): Promise<boolean> {
    return isCatalogueLoaded(this.redis);
  }

  /**
   * Marks a counter as matching MySQL (a new product's, set by inventory-service); false when the
   * product was found stale (only the reconciler's rebuild makes it sellable again).
   */
  async markReady(productId: string): Promise<boolean> {
    const reply = await this.scripts.markReady.run(
      this.redis,
      [StockKeys.ready(productId), StockKeys.stale(productId)],
      [],
    );
    return reply === 1;
  }

  /** Tells every order-service instance that these products' stock changed (clears sold-out marks). */
  publishStockChanged(productIds: Iterable<string>): Promise<void> {
    return announceStockChanged(this.redis, productIds);
  }

  /**
   * Every reservation entry of every product on sale (there are only as many as orders in
   * flight). The products come from the catalogue index, never from a keyspace SCAN, which on a
   * Redis Cluster would see one node's keys only. A product reserves only while its counter is
   * there, and every product with a counter is in the index: inventory-service adds it when it
   * writes the counter, and each reconciler pass adds every product MySQL lists (so an index lost
   * with Redis's data comes back before counters are rebuilt).
   */
  async readAllReservations(): Promise<Reservation[]> {
    const productIds = await this.redis.smembers(StockKeys.productIndex);
    const hashes = await Promise.allSettled(
      productIds.map((productId) => this.redis.hgetall(StockKeys.reservations(productId))),
    );
    const reservations: Reservation[] = [];
    for (const [i, productId] of productIds.entries()) {
      const result = hashes[i];
      // One product's read failing (its node failing over) leaves it to the next sweep.
      if (result?.status !== 'fulfilled') continue;
      for (const [orderId, entry] of Object.entries(result.value)) {
        const parsed = parseReservation(productId, orderId, entry);
        if (parsed) reservations.push(parsed);
      }
    }
    return reservations;
  }
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
