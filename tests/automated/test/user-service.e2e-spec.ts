import { createHmac } from 'node:crypto';
import { beforeAll, describe, expect, it } from '@jest/globals';
import { ADMIN_PASSWORD, ADMIN_USERNAME, SERVICES } from './support/env.js';
import {
  createUser,
  expectError,
  expectValidationError,
  jwtPart,
  newUserInput,
  uniqueId,
  users,
  type TestUser,
} from './support/fixtures.js';
import { HOSTILE_BODIES } from './support/hostile-bodies.js';
import { describeOperationalEndpoints } from './support/operational.js';

const ISO_DATE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

/** An HS256 token with the right claims (no service accepts HS256, whatever the secret). */
function forgedToken(claims: Record<string, unknown>): string {
  const encode = (part: object) => Buffer.from(JSON.stringify(part)).toString('base64url');
  const unsigned = `${encode({ alg: 'HS256', typ: 'JWT' })}.${encode(claims)}`;
  const signature = createHmac('sha256', 'not-the-secret-of-these-services-at-all')
    .update(unsigned)
    .digest('base64url');
  return `${unsigned}.${signature}`;
}

describe('user-service', () => {
  describeOperationalEndpoints(SERVICES[0]);

  describe('POST /api/users/register', () => {
    it('creates a user with the role user and answers without any password or hash', async () => {
      const input = newUserInput();
      const res = await users.post('/api/users/register', { json: input });
      expect(res.status).toBe(201);
      expect(res.body).toEqual({
        id: expect.stringMatching(/^[1-9][0-9]*$/),
        username: input.username,
        email: input.email,
        role: 'user',
        createdAt: expect.stringMatching(ISO_DATE),
      });
      expect(res.text).not.toContain(input.password);
      expect(res.text).not.toMatch(/argon2|hash/i);
    });

    it('answers 409 USERNAME_TAKEN for a taken username, whatever its case', async () => {
      const first = newUserInput();
      expect((await users.post('/api/users/register', { json: first })).status).toBe(201);
      const again = { ...newUserInput(), username: first.username };
      expectError(await users.post('/api/users/register', { json: again }), 409, 'USERNAME_TAKEN');
      const upper = { ...newUserInput(), username: first.username.toUpperCase() };
      expectError(await users.post('/api/users/register', { json: upper }), 409, 'USERNAME_TAKEN');
    });

    it('answers 409 EMAIL_TAKEN for a taken email, whatever its case', async () => {
      const first = newUserInput();
      expect((await users.post('/api/users/register', { json: first })).status).toBe(201);
      const again = { ...newUserInput(), email: first.email };
      expectError(await users.post('/api/users/register', { json: again }), 409, 'EMAIL_TAKEN');
      const upper = { ...newUserInput(), email: first.email.toUpperCase() };
      expectError(await users.post('/api/users/register', { json: upper }), 409, 'EMAIL_TAKEN');
    });

    it('never lets a registration choose its role', async () => {
      const res = await users.post('/api/users/register', {
        json: { ...newUserInput(), role: 'admin' },
      });
      expectValidationError(res, ['role']);
    });

    it('lists every bad field at once', async () => {
      const res = await users.post('/api/users/register', { json: {} });
      expectValidationError(res, ['username', 'email', 'password']);
      expect(res.body.message.length).toBeGreaterThanOrEqual(3);
    });

    it('refuses unknown fields, naming them', async () => {
      const res = await users.post('/api/users/register', {
        json: { ...newUserInput(), nickname: 'x', extra: 1 },
      });
      expectValidationError(res, ['nickname', 'extra']);
    });

    it.each([
      ['a number as username', { username: 12345 }, 'username'],
      ['a number as password', { password: 123456789 }, 'password'],
      ['an array as email', { email: ['a@example.com'] }, 'email'],
      ['null as username', { username: null }, 'username'],
      ['an email without a domain', { email: 'someone@' }, 'email'],
      ['an email without a TLD', { email: 'someone@localhost' }, 'email'],
      ['a username with a space', { username: 'two words' }, 'username'],
      ['a username with a non-ASCII letter', { username: 'josé_1' }, 'username'],
    ])('refuses %s with 400', async (_label, change, field) => {
      const res = await users.post('/api/users/register', {
        json: { ...newUserInput(), ...change },
      });
      expectValidationError(res, [field]);
    });

    describe('length bounds', () => {
      const username = (length: number) => {
        const base = uniqueId('b');
        return (base + '_'.repeat(length)).slice(0, length).padEnd(length, 'x');
      };

      it('refuses a username of 2 characters and one of 33', async () => {
        for (const length of [2, 33]) {
          const res = await users.post('/api/users/register', {
            json: { ...newUserInput(), username: username(length) },
          });
          expectValidationError(res, ['username']);
        }
      });

      it('accepts a username of 3 characters and one of 32', async () => {
        // Three characters leave no room for a run id: a random one, retried if it is taken.
        let short = 201;
        for (let attempt = 0; attempt < 5; attempt++) {
          const name = Math.random().toString(36).slice(2, 5).padEnd(3, 'z');
          const res = await users.post('/api/users/register', {
            json: { ...newUserInput(), username: name },
          });
          short = res.status;
          if (res.status !== 409) break;
        }
        expect(short).toBe(201);
        const long = username(32);
        const res = await users.post('/api/users/register', {
          json: { ...newUserInput(), username: long },
        });
        expect(res.status).toBe(201);
        expect(res.body.username).toBe(long);
      });

      it('refuses a password of 7 characters and one of 129', async () => {
        for (const length of [7, 129]) {
          const res = await users.post('/api/users/register', {
            json: { ...newUserInput(), password: 'p'.repeat(length) },
          });
          expectValidationError(res, ['password']);
        }
      });

      it('accepts a password of 8 characters and one of 128, and both sign in', async () => {
        for (const length of [8, 128]) {
          const input = { ...newUserInput(), password: 'p'.repeat(length) };
          expect((await users.post('/api/users/register', { json: input })).status).toBe(201);
          const login = await users.post('/api/users/login', {
            json: { username: input.username, password: input.password },
          });
          expect(login.status).toBe(200);
        }
      });
    });

    it.each(HOSTILE_BODIES)(
      'answers %s to register and login with a 4xx, never a 500',
      async (_label, raw) => {
        for (const path of ['/api/users/register', '/api/users/login', '/api/users/verify']) {
          const res = await users.post(path, {
            raw,
            headers: { 'content-type': 'application/json' },
          });
          expect({ path, status: res.status >= 400 && res.status < 500 }).toEqual({
            path,
            status: true,
          });
          expect(res.body).toEqual(
            expect.objectContaining({ statusCode: res.status, code: expect.any(String) }),
          );
        }
      },
    );

    it('answers malformed JSON with 400 MALFORMED_JSON', async () => {
      const res = await users.post('/api/users/register', {
        raw: '{"username": "abc",',
        headers: { 'content-type': 'application/json' },
      });
      expectError(res, 400, 'MALFORMED_JSON');
    });

    it('answers an oversized body with 413 PAYLOAD_TOO_LARGE', async () => {
      const res = await users.post('/api/users/register', {
        json: { ...newUserInput(), password: 'p'.repeat(100_000) },
      });
      expectError(res, 413, 'PAYLOAD_TOO_LARGE');
    });

    it('answers a body that is not JSON with 415 UNSUPPORTED_MEDIA_TYPE', async () => {
      const res = await users.post('/api/users/register', {
        raw: '<user><username>abc</username></user>',
        headers: { 'content-type': 'application/xml' },
      });
      expectError(res, 415, 'UNSUPPORTED_MEDIA_TYPE');
    });
  });

  describe('POST /api/users/login', () => {
    let user: TestUser;
    beforeAll(async () => {
      user = await createUser();
    });

    it('answers a Bearer EdDSA token with sub, username, role and exp', async () => {
      const res = await users.post('/api/users/login', {
        json: { username: user.username, password: user.password },
      });
      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        accessToken: expect.any(String),
        tokenType: 'Bearer',
        expiresIn: expect.any(Number),
        user: {
          id: user.id,
          username: user.username,
          email: user.email,
          role: 'user',
          createdAt: expect.stringMatching(ISO_DATE),
        },
      });
      expect(jwtPart(res.body.accessToken, 0)).toEqual(
        expect.objectContaining({ alg: 'EdDSA', typ: 'at+jwt' }),
      );
      const claims = jwtPart(res.body.accessToken, 1);
      expect(claims).toEqual(
        expect.objectContaining({ sub: user.id, username: user.username, role: 'user' }),
      );
      const now = Date.now() / 1000;
      expect(claims.exp).toBeGreaterThan(now);
      expect(claims.exp).toBeLessThanOrEqual(now + (res.body.expiresIn as number) + 5);
    });

    it('signs in with {email, password} and with the email in username', async () => {
      const byEmail = await users.post('/api/users/login', {
        json: { email: user.email, password: user.password },
      });
      expect(byEmail.status).toBe(200);
      expect(byEmail.body.user.id).toBe(user.id);
      const emailAsUsername = await users.post('/api/users/login', {
        json: { username: user.email, password: user.password },
      });
      expect(emailAsUsername.status).toBe(200);
      expect(emailAsUsername.body.user.id).toBe(user.id);
    });

    it('answers a wrong password and an unknown user with the same 401 INVALID_CREDENTIALS', async () => {
      const wrong = await users.post('/api/users/login', {
        json: { username: user.username, password: 'not-the-password' },
      });
      const unknown = await users.post('/api/users/login', {
        json: { username: uniqueId('nobody_'), password: 'not-the-password' },
      });
      expectError(wrong, 401, 'INVALID_CREDENTIALS');
      expectError(unknown, 401, 'INVALID_CREDENTIALS');
      const { requestId: _a, ...wrongBody } = wrong.body;
      const { requestId: _b, ...unknownBody } = unknown.body;
      expect(unknownBody).toEqual(wrongBody);
    });

    it('signs the admin in with the role admin', async () => {
      const res = await users.post('/api/users/login', {
        json: { username: ADMIN_USERNAME, password: ADMIN_PASSWORD },
      });
      expect(res.status).toBe(200);
      expect(res.body.user.role).toBe('admin');
      expect(jwtPart(res.body.accessToken, 1).role).toBe('admin');
    });

    it.each([
      ['no password', { username: 'someone' }, ['password']],
      ['neither username nor email', { password: 'whatever-1' }, ['username']],
      [
        'both username and email',
        { username: 'a_b', email: 'a@example.com', password: 'x1234567' },
        ['email'],
      ],
      ['a number as password', { username: 'someone', password: 12345678 }, ['password']],
      [
        'an unknown field',
        { username: 'someone', password: 'x1234567', remember: true },
        ['remember'],
      ],
      [
        'a password of 129 characters',
        { username: 'someone', password: 'p'.repeat(129) },
        ['password'],
      ],
    ])('refuses %s with 400', async (_label, body, fields) => {
      expectValidationError(await users.post('/api/users/login', { json: body }), fields);
    });

    it('throttles repeated failures on one account with 429 TOO_MANY_REQUESTS and Retry-After', async () => {
      const victim = await createUser();
      const attempt = (password: string) =>
        users.post('/api/users/login', { json: { username: victim.username, password } });
      // LOGIN_MAX_FAILURES_PER_USERNAME is 5 by default: five wrong guesses are answered 401.
      for (let i = 0; i < 5; i++)
        expectError(await attempt(`wrong-guess-${i}`), 401, 'INVALID_CREDENTIALS');
      const blocked = await attempt(victim.password);
      expectError(blocked, 429, 'TOO_MANY_REQUESTS');
      expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
    });
  });

  describe('GET /api/users/profile', () => {
    let user: TestUser;
    beforeAll(async () => {
      user = await createUser();
    });

    it('answers the caller, without any hash', async () => {
      const res = await users.get('/api/users/profile', { token: user.token });
      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        id: user.id,
        username: user.username,
        email: user.email,
        role: 'user',
        createdAt: expect.stringMatching(ISO_DATE),
      });
      expect(res.text).not.toMatch(/argon2|hash|password/i);
    });

    it('answers 401 UNAUTHORIZED without a token, with a malformed one and with a forged one', async () => {
      expectError(await users.get('/api/users/profile'), 401, 'UNAUTHORIZED');
      expectError(
        await users.get('/api/users/profile', { token: 'not-a-jwt' }),
        401,
        'UNAUTHORIZED',
      );
      const forged = forgedToken({
        sub: user.id,
        username: user.username,
        role: 'admin',
        exp: Math.floor(Date.now() / 1000) + 600,
      });
      expectError(await users.get('/api/users/profile', { token: forged }), 401, 'UNAUTHORIZED');
      const basic = await users.get('/api/users/profile', {
        headers: { authorization: `Basic ${Buffer.from('a:b').toString('base64')}` },
      });
      expectError(basic, 401, 'UNAUTHORIZED');
    });

    it('answers 401 for a token whose signature was tampered with', async () => {
      const [header, payload, signature] = user.token.split('.');
      const flipped = `${signature.slice(0, -2)}${signature.endsWith('AA') ? 'BB' : 'AA'}`;
      const res = await users.get('/api/users/profile', {
        token: `${header}.${payload}.${flipped}`,
      });
      expectError(res, 401, 'UNAUTHORIZED');
    });
  });

  describe('POST /api/users/verify', () => {
    let user: TestUser;
    beforeAll(async () => {
      user = await createUser();
    });

    it('answers 200 {valid: true, payload} for a valid token', async () => {
      const res = await users.post('/api/users/verify', { json: { token: user.token } });
      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        valid: true,
        payload: {
          sub: user.id,
          username: user.username,
          role: 'user',
          iat: expect.any(Number),
          exp: expect.any(Number),
        },
      });
    });

    it('answers 401 {valid: false} for a forged, an expired-looking and a garbage token', async () => {
      const forged = forgedToken({
        sub: user.id,
        username: user.username,
        role: 'user',
        exp: Math.floor(Date.now() / 1000) + 600,
      });
      for (const token of [forged, 'garbage', `${user.token}x`]) {
        const res = await users.post('/api/users/verify', { json: { token } });
        expect({ status: res.status, body: res.body }).toEqual({
          status: 401,
          body: { valid: false },
        });
      }
    });

    it('refuses a missing, empty or non-string token with 400', async () => {
      expectValidationError(await users.post('/api/users/verify', { json: {} }), ['token']);
      expectValidationError(await users.post('/api/users/verify', { json: { token: '' } }), [
        'token',
      ]);
      expectValidationError(await users.post('/api/users/verify', { json: { token: 42 } }), [
        'token',
      ]);
      expectValidationError(
        await users.post('/api/users/verify', { json: { token: user.token, extra: 1 } }),
        ['extra'],
      );
    });
  });
});
