import { baseEnvSchema, loadConfig } from '@flash-sale/common';
import { z } from 'zod';

/** inventory-service settings: the common ones and its consumer group. */
export const inventoryServiceEnvSchema = baseEnvSchema(
  { port: 3003, database: 'inventory_service' },
  {
    /**
     * Consumer group of the inventory requests. Every instance of one deployment shares it; a
     * stack on the same broker whose numbers must be its own (a test reading this instance's
     * metrics) takes a group of its own, and then `latest`.
     */
    INVENTORY_KAFKA_GROUP_ID: z
      .string()
      .regex(/^[A-Za-z0-9._-]{1,200}$/, 'must be 1-200 characters of A-Z a-z 0-9 . _ -')
      .default('inventory-service'),
    /** Where a group with no committed offsets starts (see ORDER_KAFKA_START_FROM). */
    INVENTORY_KAFKA_START_FROM: z.enum(['earliest', 'latest']).default('earliest'),
  },
);

export type InventoryServiceConfig = z.infer<typeof inventoryServiceEnvSchema>;

export function loadInventoryServiceConfig(env?: NodeJS.ProcessEnv): InventoryServiceConfig {
  return loadConfig(inventoryServiceEnvSchema, { env });
}
