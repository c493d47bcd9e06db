import { randomUUID } from 'node:crypto';
import {
  InventoryFailureReason,
  inventoryRequestSchema,
  inventoryResponseSchema,
  inventoryRestoreResponseSchema,
  inventoryRestoreSchema,
  messageSchemas,
  RestoreOutcome,
} from './messages.js';
import { Topics, deadLetterTopicOf } from './topics.js';

const validRequest = () => ({
  schemaVersion: 1,
  messageId: randomUUID(),
  orderId: randomUUID(),
  userId: '42',
  productId: 'SKU-1',
  quantity: 2,
  requestedAt: new Date().toISOString(),
});

describe('inventoryRequestSchema', () => {
  it('accepts a well-formed request', () => {
    expect(inventoryRequestSchema.safeParse(validRequest()).success).toBe(true);
  });

  it('accepts a request with the default per-user cap, and one without it (older senders)', () => {
    const withCap = { ...validRequest(), defaultMaxPerUser: 10 };
    expect(inventoryRequestSchema.parse(withCap).defaultMaxPerUser).toBe(10);
    expect(inventoryRequestSchema.parse(validRequest()).defaultMaxPerUser).toBeUndefined();
  });

  it.each([
    ['an unknown schema version', { schemaVersion: 2 }],
    ['a zero quantity', { quantity: 0 }],
    ['a fractional quantity', { quantity: 1.5 }],
    ['a quantity sent as a string', { quantity: '2' }],
    ['a product id with a space', { productId: 'SKU 1' }],
    ['a product id of 65 characters', { productId: 'x'.repeat(65) }],
    ['an order id that is not a UUID', { orderId: 'order-1' }],
    ['an order id in upper case', { orderId: randomUUID().toUpperCase() }],
    ['a user id that is not decimal', { userId: 'abc' }],
    ['a timestamp that is not ISO 8601', { requestedAt: 'yesterday' }],
    ['an unknown field', { extra: true }],
    ['a negative default cap', { defaultMaxPerUser: -1 }],
    ['a fractional default cap', { defaultMaxPerUser: 2.5 }],
  ])('refuses %s', (_label, change) => {
    expect(inventoryRequestSchema.safeParse({ ...validRequest(), ...change }).success).toBe(false);
  });
});

describe('inventoryResponseSchema', () => {
  const base = {
    schemaVersion: 1,
    orderId: randomUUID(),
    productId: 'SKU-1',
    quantity: 1,
    processedAt: new Date().toISOString(),
  };

  it('accepts a success without a reason and a failure with one', () => {
    expect(inventoryResponseSchema.safeParse({ ...base, success: true }).success).toBe(true);
    expect(
      inventoryResponseSchema.safeParse({
        ...base,
        success: false,
        reason: InventoryFailureReason.InsufficientStock,
      }).success,
    ).toBe(true);
  });

  it('accepts every failure reason, the per-user cap included', () => {
    for (const reason of Object.values(InventoryFailureReason)) {
      expect(inventoryResponseSchema.safeParse({ ...base, success: false, reason }).success).toBe(
        true,
      );
    }
  });

  it('refuses a failure without a reason and a success with one', () => {
    expect(inventoryResponseSchema.safeParse({ ...base, success: false }).success).toBe(false);
    expect(
      inventoryResponseSchema.safeParse({
        ...base,
        success: true,
        reason: InventoryFailureReason.ProductNotFound,
      }).success,
    ).toBe(false);
  });
});

describe('order ids', () => {
  it('are accepted in lower case only, on every topic that carries one', () => {
    const upper = randomUUID().toUpperCase();
    const response = {
      schemaVersion: 1,
      orderId: randomUUID(),
      productId: 'SKU-1',
      quantity: 1,
      success: true,
      processedAt: new Date().toISOString(),
    };
    expect(inventoryResponseSchema.safeParse(response).success).toBe(true);
    expect(inventoryResponseSchema.safeParse({ ...response, orderId: upper }).success).toBe(false);
    const restore = {
      schemaVersion: 1,
      messageId: randomUUID(),
      orderId: randomUUID(),
      productId: 'SKU-1',
      quantity: 1,
      requestedAt: new Date().toISOString(),
    };
    const answer = {
      schemaVersion: 1,
      orderId: randomUUID(),
      productId: 'SKU-1',
      quantity: 1,
      outcome: RestoreOutcome.Restored,
      restoredQuantity: 1,
      processedAt: new Date().toISOString(),
    };
    expect(inventoryRestoreSchema.safeParse(restore).success).toBe(true);
    expect(inventoryRestoreSchema.safeParse({ ...restore, orderId: upper }).success).toBe(false);
    expect(inventoryRestoreResponseSchema.safeParse(answer).success).toBe(true);
    expect(inventoryRestoreResponseSchema.safeParse({ ...answer, orderId: upper }).success).toBe(
      false,
    );
  });
});

describe('inventoryRestoreResponseSchema', () => {
  const base = {
    schemaVersion: 1,
    orderId: randomUUID(),
    productId: 'SKU-1',
    quantity: 3,
    processedAt: new Date().toISOString(),
  };

  it('accepts RESTORED with the quantity and the other outcomes with 0', () => {
    for (const answer of [
      { outcome: RestoreOutcome.Restored, restoredQuantity: 3 },
      { outcome: RestoreOutcome.NotDeducted, restoredQuantity: 0 },
      { outcome: RestoreOutcome.ProductDeleted, restoredQuantity: 0 },
    ]) {
      expect(inventoryRestoreResponseSchema.safeParse({ ...base, ...answer }).success).toBe(true);
    }
  });

  it.each([
    ['RESTORED with another quantity', { outcome: RestoreOutcome.Restored, restoredQuantity: 2 }],
    [
      'NOT_DEDUCTED giving units back',
      { outcome: RestoreOutcome.NotDeducted, restoredQuantity: 3 },
    ],
    ['an unknown outcome', { outcome: 'MAYBE', restoredQuantity: 0 }],
    ['a missing outcome', { restoredQuantity: 0 }],
    ['an unknown field', { outcome: RestoreOutcome.NotDeducted, restoredQuantity: 0, x: 1 }],
  ])('refuses %s', (_label, change) => {
    expect(inventoryRestoreResponseSchema.safeParse({ ...base, ...change }).success).toBe(false);
  });
});

describe('topics', () => {
  it('has a schema for every topic', () => {
    for (const topic of Object.values(Topics)) {
      expect(messageSchemas[topic]).toBeDefined();
    }
  });

  it('names the dead-letter topic after its source', () => {
    expect(deadLetterTopicOf(Topics.InventoryRequest)).toBe('inventory-request.dlq');
  });
});
