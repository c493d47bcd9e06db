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
