import { Global, Logger, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { createLocalJWKSet, createRemoteJWKSet, type JSONWebKeySet } from 'jose';
import { APP_CONFIG } from '../config/config.module.js';
import type { BaseEnv } from '../config/env.schema.js';
import { jwksUrlOf } from './access-token.keys.js';
import { AccessTokenService } from './access-token.service.js';
import { JwtAuthGuard } from './jwt-auth.guard.js';

/**
 * The public keys of the service that signs the tokens itself (user-service provides them from
 * its own signing keys, in a global module): it then verifies without fetching its own JWK Set.
 */
export const LOCAL_ACCESS_TOKEN_KEYS = Symbol('LOCAL_ACCESS_TOKEN_KEYS');

/**
 * How long a fetched JWK Set is used before it is fetched again, and the least time between two
 * fetches (a token with an unknown `kid` triggers one: that is how a new key is learnt).
 */
const JWKS_CACHE_MAX_AGE_MS = 10 * 60_000;
const JWKS_COOLDOWN_MS = 30_000;
const JWKS_TIMEOUT_MS = 5_000;

/** Builds the verifier from the settings: a given key set, else user-service's, fetched. */
export function accessTokenServiceFor(
  config: BaseEnv,
  localKeys?: JSONWebKeySet,
  logger = new Logger('AuthModule'),
): AccessTokenService {
  const expectations = { issuer: config.JWT_ISSUER, audience: config.JWT_AUDIENCE };
  const given = localKeys ?? config.JWT_JWKS ?? config.JWT_JWKS_FILE;
  if (given) return new AccessTokenService(createLocalJWKSet(given), expectations);
  const url = config.JWT_JWKS_URL
    ? new URL(config.JWT_JWKS_URL)
    : jwksUrlOf(config.USER_SERVICE_URL);
  logger.log(`Access tokens are verified with the keys published at ${url.href}`);
  return new AccessTokenService(
    createRemoteJWKSet(url, {
      cacheMaxAge: JWKS_CACHE_MAX_AGE_MS,
      cooldownDuration: JWKS_COOLDOWN_MS,
      timeoutDuration: JWKS_TIMEOUT_MS,
    }),
    expectations,
  );
}

/** Registers the global JWT guard and the token verifier, from the JWT_* settings. */
@Global()
@Module({
  providers: [
    {
      provide: AccessTokenService,
      inject: [APP_CONFIG, { token: LOCAL_ACCESS_TOKEN_KEYS, optional: true }],
      useFactory: (config: BaseEnv, localKeys?: JSONWebKeySet) =>
        accessTokenServiceFor(config, localKeys),
    },
    { provide: APP_GUARD, useClass: JwtAuthGuard },
  ],
  exports: [AccessTokenService],
})
export class AuthModule {}
