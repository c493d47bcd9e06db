import { setTimeout as sleep } from 'node:timers/promises';
import type { DynamicModule } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { BaseEnv } from '../config/env.schema.js';
import { createApp } from '../http/create-app.js';
import type { ServiceInfo } from '../http/service-info.controller.js';

/**
 * Builds a service exactly as `main.ts` does, ready for `supertest(app.getHttpServer())` without
 * opening a port. The caller closes it.
 */
export async function createTestApp(
  module: DynamicModule,
  config: BaseEnv,
  info: ServiceInfo,
): Promise<NestFastifyApplication> {
  const app = await createApp(module, config, { info, description: `${info.name} (test)` });
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  return app;
}

/** Polls `check` until it returns a value other than `undefined`, or fails after `timeoutMs`. */
export async function eventually<T>(
  check: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 15_000,
  intervalMs = 50,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    await sleep(intervalMs);
  }
  throw new Error(
    `condition not met within ${timeoutMs} ms${lastError instanceof Error ? `: ${lastError.message}` : ''}`,
  );
}

export { RUN_NODE_TEST_TIMEOUT_MS, runNode, type ProcessOutcome } from './run-node.js';
export { describeOperationalEndpoints } from './operational-endpoints.js';
export { describeDependencyOutages } from './dependency-outages.js';
export { TestTokenIssuer, type TestTokenIssuerOptions } from './token-issuer.js';
export * from './consumer-group.js';
