import { RedisKeys } from '@flash-sale/contracts';

/**
 * The Redis keys of the order pipeline. Every key of one product carries the hash tag
 * `{productId}` (as the shared {@link RedisKeys} do), so one Lua script may touch them all in a
 * Redis Cluster. The global keys (`productIndex`, `catalogueLoaded`, `reconcilerLock`) are
 * never used inside a script together with a product's keys.
 *
 * Nothing here is ever found by a keyspace SCAN (on a Cluster a node sees its own slots only):
 * the products are listed from `productIndex` (and the reconciler's from MySQL), and every other
 * key is named from a product id.
 */
export const StockKeys = {
  stock: RedisKeys.stock,
  product: RedisKeys.product,
  /** The set of catalogue product ids that `GET /api/stock` lists. */
  productIndex: RedisKeys.productIndex,
  /** Orders whose units are taken in Redis and not yet settled: orderId -> reservation entry. */
  reservations: (productId: string) => `reservations:{${productId}}`,
  /** Units each user holds of a product with a per-user cap: userId -> units. */
  bought: (productId: string) => `bought:{${productId}}`,
  /** An Idempotency-Key of one user for one product: "orderId|fingerprint". */
  idempotency: (productId: string, userId: string, key: string) =>
    `idem:{${productId}}:${userId}:${key}`,
  /** Stands in for the idempotency key in scripts when a request has none (never written). */
  noIdempotency: (productId: string) => `idem:{${productId}}:`,
  /**
   * Present while the counter is known to match MySQL: set by the reconciler when it has checked
   * or rebuilt the counter (and for a new product, whose counter inventory-service just set).
   * Nothing sells from a counter without it, so a counter that came back after Redis lost its
   * data (an admin delta applied to a missing key, say) is never trusted before it is rebuilt.
   */
  ready: (productId: string) => `stock-ready:{${productId}}`,
  /**
   * The product's reservation sequence: INCR'd by every reservation, whose order row keeps the
   * value (`orders.stock_seq`). Redis holding less than a value already handed out means it went
   * back in time (restored from an older snapshot, a lagging replica): see check-sequence.lua.
   */
  sequence: (productId: string) => `stock-seq:{${productId}}`,
  /**
   * Present while a product's Redis was found behind MySQL (its sequence below a recorded one):
   * its ready flag is gone and may not be set again but by the reconciler's rebuild.
   */
  stale: (productId: string) => `stock-stale:{${productId}}`,
  /**
   * inventory-service's record of the last admin change (its redis_outbox id) applied to the
   * product's counter (its `syncMarkerKey`); read by the reconciler to tell which queued changes
   * the counter already holds.
   */
  inventorySync: (productId: string) => `inventory-sync:{${productId}}`,
  /** Once-only guard of an order's give-back. */
  released: (productId: string, orderId: string) => `released:{${productId}}:${orderId}`,
  /**
   * Present once the counters were loaded from MySQL. A missing counter then means an unknown
   * product (404); without the marker (Redis restarted empty, FLUSHALL) it means "not rebuilt
   * yet" (503), and nothing sells until the reconciler has rebuilt it.
   */
  catalogueLoaded: 'stock:catalogue-loaded',
  /** Held by the instance running a reconciliation pass; its value is the holder's fence token. */
  reconcilerLock: 'stock:reconciler-lock',
  /** INCR'd for each lock taken: the fence tokens, which only grow. */
  reconcilerFence: 'stock:reconciler-fence',
  /**
   * The highest reconciler fence token that wrote the product's counter: a writer whose lock
   * expired (a paused process) and was taken by another holds a lower token and is refused.
   */
  fence: (productId: string) => `stock-fence:{${productId}}`,
  /**
   * The periodic reconciler's memory of the last pass (in Redis, so that it is shared by every
   * instance and survives a restart): productId -> drift seen, and the products found missing.
   * One hash tag, so both are replaced in one MULTI on a Redis Cluster too.
   */
  reconcilerDrift: 'stock:{reconciler}:drift',
  reconcilerMissing: 'stock:{reconciler}:missing',
} as const;

/** The product id inside a key such as `stock:{SKU-1}`. */
export function productIdOfKey(key: string): string | undefined {
  const open = key.indexOf('{');
  const close = key.indexOf('}', open + 1);
  return open >= 0 && close > open ? key.slice(open + 1, close) : undefined;
}
