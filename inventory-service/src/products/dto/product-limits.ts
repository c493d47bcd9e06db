/** Bounds of product fields, shared by the DTOs and their OpenAPI description. */
export const ProductLimits = {
  nameMaxLength: 200,
  /** $10 billion in cents: far below 2^53, so prices stay exact as JSON numbers. */
  maxPriceCents: 1_000_000_000_000,
  /** Leaves room below MySQL's INT for units coming back from cancelled orders. */
  maxStock: 1_000_000_000,
  maxPerUser: 1_000_000,
} as const;

export const PRODUCT_ID_MESSAGE = 'productId must be 1-64 characters of A-Z a-z 0-9 _ -';
