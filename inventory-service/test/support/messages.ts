import { randomUUID } from 'node:crypto';
import type { InventoryRequest, InventoryRestore } from '@flash-sale/contracts';

export function inventoryRequest(
  productId: string,
  quantity = 1,
  orderId: string = randomUUID(),
): InventoryRequest {
  return {
    schemaVersion: 1,
    messageId: randomUUID(),
    orderId,
    userId: '42',
    productId,
    quantity,
    requestedAt: new Date().toISOString(),
  };
}

export function inventoryRestore(
  productId: string,
  quantity: number,
  orderId: string,
): InventoryRestore {
  return {
    schemaVersion: 1,
    messageId: randomUUID(),
    orderId,
    productId,
    quantity,
    requestedAt: new Date().toISOString(),
  };
}
