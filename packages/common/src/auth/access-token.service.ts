import { Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { Role, type AccessTokenClaims } from '@flash-sale/contracts';

const ROLES = new Set<string>(Object.values(Role));

/** Why a token was refused; never shown to clients beyond "invalid token". */
export class InvalidTokenError extends Error {
  override name = 'InvalidTokenError';
}

/** The claims of a verified token. */
export type VerifiedClaims = AccessTokenClaims & { iat: number; exp: number };

/**
 * How many verified tokens are remembered. A buyer sends the same token with every request of a
 * sale; remembering it spares the HMAC, base64 and JSON work of jsonwebtoken (about a tenth of
 * an order's CPU). Oldest first out; a few MB at most.
 */
const VERIFIED_CACHE_SIZE = 10_000;

/**
 * Signs and verifies access tokens: HS256 only (the algorithm is pinned on verify, so `alg: none`
 * and RS/HS confusion are refused), with issuer, audience and expiry checked.
 */
@Injectable()
export class AccessTokenService {
  /**
   * Tokens that passed {@link verify}, by their full text (signature included, so only a token
   * this service verified itself can match). Only the expiry can change the verdict later, and
   * it is checked on every hit.
   */
  private readonly verified = new Map<string, Readonly<VerifiedClaims>>();

  constructor(private readonly jwt: JwtService) {}

  /** Issues a token for the given claims; `expiresIn` and issuer come from the module settings. */
  async sign(claims: AccessTokenClaims): Promise<string> {
    const { sub, ...rest } = claims;
    return this.jwt.signAsync({ ...rest }, { subject: sub });
  }

  /** Returns the claims of a valid token or throws {@link InvalidTokenError}. */
  async verify(token: string): Promise<Readonly<VerifiedClaims>> {
    const known = this.verified.get(token);
    if (known) {
      // jsonwebtoken's rule: expired once the current second reaches `exp`.
      if (Math.floor(Date.now() / 1000) < known.exp) return known;
      this.verified.delete(token);
      throw new InvalidTokenError('jwt expired');
    }
    const claims = await this.verifyUncached(token);
    if (this.verified.size >= VERIFIED_CACHE_SIZE) {
      const oldest = this.verified.keys().next();
      if (!oldest.done) this.verified.delete(oldest.value);
    }
    this.verified.set(token, claims);
    return claims;
  }

  private async verifyUncached(token: string): Promise<Readonly<VerifiedClaims>> {
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
    return Object.freeze({ sub, username, role: role as Role, iat, exp });
  }
}
