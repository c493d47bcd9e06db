import { randomUUID } from 'node:crypto';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { KafkaClient, KafkaConsumerService } from '@flash-sale/common';
import { createTestApp, TestTokenIssuer } from '@flash-sale/common/testing';
import { Role } from '@flash-sale/contracts';
import { AppModule, type AppModuleOverrides } from '../../src/app.module.js';
import { loadInventoryServiceConfig, type InventoryServiceConfig } from '../../src/config.js';
import { ProductsService } from '../../src/products/products.service.js';

export const info = { name: 'inventory-service', version: 'test' };

/**
 * The suites' stand-in for user-service's signing key: the app is given its public JWK Set
 * (JWT_JWKS) and {@link authHeaders} sign with it.
 */
export const SIGNING_KEY = new TestTokenIssuer();

export function testConfig(env: Record<string, string> = {}): InventoryServiceConfig {
  return loadInventoryServiceConfig({
    ...process.env,
    LOG_LEVEL: 'warn',
    JWT_JWKS: SIGNING_KEY.jwksJson,
    ...env,
  });
}

/**
 * The service as `main.ts` builds it, in its own consumer group starting at the newest offset, so
 * it neither replays old messages nor competes with a running instance for partitions.
 */
export async function startTestApp(
  env: Record<string, string> = {},
  overrides: Pick<AppModuleOverrides, 'withoutConsumers'> = {},
): Promise<NestFastifyApplication> {
  const config = testConfig(env);
  return createTestApp(
    AppModule.register(config, info, {
      ...overrides,
      kafka: { groupId: `inventory-service-test-${randomUUID()}`, startFrom: 'latest' },
    }),
    config,
    info,
  );
}

/** Resolves once the app's topics exist and its consumer has joined its group. */
export async function whenKafkaReady(app: NestFastifyApplication): Promise<void> {
  await app.get(KafkaClient).whenTopicsReady();
  await app.get(KafkaConsumerService).whenConsuming();
}

/** Bearer headers for an admin and for an ordinary user, signed with the suites' key. */
export async function authHeaders(_app?: NestFastifyApplication) {
  const admin = await SIGNING_KEY.sign({ sub: '1', username: 'test-admin', role: Role.Admin });
  const user = await SIGNING_KEY.sign({ sub: '2', username: 'test-user', role: Role.User });
  return {
    admin: { authorization: `Bearer ${admin}` },
    user: { authorization: `Bearer ${user}` },
  };
}

/** A product id no other test or run uses. */
export function uniqueProductId(label = 'P'): string {
  return `T-${label}-${randomUUID().slice(0, 18)}`;
}

/**
 * Deletes the products a suite created, through the service (so their Redis entries go too and
 * their ledger is closed), leaving the shared demo catalogue alone.
 */
export async function removeTestProducts(
  app: NestFastifyApplication,
  productIds: Iterable<string>,
): Promise<void> {
  const products = app.get(ProductsService);
  for (const productId of productIds) {
    if (!productId.startsWith('T-')) continue;
    await products.remove(productId, { userId: '1' }).catch(() => undefined);
  }
}
