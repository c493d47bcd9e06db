import { createHmac } from 'node:crypto';

const base64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** Settings a crafted token is checked against. */
export interface TokenSettings {
  JWT_SECRET: string;
  JWT_ISSUER: string;
  JWT_AUDIENCE: string;
}

/** An HS256 JWT signed by hand, so tests can forge exactly the token they mean. */
export function signToken(
  payload: Record<string, unknown>,
  secret: string,
  header: Record<string, unknown> = { alg: 'HS256', typ: 'JWT' },
): string {
  const unsigned = `${base64url(header)}.${base64url(payload)}`;
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
  return [
    [
      'tampered (role changed to admin, signature kept)',
      `${header}.${base64url({ ...claims, role: 'admin' })}.${signature}`,
    ],
    ['truncated signature', validToken.slice(0, -4)],
    ['expired', signToken({ ...claims, iat: now - 1_000, exp: now - 10 }, settings.JWT_SECRET)],
    ['alg:none, unsigned', `${base64url({ alg: 'none', typ: 'JWT' })}.${base64url(claims)}.`],
    [
      'alg:none, with the original signature',
      `${base64url({ alg: 'none', typ: 'JWT' })}.${base64url(claims)}.${signature}`,
    ],
    [
      'HS512 instead of HS256',
      signToken(claims, settings.JWT_SECRET, { alg: 'HS512', typ: 'JWT' }),
    ],
    [
      'signed with another secret',
      signToken(claims, 'another-secret-that-is-long-enough-to-pass-checks'),
    ],
    ['from another issuer', signToken({ ...claims, iss: 'someone-else' }, settings.JWT_SECRET)],
    ['for another audience', signToken({ ...claims, aud: 'another-app' }, settings.JWT_SECRET)],
    ['without a role claim', signToken(withoutRole, settings.JWT_SECRET)],
    ['with an unknown role', signToken({ ...claims, role: 'root' }, settings.JWT_SECRET)],
    ['not a JWT at all', 'not-a-token'],
  ];
}
