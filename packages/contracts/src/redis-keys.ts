/**
 * Redis keys shared by inventory-service (which writes the catalogue and stock counters after
 * each MySQL commit) and order-service (which reserves stock on the hot path).
 *
 * Every key of one product carries the same hash tag `{productId}`, so a Lua script that touches
 * several of them stays in one Redis Cluster slot.
 */
export const RedisKeys = {
  /** The sellable stock counter (an integer string). Missing means "not loaded": never sell. */
  stock: (productId: string) => `stock:{${productId}}`,
  /** The catalogue entry order-service prices orders from: a hash, see {@link ProductHashFields}. */
  product: (productId: string) => `product:{${productId}}`,
  /**
   * A set of the catalogue's product ids, so listing stock reads it instead of SCANning the
   * keyspace. inventory-service adds and removes ids as it writes the catalogue; order-service's
   * reconciler adds every product it finds (ids from before the index, or after Redis lost it).
   * It may hold an id whose counter is gone (readers skip it), never miss a listed product long.
   */
  productIndex: 'catalogue:products',
} as const;

/** Fields of the `product:{id}` hash (all strings in Redis). */
export const ProductHashFields = {
  Name: 'name',
  PriceCents: 'priceCents',
  /** Absent or empty when the product has no per-user cap. */
  MaxPerUser: 'maxPerUser',
} as const;

/**
 * Redis pub/sub channel on which a product id is published whenever its stock changes by other
 * means than an order (admin change, restore, give-back), so order-service instances clear their
 * local "sold out" mark for it.
 */
export const STOCK_CHANGED_CHANNEL = 'stock-changed';
