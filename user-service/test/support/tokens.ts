import { createHmac } from 'node:crypto';
import { TestTokenIssuer } from '@flash-sale/common/testing';

const base64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** Settings a crafted token is checked against. */
export interface TokenSettings {
  JWT_ISSUER: string;
  JWT_AUDIENCE: string;
}

/**
 * The key the suites' user-service signs with (given to it as JWT_PRIVATE_KEYS by
 * `startUserService`), so tests can also sign exactly the token they mean with it.
 */
export const TEST_SIGNING_KEY = new TestTokenIssuer();

/** An HS256 JWT signed by hand with `secret`: what no service may accept any more. */
export function hs256Token(payload: Record<string, unknown>, secret: string): string {
  const unsigned = `${base64url({ alg: 'HS256', typ: 'at+jwt' })}.${base64url(payload)}`;
  const signature = createHmac('sha256', secret).update(unsigned).digest('base64url');
  return `${unsigned}.${signature}`;
}

/** The payload of a JWT, unverified. */
export function payloadOf(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()) as Record<
    string,
    unknown
  >;
}

/** The header of a JWT, unverified. */
export function headerOf(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[0] ?? '', 'base64url').toString()) as Record<
    string,
    unknown
  >;
}

/**
 * Tokens that must all be refused, each for one reason, built from a valid token of a real user
 * and the service's settings.
 */
export function forgedTokens(validToken: string, settings: TokenSettings): [string, string][] {
  const now = Math.floor(Date.now() / 1_000);
  const claims = {
    ...payloadOf(validToken),
    iss: settings.JWT_ISSUER,
    aud: settings.JWT_AUDIENCE,
    iat: now - 60,
    exp: now + 600,
  };
  const [header, , signature] = validToken.split('.');
  const withoutRole: Record<string, unknown> = { ...claims };
  delete withoutRole.role;
  const key = TEST_SIGNING_KEY;
  const stranger = new TestTokenIssuer({ kid: key.kid });
  return [
    [
      'tampered (role changed to admin, signature kept)',
      `${header}.${base64url({ ...claims, role: 'admin' })}.${signature}`,
    ],
    ['truncated signature', validToken.slice(0, -4)],
    ['expired', key.forge({}, { ...claims, iat: now - 1_000, exp: now - 10 })],
    ['alg:none, unsigned', `${base64url({ alg: 'none', typ: 'at+jwt' })}.${base64url(claims)}.`],
    [
      'alg:none, with the original signature',
      `${base64url({ alg: 'none', typ: 'at+jwt' })}.${base64url(claims)}.${signature}`,
    ],
    ['HS256 with some secret', hs256Token(claims, 'another-secret-that-is-long-enough-to-pass')],
    ['HS256 with the public key as the secret', hs256Token(claims, String(key.jwks.keys[0]?.x))],
    ['signed by another Ed25519 key under the same kid', stranger.forge({}, claims)],
    ['signed by a key that is not published', new TestTokenIssuer().forge({}, claims)],
    ['typ JWT instead of at+jwt', key.forge({ typ: 'JWT' }, claims)],
    ['no typ', key.forge({ typ: undefined }, claims)],
    ['from another issuer', key.forge({}, { ...claims, iss: 'someone-else' })],
    ['for another audience', key.forge({}, { ...claims, aud: 'another-app' })],
    ['without a role claim', key.forge({}, withoutRole)],
    ['with an unknown role', key.forge({}, { ...claims, role: 'root' })],
    ['not a JWT at all', 'not-a-token'],
  ];
}
