import { generateKeyPair, exportJWK, calculateJwkThumbprint, SignJWT } from 'jose';
import type { CryptoKey, JSONWebKeySet, JWK, KeyObject } from 'jose';
import type { AccessTokenClaims } from '@flash-sale/contracts';

/**
 * Access tokens are signed with Ed25519 (JWS `alg: EdDSA`) and typed `at+jwt` (RFC 9068, so a
 * token of another kind signed by the same key is not taken for an access token). Verifiers pin
 * both: an HS256 token (whatever its secret), `alg: none` or an RS/HS confusion never verifies.
 */
export const ACCESS_TOKEN_ALGORITHM = 'EdDSA';
export const ACCESS_TOKEN_TYPE = 'at+jwt';

/**
 * Where user-service publishes its public keys: outside the `/api` prefix, where RFC 8615 puts
 * well-known URIs (every service's app leaves this route unprefixed).
 */
export const JWKS_ROUTE = '.well-known/jwks.json';
export const JWKS_PATH = `/${JWKS_ROUTE}`;

/** The JWK Set URL of a user-service at `baseUrl` (its origin; a path on it is ignored). */
export function jwksUrlOf(baseUrl: string): URL {
  return new URL(JWKS_PATH, baseUrl);
}

/** JWK members that only a private (or symmetric) key has: never in a published set. */
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'] as const;

/** Thrown for a key set that is not usable as configured; the message says why. */
export class KeySetError extends Error {
  override name = 'KeySetError';
}

function parseSet(text: string): JWK[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new KeySetError('is not JSON (expected a JWK Set: {"keys":[...]})');
  }
  const keys = (parsed as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(keys) || keys.length === 0) {
    throw new KeySetError('must be a JWK Set with at least one key: {"keys":[...]}');
  }
  return keys as JWK[];
}

function checkEd25519(jwk: JWK, index: number): void {
  if (jwk.kty !== 'OKP' || jwk.crv !== 'Ed25519' || typeof jwk.x !== 'string') {
    throw new KeySetError(`key ${index} is not an Ed25519 key (kty "OKP", crv "Ed25519", x)`);
  }
  if (typeof jwk.kid !== 'string' || jwk.kid.length === 0) {
    throw new KeySetError(`key ${index} has no "kid" (tokens name their key by it)`);
  }
  if (jwk.alg !== undefined && jwk.alg !== ACCESS_TOKEN_ALGORITHM) {
    throw new KeySetError(`key ${index} ("${jwk.kid}") is for alg "${jwk.alg}", not EdDSA`);
  }
}

function checkUniqueKids(keys: JWK[]): void {
  const kids = keys.map((k) => k.kid);
  const repeated = kids.find((kid, i) => kids.indexOf(kid) !== i);
  if (repeated !== undefined) throw new KeySetError(`kid "${repeated}" is used twice`);
}

/**
 * Reads the JWK Set a verifier is given (JWT_JWKS / JWT_JWKS_FILE): Ed25519 public keys with a
 * `kid`. A key with a private member is refused: a verifier must hold no signing key.
 */
export function parsePublicKeySet(text: string): JSONWebKeySet {
  const keys = parseSet(text);
  keys.forEach((jwk, index) => {
    checkEd25519(jwk, index);
    const secret = PRIVATE_MEMBERS.find((member) => member in jwk);
    if (secret) {
      throw new KeySetError(
        `key ${index} ("${jwk.kid}") has the private member "${secret}": give verifiers the public keys only`,
      );
    }
  });
  checkUniqueKids(keys);
  return { keys: keys.map(publicJwkOf) };
}

/**
 * Reads user-service's signing keys (JWT_PRIVATE_KEYS / JWT_PRIVATE_KEYS_FILE): Ed25519 private
 * JWKs with a `kid`. The first signs; all of them are published (key rotation).
 */
export function parsePrivateKeySet(text: string): JWK[] {
  const keys = parseSet(text);
  keys.forEach((jwk, index) => {
    checkEd25519(jwk, index);
    if (typeof jwk.d !== 'string') {
      throw new KeySetError(`key ${index} ("${jwk.kid}") has no private part "d"`);
    }
  });
  checkUniqueKids(keys);
  return keys;
}

/** The public half of an Ed25519 JWK: only the members a verifier needs. */
export function publicJwkOf(jwk: JWK): JWK {
  return { kty: 'OKP', crv: 'Ed25519', x: jwk.x, kid: jwk.kid, alg: 'EdDSA', use: 'sig' };
}

/** A new Ed25519 private JWK, named (`kid`) by its RFC 7638 thumbprint. */
export async function generateSigningJwk(): Promise<JWK> {
  const { privateKey } = await generateKeyPair(ACCESS_TOKEN_ALGORITHM, {
    crv: 'Ed25519',
    extractable: true,
  });
  const jwk = await exportJWK(privateKey);
  const kid = await calculateJwkThumbprint(jwk);
  return { ...jwk, kid, alg: ACCESS_TOKEN_ALGORITHM, use: 'sig' };
}

/** A key that signs access tokens. */
export interface SigningKey {
  kid: string;
  privateKey: CryptoKey | KeyObject;
}

export interface AccessTokenSettings {
  issuer: string;
  audience: string;
  expiresInSeconds: number;
}

/** Signs an access token as user-service issues it (tests use it to make the same tokens). */
export function signAccessToken(
  key: SigningKey,
  claims: AccessTokenClaims,
  settings: AccessTokenSettings,
): Promise<string> {
  const { sub, ...rest } = claims;
  return new SignJWT({ ...rest })
    .setProtectedHeader({ alg: ACCESS_TOKEN_ALGORITHM, typ: ACCESS_TOKEN_TYPE, kid: key.kid })
    .setSubject(sub)
    .setIssuer(settings.issuer)
    .setAudience(settings.audience)
    .setIssuedAt()
    .setExpirationTime(`${settings.expiresInSeconds}s`)
    .sign(key.privateKey);
}
