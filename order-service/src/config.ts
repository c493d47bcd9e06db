import { baseEnvSchema, loadConfig } from '@flash-sale/common';
import { z } from 'zod';

/** order-service settings: the common ones plus where user-service lives (original layout). */
export const orderServiceEnvSchema = baseEnvSchema(
  { port: 3002, database: 'order_service' },
  {
    USER_SERVICE_URL: z.url().default('http://localhost:3001'),
  },
);

export type OrderServiceConfig = z.infer<typeof orderServiceEnvSchema>;

export function loadOrderServiceConfig(env?: NodeJS.ProcessEnv): OrderServiceConfig {
  return loadConfig(orderServiceEnvSchema, { env });
}
