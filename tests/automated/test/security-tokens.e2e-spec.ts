import {
  createHmac,
  createPrivateKey,
  generateKeyPairSync,
  sign,
  type KeyObject,
} from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from '@jest/globals';
import { createUser, jwtPart, type TestUser, users } from './support/fixtures.js';
import { request } from './support/http.js';
import { INVENTORY_URL, ORDER_URL, USER_URL } from './support/env.js';

/**
 * Access tokens are EdDSA (Ed25519) JWTs typed at+jwt, signed by user-service alone and checked
 * by every service against the public keys user-service publishes (GET /.well-known/jwks.json).
 *
 * Tokens are made by hand here: the point is to make them wrong in exactly one respect. Those that
 * must be signed by the real key use user-service's development key from the repository's cache
 * (.cache/keys, where user-service generates it at first start; JWT_PRIVATE_KEYS_FILE names
 * another key file), and a correct token made with it is shown accepted first.
 */

const ROOT = resolve(import.meta.dirname, '..', '..', '..');

const b64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

function ed25519(header: Record<string, unknown>, payload: unknown, key: KeyObject): string {
  const unsigned = `${b64url(header)}.${b64url(payload)}`;
  return `${unsigned}.${sign(null, Buffer.from(unsigned), key).toString('base64url')}`;
}

function hs256(payload: unknown, secret: string | Buffer): string {
  const unsigned = `${b64url({ alg: 'HS256', typ: 'JWT' })}.${b64url(payload)}`;
  return `${unsigned}.${createHmac('sha256', secret).update(unsigned).digest('base64url')}`;
}

interface Jwk {
  kty: string;
  kid: string;
  x: string;
  d?: string;
  [member: string]: unknown;
}

/**
 * One guarded route per service and what it answers a user's token that is accepted: the token
 * check comes first, so anything but 401 means the token passed.
 */
const GUARDED = [
  { service: 'user-service', url: `${USER_URL}/api/users/profile`, accepted: 200 },
  { service: 'order-service', url: `${ORDER_URL}/api/orders`, accepted: 200 },
  // A user is not an admin: 403 once the token is accepted.
  {
    service: 'inventory-service',
    url: `${INVENTORY_URL}/api/inventory/SKU-1/ledger`,
    accepted: 403,
  },
] as const;

async function statusesFor(token: string): Promise<Record<string, number>> {
  const answers = await Promise.all(
    GUARDED.map(async (route) => [
      route.service,
      (await request('GET', route.url, { token })).status,
    ]),
  );
  return Object.fromEntries(answers) as Record<string, number>;
}

const ACCEPTED = Object.fromEntries(GUARDED.map((r) => [r.service, r.accepted]));
const REFUSED = Object.fromEntries(GUARDED.map((r) => [r.service, 401]));

