import { baseEnvSchema, loadConfig } from '@flash-sale/common';
import { z } from 'zod';

/** user-service settings: the common ones plus token lifetime and the bootstrap admin. */
export const userServiceEnvSchema = baseEnvSchema(
  { port: 3001, database: 'user_service' },
  {
    JWT_EXPIRES_IN_SECONDS: z.coerce.number().int().min(60).max(86_400).default(900),
    ADMIN_USERNAME: z.string().optional(),
    ADMIN_PASSWORD: z.string().optional(),
  },
);

export type UserServiceConfig = z.infer<typeof userServiceEnvSchema>;

export function loadUserServiceConfig(env?: NodeJS.ProcessEnv): UserServiceConfig {
  return loadConfig(userServiceEnvSchema, { env });
}
