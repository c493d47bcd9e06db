import { createSecretKey } from 'node:crypto';
import { Global, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { JwtModule } from '@nestjs/jwt';
import { APP_CONFIG } from '../config/config.module.js';
import type { BaseEnv } from '../config/env.schema.js';
import { AccessTokenService } from './access-token.service.js';
import { JwtAuthGuard } from './jwt-auth.guard.js';

/** Registers the global JWT guard and the token service, from JWT_* settings. */
@Global()
@Module({
  imports: [
    JwtModule.registerAsync({
      inject: [APP_CONFIG],
      useFactory: (config: BaseEnv & { JWT_EXPIRES_IN_SECONDS?: number }) => ({
        // A KeyObject, not a string: with a string jsonwebtoken first tries to parse it as a
        // public key on every verify, which cost ~40% of order-service's CPU. One `secret` for
        // signing and verifying: the deprecated `secretOrPrivateKey` made @nestjs/jwt log a
        // warning on every sign and verify (one log line per request).
        secret: createSecretKey(Buffer.from(config.JWT_SECRET)),
        signOptions: {
          algorithm: 'HS256',
          issuer: config.JWT_ISSUER,
          audience: config.JWT_AUDIENCE,
          expiresIn: config.JWT_EXPIRES_IN_SECONDS ?? 900,
        },
        verifyOptions: {
          algorithms: ['HS256'],
          issuer: config.JWT_ISSUER,
          audience: config.JWT_AUDIENCE,
        },
      }),
    }),
  ],
  providers: [AccessTokenService, { provide: APP_GUARD, useClass: JwtAuthGuard }],
  exports: [AccessTokenService],
})
export class AuthModule {}
