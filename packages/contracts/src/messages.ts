import { z } from 'zod';
import { orderIdSchema, productIdSchema, quantitySchema, userIdSchema } from './identifiers.js';
import { Topics, type Topic } from './topics.js';

/**
 * Every message carries `schemaVersion`; a consumer refuses (dead-letters) a version it does not
 * know instead of guessing. Bump it together with a schema change that old consumers cannot read.
 */
const schemaVersion = z.literal(1);
const isoTimestamp = z.iso.datetime({ offset: true });

/** Why inventory-service refused a deduction. */
export const InventoryFailureReason = {
  ProductNotFound: 'PRODUCT_NOT_FOUND',
  InsufficientStock: 'INSUFFICIENT_STOCK',
  /**
   * The deduction would take the buyer's units of the product (deducted and not restored) over
   * its per-user cap: the stock of record's backstop for a cap Redis lost track of.
   */
  PurchaseLimitExceeded: 'PURCHASE_LIMIT_EXCEEDED',
} as const;
export type InventoryFailureReason =
  (typeof InventoryFailureReason)[keyof typeof InventoryFailureReason];

/** `inventory-request`: deduct `quantity` of `productId` for `orderId` (idempotent per orderId). */
export const inventoryRequestSchema = z.strictObject({
  schemaVersion,
  messageId: z.uuid(),
  orderId: orderIdSchema,
  userId: userIdSchema,
  productId: productIdSchema,
  quantity: quantitySchema,
  requestedAt: isoTimestamp,
  /**
   * The per-user cap order-service applies to a product that sets none of its own
   * (ORDER_DEFAULT_MAX_PER_USER; 0 = none). inventory-service enforces the product's own cap, or
   * else this one, over the buyer's deducted units. Optional: a request from an order-service
   * that predates it is still accepted, and then only a product's own cap is enforced.
   */
  defaultMaxPerUser: z.number().int().min(0).max(1_000_000).optional(),
});
export type InventoryRequest = z.infer<typeof inventoryRequestSchema>;

/** `inventory-response`: the recorded outcome of one order's deduction. */
export const inventoryResponseSchema = z
  .strictObject({
    schemaVersion,
    orderId: orderIdSchema,
    productId: productIdSchema,
    quantity: quantitySchema,
    success: z.boolean(),
    reason: z
      .enum([
        InventoryFailureReason.ProductNotFound,
        InventoryFailureReason.InsufficientStock,
        InventoryFailureReason.PurchaseLimitExceeded,
      ])
      .optional(),
    processedAt: isoTimestamp,
  })
  .refine((m) => m.success === (m.reason === undefined), {
    message: 'a failed outcome carries a reason, a successful one does not',
    path: ['reason'],
  });
export type InventoryResponse = z.infer<typeof inventoryResponseSchema>;

/**
 * `inventory-restore`: put a cancelled order's units back into the stock of record. Idempotent per
 * orderId, and only effective for an order whose deduction succeeded.
 */
export const inventoryRestoreSchema = z.strictObject({
  schemaVersion,
  messageId: z.uuid(),
  orderId: orderIdSchema,
  productId: productIdSchema,
  quantity: quantitySchema,
  requestedAt: isoTimestamp,
});
export type InventoryRestore = z.infer<typeof inventoryRestoreSchema>;

/** What inventory-service's record says about a restored order. */
export const RestoreOutcome = {
  /** The units are back in the stock of record (now, or by an earlier copy of this restore). */
  Restored: 'RESTORED',
  /**
   * Nothing was deducted, so nothing goes back: inventory refused the order, or the restore came
   * before the request (then the order is recorded as cancelled and a late request deducts nothing).
   */
  NotDeducted: 'NOT_DEDUCTED',
  /** The units were deducted, but the product has been deleted since: nothing to give back to. */
  ProductDeleted: 'PRODUCT_DELETED',
} as const;
export type RestoreOutcome = (typeof RestoreOutcome)[keyof typeof RestoreOutcome];

/**
 * `inventory-restore-response`: the restore of `orderId` is settled in the stock of record; the
 * order-service may stop resending it. `restoredQuantity` is what went back (the recorded
 * quantity when `RESTORED`, else 0); `productId` and `quantity` are the order's as recorded.
 */
export const inventoryRestoreResponseSchema = z
  .strictObject({
    schemaVersion,
    orderId: orderIdSchema,
    productId: productIdSchema,
    quantity: quantitySchema,
    outcome: z.enum([
      RestoreOutcome.Restored,
      RestoreOutcome.NotDeducted,
      RestoreOutcome.ProductDeleted,
    ]),
    restoredQuantity: z.number().int().min(0).max(1_000_000),
    processedAt: isoTimestamp,
  })
  .refine(
    (m) =>
      m.outcome === RestoreOutcome.Restored
        ? m.restoredQuantity === m.quantity
        : m.restoredQuantity === 0,
    {
      message: 'a RESTORED answer gives back the quantity, any other gives back 0',
      path: ['restoredQuantity'],
    },
  );
export type InventoryRestoreResponse = z.infer<typeof inventoryRestoreResponseSchema>;

/** The schema that validates each topic's messages. */
export const messageSchemas = {
  [Topics.InventoryRequest]: inventoryRequestSchema,
  [Topics.InventoryResponse]: inventoryResponseSchema,
  [Topics.InventoryRestore]: inventoryRestoreSchema,
  [Topics.InventoryRestoreResponse]: inventoryRestoreResponseSchema,
} as const satisfies Record<Topic, z.ZodType>;

/** The message type of a topic. */
export type MessageOf<T extends Topic> = z.infer<(typeof messageSchemas)[T]>;