describe('security: access tokens', () => {
  let user: TestUser;
  let published: Jwk[];
  /** The claims of a real token of `user`, with fresh times. */
  let claims: () => Record<string, unknown>;

  beforeAll(async () => {
    user = await createUser();
    const jwks = await request('GET', `${USER_URL}/.well-known/jwks.json`);
    expect(jwks.status).toBe(200);
    published = jwks.body.keys as Jwk[];
    const real = jwtPart(user.token, 1);
    claims = () => {
      const now = Math.floor(Date.now() / 1000);
      return { ...real, iat: now, exp: now + 300 };
    };
  });

  describe('GET /.well-known/jwks.json', () => {
    it('publishes Ed25519 public keys only, each with its kid, cacheable', async () => {
      const res = await request('GET', `${USER_URL}/.well-known/jwks.json`);

      expect(res.headers.get('cache-control')).toMatch(/public/);
      expect(published.length).toBeGreaterThan(0);
      for (const key of published) {
        expect(key).toEqual(
          expect.objectContaining({ kty: 'OKP', crv: 'Ed25519', kid: expect.any(String) }),
        );
        for (const secret of ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k']) {
          expect(key).not.toHaveProperty(secret);
        }
      }
    });

    it('is not served under /api', async () => {
      expect((await request('GET', `${USER_URL}/api/.well-known/jwks.json`)).status).toBe(404);
    });
  });

  it('user-service issues EdDSA at+jwt tokens named by a published kid, with iss, aud and exp', () => {
    const header = jwtPart(user.token, 0);
    expect(header).toEqual({ alg: 'EdDSA', typ: 'at+jwt', kid: expect.any(String) });
    expect(published.map((k) => k.kid)).toContain(header.kid);
    expect(jwtPart(user.token, 1)).toEqual(
      expect.objectContaining({
        sub: user.id,
        iss: expect.any(String),
        aud: expect.any(String),
        exp: expect.any(Number),
      }),
    );
  });

  it('every service accepts the real token (so the refusals below mean something)', async () => {
    expect(await statusesFor(user.token)).toEqual(ACCEPTED);
  });

  it.each<[string, () => string | Buffer]>([
    ['a random secret', () => 'a-secret-nobody-configured-0123456789abcdef'],
    ['the old development secret', () => 'development-only-secret-do-not-use-in-production'],
    ['the published public key (key confusion)', () => Buffer.from(published[0].x, 'base64url')],
    ['the published JWK as text', () => JSON.stringify(published[0])],
  ])('every service refuses an HS256 token signed with %s', async (_label, secret) => {
    expect(await statusesFor(hs256(claims(), secret()))).toEqual(REFUSED);
  });

  it.each<[string, () => string]>([
    ['a published kid', () => published[0].kid],
    ['a kid of its own', () => 'a-key-nobody-published'],
  ])(
    'every service refuses a token of an Ed25519 key not in the set, under %s',
    async (_l, kid) => {
      const { privateKey } = generateKeyPairSync('ed25519');
      const token = ed25519({ alg: 'EdDSA', typ: 'at+jwt', kid: kid() }, claims(), privateKey);
      expect(await statusesFor(token)).toEqual(REFUSED);
    },
  );

  it('every service refuses alg none', async () => {
    const token = `${b64url({ alg: 'none', typ: 'at+jwt' })}.${b64url(claims())}.`;
    expect(await statusesFor(token)).toEqual(REFUSED);
  });

  describe('tokens signed with the real key but wrong in one claim', () => {
    let key: KeyObject;
    let kid: string;
    const sign = (header: Record<string, unknown>, payload: Record<string, unknown>) =>
      ed25519({ alg: 'EdDSA', typ: 'at+jwt', kid, ...header }, payload, key);

    beforeAll(() => {
      const file =
        process.env.JWT_PRIVATE_KEYS_FILE ?? join(ROOT, '.cache', 'keys', 'access-token-keys.json');
      if (!existsSync(file)) {
        throw new Error(
          `${file} is missing: these tests sign with user-service's development key (run them against services they start, or set JWT_PRIVATE_KEYS_FILE)`,
        );
      }
      const [jwk] = (JSON.parse(readFileSync(file, 'utf8')) as { keys: Jwk[] }).keys;
      if (!published.some((k) => k.kid === jwk.kid)) {
        throw new Error(
          `the key in ${file} (kid ${jwk.kid}) is not the one the running user-service publishes`,
        );
      }
      key = createPrivateKey({ key: jwk, format: 'jwk' });
      kid = jwk.kid;
    });

    it('a correct token made with it is accepted everywhere', async () => {
      expect(await statusesFor(sign({}, claims()))).toEqual(ACCEPTED);
    });

    it.each<[string, Record<string, unknown>, (c: Record<string, unknown>) => unknown]>([
      ['typ JWT', { typ: 'JWT' }, (c) => c],
      ['no typ', { typ: undefined }, (c) => c],
      ['another issuer', {}, (c) => ({ ...c, iss: 'https://evil.example' })],
      ['another audience', {}, (c) => ({ ...c, aud: 'another-app' })],
      ['no audience', {}, (c) => ({ ...c, aud: undefined })],
      [
        'an expiry in the past',
        {},
        (c) => ({ ...c, iat: Number(c.iat) - 600, exp: Number(c.iat) - 60 }),
      ],
      ['no expiry', {}, (c) => ({ ...c, exp: undefined })],
    ])('every service refuses %s', async (_label, header, payload) => {
      expect(await statusesFor(sign(header, payload(claims()) as Record<string, unknown>))).toEqual(
        REFUSED,
      );
    });
  });

  it('a refused token gets 401 with the invalid_token challenge, not a server error', async () => {
    const res = await users.get('/api/users/profile', { token: hs256(claims(), 'x') });
    expect(res.status).toBe(401);
    expect(res.body.code).toBe('UNAUTHORIZED');
    expect(res.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
  });
});
