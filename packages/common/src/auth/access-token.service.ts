import { errors, jwtVerify, type JWTVerifyGetKey } from 'jose';
import { Role, type AccessTokenClaims } from '@flash-sale/contracts';
import { ACCESS_TOKEN_ALGORITHM, ACCESS_TOKEN_TYPE } from './access-token.keys.js';

const ROLES = new Set<string>(Object.values(Role));

/** Why a token was refused; never shown to clients beyond "invalid token". */
export class InvalidTokenError extends Error {
  override name = 'InvalidTokenError';
}

/**
 * The keys to verify with could not be had (user-service's JWK Set did not answer in time, or
 * answered something that is no JWK Set): not the caller's fault, so not a 401.
 */
export class KeySetUnavailableError extends Error {
  override name = 'KeySetUnavailableError';
}

/**
 * What jose throws for a token that is wrong in itself; anything else (a fetch that failed, a
 * timeout, a JWK Set that does not parse) means the keys are unavailable.
 */
const TOKEN_FAULTS = [
  errors.JWTExpired,
  errors.JWTClaimValidationFailed,
  errors.JWTInvalid,
  errors.JWSInvalid,
  errors.JWSSignatureVerificationFailed,
  errors.JOSEAlgNotAllowed,
  errors.JOSENotSupported,
  errors.JWKSNoMatchingKey,
  errors.JWKSMultipleMatchingKeys,
  errors.JWKInvalid,
];

/** What a token is checked against besides its signature. */
export interface AccessTokenExpectations {
  issuer: string;
  audience: string;
}

/** The claims of a verified token. */
export type VerifiedClaims = AccessTokenClaims & { iat: number; exp: number };

/**
 * How many verified tokens are remembered. A buyer sends the same token with every request of a
 * sale; remembering it spares the signature check, base64 and JSON work (about a tenth of an
 * order's CPU with HS256; Ed25519 costs more). Oldest first out; a few MB at most.
 */
const VERIFIED_CACHE_SIZE = 10_000;

/**
 * Verifies access tokens against a set of public keys (user-service's JWK Set, fetched or given
 * by configuration): EdDSA only and `typ: at+jwt` (both pinned, so `alg: none`, HS256 with any
 * secret and tokens of another type are refused), with issuer, audience and expiry checked.
 * It holds no signing key: only user-service signs (see `signAccessToken`).
 */
export class AccessTokenService {
  /**
   * Tokens that passed {@link verify}, by their full text (signature included, so only a token
   * this service verified itself can match). Only the expiry can change the verdict later, and
   * it is checked on every hit.
   */
  private readonly verified = new Map<string, Readonly<VerifiedClaims>>();

  constructor(
    /** The public keys, by `kid` (jose's createLocalJWKSet or createRemoteJWKSet). */
    private readonly keys: JWTVerifyGetKey,
    private readonly expectations: AccessTokenExpectations,
  ) {}

  /**
   * Returns the claims of a valid token; throws {@link InvalidTokenError} for a token that is
   * not, {@link KeySetUnavailableError} when the keys to decide could not be had.
   */
  async verify(token: string): Promise<Readonly<VerifiedClaims>> {
    const known = this.verified.get(token);
    if (known) {
      // jose's rule (clock tolerance 0): expired once the current second reaches `exp`.
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
      ({ payload } = await jwtVerify(token, this.keys, {
        algorithms: [ACCESS_TOKEN_ALGORITHM],
        typ: ACCESS_TOKEN_TYPE,
        issuer: this.expectations.issuer,
        audience: this.expectations.audience,
        requiredClaims: ['sub', 'iat', 'exp'],
      }));
    } catch (error) {
      if (TOKEN_FAULTS.some((fault) => error instanceof fault)) {
        throw new InvalidTokenError((error as Error).message);
      }
      throw new KeySetUnavailableError((error as Error).message, { cause: error });
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
