import { jest } from '@jest/globals';
import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  createLocalJWKSet,
  createRemoteJWKSet,
  type JSONWebKeySet,
  type JWTVerifyGetKey,
} from 'jose';
import { Role } from '@flash-sale/contracts';
import { TestTokenIssuer } from '../testing/token-issuer.js';
import {
  AccessTokenService,
  InvalidTokenError,
  KeySetUnavailableError,
} from './access-token.service.js';

const EXPECTED = { issuer: 'iss-test', audience: 'aud-test' };
const b64url = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

function hs256(payload: object, secret: string): string {
  const unsigned = `${b64url({ alg: 'HS256', typ: 'at+jwt' })}.${b64url(payload)}`;
  return `${unsigned}.${createHmac('sha256', secret).update(unsigned).digest('base64url')}`;
}

/** A JWK Set served over HTTP whose content a test can change. */
async function serveKeySet(initial: JSONWebKeySet) {
  let current = initial;
  let fetches = 0;
  const server: Server = createServer((_req, res) => {
    fetches += 1;
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(current));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: new URL(`http://127.0.0.1:${port}/.well-known/jwks.json`),
    publish: (set: JSONWebKeySet) => (current = set),
    fetches: () => fetches,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe(AccessTokenService.name, () => {
  const issuer = new TestTokenIssuer(EXPECTED);
  const claims = { sub: '7', username: 'alice', role: Role.User };
  const now = () => Math.floor(Date.now() / 1000);
  const goodPayload = () => ({
    ...claims,
    iss: 'iss-test',
    aud: 'aud-test',
    iat: now(),
    exp: now() + 60,
  });
  const serviceFor = (set: JSONWebKeySet) =>
    new AccessTokenService(createLocalJWKSet(set), EXPECTED);

  afterEach(() => jest.useRealTimers());

  describe('verify', () => {
    it('accepts a token as user-service signs it and answers its claims', async () => {
      const verified = await serviceFor(issuer.jwks).verify(await issuer.sign(claims));
      expect(verified).toMatchObject(claims);
      expect(verified.exp).toBeGreaterThan(now());
    });

    it('accepts a token whose typ is the media type form application/at+jwt', async () => {
      const token = issuer.forge({ typ: 'application/at+jwt' }, goodPayload());
      await expect(serviceFor(issuer.jwks).verify(token)).resolves.toMatchObject(claims);
    });

    it('verifies a token once and answers its repeats from memory', async () => {
      const local = createLocalJWKSet(issuer.jwks);
      const keys = jest.fn<JWTVerifyGetKey>((header, token) => local(header, token));
      const tokens = new AccessTokenService(keys, EXPECTED);
      const token = await issuer.sign(claims);

      const first = await tokens.verify(token);
      const second = await tokens.verify(token);

      expect(second).toEqual(first);
      expect(keys).toHaveBeenCalledTimes(1);
    });

    it('refuses a remembered token once it has expired', async () => {
      const tokens = serviceFor(issuer.jwks);
      const exp = now() + 2;
      const token = issuer.forge({}, { ...goodPayload(), exp });
      await expect(tokens.verify(token)).resolves.toMatchObject(claims);

      jest.useFakeTimers({ now: exp * 1000 });
      await expect(tokens.verify(token)).rejects.toBeInstanceOf(InvalidTokenError);
    });

    it('never remembers a refused token', async () => {
      const local = createLocalJWKSet(issuer.jwks);
      const keys = jest.fn<JWTVerifyGetKey>((header, token) => local(header, token));
      const tokens = new AccessTokenService(keys, EXPECTED);
      const stranger = new TestTokenIssuer({ ...EXPECTED, kid: issuer.kid });
      const forged = await stranger.sign(claims);

      await expect(tokens.verify(forged)).rejects.toBeInstanceOf(InvalidTokenError);
      await expect(tokens.verify(forged)).rejects.toBeInstanceOf(InvalidTokenError);
      expect(keys).toHaveBeenCalledTimes(2);
    });

    it('does not take a token that differs only in its signature for a remembered one', async () => {
      const tokens = serviceFor(issuer.jwks);
      const token = await issuer.sign(claims);
      await tokens.verify(token);
      const tampered = `${token.slice(0, token.lastIndexOf('.'))}.${'A'.repeat(86)}`;

      await expect(tokens.verify(tampered)).rejects.toBeInstanceOf(InvalidTokenError);
    });

    it.each([
      ['HS256 signed with some secret', () => hs256(goodPayload(), 'x'.repeat(40))],
      [
        'HS256 signed with the public key as the secret (key confusion)',
        () => hs256(goodPayload(), String(issuer.jwks.keys[0]?.x)),
      ],
      ['alg none', () => `${b64url({ alg: 'none', typ: 'at+jwt' })}.${b64url(goodPayload())}.`],
      [
        'signed by an Ed25519 key that is not in the set (same kid)',
        () => new TestTokenIssuer({ ...EXPECTED, kid: issuer.kid }).forge({}, goodPayload()),
      ],
      [
        'signed by an Ed25519 key that is not in the set (its own kid)',
        () => new TestTokenIssuer(EXPECTED).forge({}, goodPayload()),
      ],
      ['typ JWT', () => issuer.forge({ typ: 'JWT' }, goodPayload())],
      ['no typ', () => issuer.forge({ typ: undefined }, goodPayload())],
      ['from another issuer', () => issuer.forge({}, { ...goodPayload(), iss: 'evil' })],
      ['for another audience', () => issuer.forge({}, { ...goodPayload(), aud: 'other' })],
      ['expired', () => issuer.forge({}, { ...goodPayload(), iat: now() - 120, exp: now() - 60 })],
      ['without exp', () => issuer.forge({}, { ...goodPayload(), exp: undefined })],
      ['without sub', () => issuer.forge({}, { ...goodPayload(), sub: undefined })],
      ['with an unknown role', () => issuer.forge({}, { ...goodPayload(), role: 'root' })],
      ['not a JWT', () => 'not-a-jwt'],
    ])('refuses a token %s', async (_label, makeToken) => {
      await expect(serviceFor(issuer.jwks).verify(makeToken())).rejects.toBeInstanceOf(
        InvalidTokenError,
      );
    });

    it('says the keys are unavailable (not that the token is bad) when the set cannot be fetched', async () => {
      const server = await serveKeySet(issuer.jwks);
      await server.close();
      const tokens = new AccessTokenService(
        createRemoteJWKSet(server.url, { timeoutDuration: 2_000 }),
        EXPECTED,
      );
      await expect(tokens.verify(await issuer.sign(claims))).rejects.toBeInstanceOf(
        KeySetUnavailableError,
      );
    });
  });

  describe('key rotation with a fetched JWK Set', () => {
    it('learns a new key on its first unknown kid and keeps accepting the old one', async () => {
      const oldKey = new TestTokenIssuer(EXPECTED);
      const newKey = new TestTokenIssuer(EXPECTED);
      const server = await serveKeySet(oldKey.jwks);
      try {
        const tokens = new AccessTokenService(
          createRemoteJWKSet(server.url, { cooldownDuration: 0, cacheMaxAge: 600_000 }),
          EXPECTED,
        );
        const beforeRotation = await oldKey.sign(claims);
        await expect(tokens.verify(beforeRotation)).resolves.toMatchObject(claims);
        expect(server.fetches()).toBe(1);

        // user-service rotates: the new key signs, the old one stays published.
        server.publish({ keys: [...newKey.jwks.keys, ...oldKey.jwks.keys] });
        const afterRotation = await newKey.sign({ ...claims, sub: '8' });

        await expect(tokens.verify(afterRotation)).resolves.toMatchObject({ sub: '8' });
        expect(server.fetches()).toBe(2);
        await expect(
          tokens.verify(await oldKey.sign({ ...claims, sub: '9' })),
        ).resolves.toMatchObject({ sub: '9' });
        await expect(tokens.verify(beforeRotation)).resolves.toMatchObject(claims);
        expect(server.fetches()).toBe(2);
      } finally {
        await server.close();
      }
    });
  });
});
