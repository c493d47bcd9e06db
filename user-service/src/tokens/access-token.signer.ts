import { Inject, Injectable } from '@nestjs/common';
import { InjectConfig, signAccessToken } from '@flash-sale/common';
import type { AccessTokenClaims } from '@flash-sale/contracts';
import type { UserServiceConfig } from '../config.js';
import { SigningKeyRing } from './signing-keys.js';

/** Issues access tokens with the ring's signing key (the only place that signs them). */
@Injectable()
export class AccessTokenSigner {
  constructor(
    @Inject(SigningKeyRing) private readonly keys: SigningKeyRing,
    @InjectConfig()
    private readonly config: Pick<
      UserServiceConfig,
      'JWT_ISSUER' | 'JWT_AUDIENCE' | 'JWT_EXPIRES_IN_SECONDS'
    >,
  ) {}

  sign(claims: AccessTokenClaims): Promise<string> {
    return signAccessToken(this.keys.signing, claims, {
      issuer: this.config.JWT_ISSUER,
      audience: this.config.JWT_AUDIENCE,
      expiresInSeconds: this.config.JWT_EXPIRES_IN_SECONDS,
    });
  }
}
