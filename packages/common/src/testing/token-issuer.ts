import { generateKeyPairSync, randomUUID, sign, type KeyObject } from 'node:crypto';
import { createLocalJWKSet, type JSONWebKeySet, type JWK } from 'jose';
import type { AccessTokenClaims } from '@flash-sale/contracts';
import {
  ACCESS_TOKEN_ALGORITHM,
  ACCESS_TOKEN_TYPE,
  publicJwkOf,
  signAccessToken,
} from '../auth/access-token.keys.js';
import { AccessTokenService } from '../auth/access-token.service.js';

const base64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

export interface TestTokenIssuerOptions {
  issuer?: string;
  audience?: string;
  /** The `kid`; a fresh one by default. */
  kid?: string;
}

/**
 * A signing key of a test's own, standing in for user-service's: a suite gives the services the
 * public set ({@link jwksJson}, as JWT_JWKS) and signs tokens with the private key. Each instance
 * is a new Ed25519 key, so an issuer whose set was not given to a service is a stranger to it.
 */
export class TestTokenIssuer {
  readonly kid: string;
  readonly issuer: string;
  readonly audience: string;
  private readonly privateKey: KeyObject;
  private readonly privateJwk: JWK;

  constructor(options: TestTokenIssuerOptions = {}) {
    const { privateKey } = generateKeyPairSync('ed25519');
    this.privateKey = privateKey;
    this.kid = options.kid ?? `test-${randomUUID()}`;
    this.issuer = options.issuer ?? 'flash-sale-user-service';
    this.audience = options.audience ?? 'flash-sale';
    this.privateJwk = { ...(privateKey.export({ format: 'jwk' }) as JWK), kid: this.kid };
  }

  /** The public JWK Set (what user-service would publish). */
  get jwks(): JSONWebKeySet {
    return { keys: [publicJwkOf(this.privateJwk)] };
  }

  /** {@link jwks} as JSON, for JWT_JWKS. */
  get jwksJson(): string {
    return JSON.stringify(this.jwks);
  }

  /** The private JWK (for user-service's JWT_PRIVATE_KEYS, inside a set). */
  get privateJwkSet(): JSONWebKeySet {
    return { keys: [this.privateJwk] };
  }

  /** A verifier that knows this key only, expecting this issuer and audience. */
  verifier(): AccessTokenService {
    return new AccessTokenService(createLocalJWKSet(this.jwks), {
      issuer: this.issuer,
      audience: this.audience,
    });
  }

  /** A token exactly as user-service issues one (same code path). */
  sign(claims: AccessTokenClaims, expiresInSeconds = 3_600): Promise<string> {
    return signAccessToken({ kid: this.kid, privateKey: this.privateKey }, claims, {
      issuer: this.issuer,
      audience: this.audience,
      expiresInSeconds,
    });
  }

  /**
   * The same token, made synchronously (for suites that build requests in one expression). The
   * JWS is assembled here rather than by jose, whose signing is asynchronous only; `forge` uses
   * the same code to make tokens wrong in exactly one respect.
   */
  signSync(claims: AccessTokenClaims, expiresInSeconds = 3_600): string {
    const now = Math.floor(Date.now() / 1_000);
    const { sub, ...rest } = claims;
    return this.forge(
      {},
      { ...rest, sub, iss: this.issuer, aud: this.audience, iat: now, exp: now + expiresInSeconds },
    );
  }

  /**
   * A JWS signed with this key, with the given header members over the right ones (`alg`, `typ`,
   * `kid`) and exactly the given payload.
   */
  forge(header: Record<string, unknown>, payload: Record<string, unknown>): string {
    const unsigned = `${base64url({ alg: ACCESS_TOKEN_ALGORITHM, typ: ACCESS_TOKEN_TYPE, kid: this.kid, ...header })}.${base64url(payload)}`;
    // Ed25519 takes no digest name (null): the algorithm is the key's.
    return `${unsigned}.${sign(null, Buffer.from(unsigned), this.privateKey).toString('base64url')}`;
  }
}
