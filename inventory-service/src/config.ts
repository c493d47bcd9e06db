import { baseEnvSchema, loadConfig } from '@flash-sale/common';
import { z } from 'zod';

/** inventory-service settings: the common ones. */
export const inventoryServiceEnvSchema = baseEnvSchema({
  port: 3003,
  database: 'inventory_service',
});

export type InventoryServiceConfig = z.infer<typeof inventoryServiceEnvSchema>;

export function loadInventoryServiceConfig(env?: NodeJS.ProcessEnv): InventoryServiceConfig {
  return loadConfig(inventoryServiceEnvSchema, { env });
}
