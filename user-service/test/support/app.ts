import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createTestApp } from '@flash-sale/common/testing';
import request from 'supertest';
import { AppModule } from '../../src/app.module.js';
import { loadUserServiceConfig, type UserServiceConfig } from '../../src/config.js';
import { LoginAttemptCounter } from '../../src/users/login-attempt-counter.js';
import { networkKeyOf } from '../../src/users/login-throttle.js';
import { TEST_SIGNING_KEY } from './tokens.js';

export const SERVICE_INFO = { name: 'user-service', version: 'test' };

/** Where the suites' requests come from. */
export const TEST_CLIENT_IP = '127.0.0.1';

export interface RunningService {
  app: NestFastifyApplication;
  config: UserServiceConfig;
  /** A client for this instance over real HTTP (so concurrent requests really are). */
  http: () => ReturnType<typeof request>;
  /** Forgets the failed logins counted against the test client's address. */
  resetClientNetwork: () => Promise<void>;
}

/**
 * Starts the service as `main.ts` does, with `env` on top of the process environment, listening
 * on a free port of 127.0.0.1. The caller closes `app`.
 */
export async function startUserService(env: Record<string, string> = {}): Promise<RunningService> {
  const config = loadUserServiceConfig({
    ...process.env,
    LOG_LEVEL: 'silent',
    JWT_PRIVATE_KEYS: JSON.stringify(TEST_SIGNING_KEY.privateJwkSet),
    ...env,
  });
  const app = await createTestApp(AppModule.register(config, SERVICE_INFO), config, SERVICE_INFO);
  await app.listen(0, TEST_CLIENT_IP);
  const url = await app.getUrl();
  return {
    app,
    config,
    http: () => request(url),
    resetClientNetwork: () => app.get(LoginAttemptCounter).reset(networkKeyOf(TEST_CLIENT_IP)),
  };
}
