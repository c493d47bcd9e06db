import { Global, Module } from '@nestjs/common';
import { APP_CONFIG, LOCAL_ACCESS_TOKEN_KEYS } from '@flash-sale/common';
import type { UserServiceConfig } from '../config.js';
import { AccessTokenSigner } from './access-token.signer.js';
import { JwksController } from './jwks.controller.js';
import { loadSigningKeys, SigningKeyRing } from './signing-keys.js';

/**
 * Signing keys, token issuing and the published JWK Set. Global so the common AuthModule finds
 * the local public keys (LOCAL_ACCESS_TOKEN_KEYS): user-service verifies its own routes' tokens
 * with the set it publishes, without fetching it from itself.
 */
@Global()
@Module({
  controllers: [JwksController],
  providers: [
    {
      provide: SigningKeyRing,
      inject: [APP_CONFIG],
      useFactory: (config: UserServiceConfig) => loadSigningKeys(config),
    },
    {
      provide: LOCAL_ACCESS_TOKEN_KEYS,
      inject: [SigningKeyRing],
      useFactory: (ring: SigningKeyRing) => ring.publicKeySet,
    },
    AccessTokenSigner,
  ],
  exports: [SigningKeyRing, LOCAL_ACCESS_TOKEN_KEYS, AccessTokenSigner],
})
export class TokensModule {}
