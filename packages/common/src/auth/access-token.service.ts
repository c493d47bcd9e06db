import { Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { Role, type AccessTokenClaims } from '@flash-sale/contracts';

const ROLES = new Set<string>(Object.values(Role));

/** Why a token was refused; never shown to clients beyond "invalid token". */
export class InvalidTokenError extends Error {
  override name = 'InvalidTokenError';
}

/**
 * Signs and verifies access tokens: HS256 only (the algorithm is pinned on verify, so `alg: none`
 * and RS/HS confusion are refused), with issuer, audience and expiry checked.
 */
@Injectable()
export class AccessTokenService {
  constructor(private readonly jwt: JwtService) {}

  /** Issues a token for the given claims; `expiresIn` and issuer come from the module settings. */
  async sign(claims: AccessTokenClaims): Promise<string> {
    const { sub, ...rest } = claims;
    return this.jwt.signAsync({ ...rest }, { subject: sub });
  }

  /** Returns the claims of a valid token or throws {@link InvalidTokenError}. */
  async verify(token: string): Promise<AccessTokenClaims & { iat: number; exp: number }> {
    let payload: Record<string, unknown>;
    try {
      payload = await this.jwt.verifyAsync<Record<string, unknown>>(token, {
        algorithms: ['HS256'],
      });
    } catch (error) {
      throw new InvalidTokenError((error as Error).message);
    }
    const { sub, username, role, iat, exp } = payload;
    if (
      typeof sub !== 'string' ||
      typeof username !== 'string' ||
      typeof role !== 'string' ||
      !ROLES.has(role) ||
      typeof iat !== 'number' ||
      typeof exp !== 'number'
    ) {
      throw new InvalidTokenError('token claims are incomplete');
    }
    return { sub, username, role: role as Role, iat, exp };
  }
}
