import { DataSource } from 'typeorm';
import { startUserService, type RunningService } from './support/app.js';
import { forgedTokens, headerOf, payloadOf, TEST_SIGNING_KEY } from './support/tokens.js';
import { newRegistration, unknownUsername, type Registration } from './support/users.js';

const ACCOUNT_LIMIT = 3;

const UNLIMITED_BUCKETS = {
  RATE_LIMIT_REGISTER_PER_ADDRESS: '100000000,100000000',
  RATE_LIMIT_LOGIN_PER_ADDRESS: '100000000,100000000',
  RATE_LIMIT_LOGIN_PER_ACCOUNT: '100000000,100000000',
};

describe('users (e2e)', () => {
  let service: RunningService;
  const http = () => service.http();

  beforeAll(async () => {
    service = await startUserService({
      LOGIN_MAX_FAILURES_PER_USERNAME: String(ACCOUNT_LIMIT),
      // This suite provokes many failures from one address; the per-address limit has its own test.
      LOGIN_MAX_FAILURES_PER_IP: '1000000',
      // ...and many sign-ups and logins, faster than a person: the token buckets are tested in
      // tests/automated/test/security-limits.e2e-spec.ts.
      ...UNLIMITED_BUCKETS,
    });
    await service.resetClientNetwork();
  });

  afterAll(async () => {
    // Leave no failures behind that a default-configured instance would count against localhost.
    await service?.resetClientNetwork();
    await service?.app.close();
  });

  async function register(registration = newRegistration()) {
    const res = await http().post('/api/users/register').send(registration).expect(201);
    return { registration, user: res.body as { id: string; username: string; role: string } };
  }

  async function login(registration: Registration): Promise<string> {
    const res = await http()
      .post('/api/users/login')
      .send({ username: registration.username, password: registration.password })
      .expect(200);
    return res.body.accessToken as string;
  }

  function expectError(body: unknown, statusCode: number, code: string) {
    expect(body).toEqual({
      statusCode,
      error: expect.any(String),
      message: expect.anything(),
      code,
      requestId: expect.any(String),
    });
  }

  describe('POST /api/users/register', () => {
    it('creates a user and answers 201 with exactly the public fields', async () => {
      const registration = newRegistration({ email: 'Mixed.Case_' + Date.now() + '@Example.COM' });

      const res = await http().post('/api/users/register').send(registration).expect(201);

      expect(res.body).toEqual({
        id: expect.stringMatching(/^[1-9][0-9]*$/),
        username: registration.username,
        email: registration.email,
        role: 'user',
        createdAt: expect.any(String),
      });
      expect(Math.abs(Date.parse(res.body.createdAt) - Date.now())).toBeLessThan(60_000);
      expect(JSON.stringify(res.body)).not.toMatch(/argon2|hash|password/i);
    });

    it('stores an argon2id hash with m=19456, t=2, p=1, never the password', async () => {
      const { registration, user } = await register();

      const [row] = await service.app
        .get(DataSource)
        .query<{ password_hash: string }[]>('SELECT password_hash FROM users WHERE id = ?', [
          user.id,
        ]);

      expect(row?.password_hash.startsWith('$argon2id$')).toBe(true);
      expect(row?.password_hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
      expect(row?.password_hash).not.toContain(registration.password);
    });

    it('answers 409 USERNAME_TAKEN for a taken username, in any case', async () => {
      const { registration } = await register();

      for (const username of [registration.username, registration.username.toUpperCase()]) {
        const res = await http()
          .post('/api/users/register')
          .send(newRegistration({ username }))
          .expect(409);
        expectError(res.body, 409, 'USERNAME_TAKEN');
      }
    });

    it('answers 409 EMAIL_TAKEN for a taken email, in any case', async () => {
      const { registration } = await register();

      for (const email of [registration.email, registration.email.toUpperCase()]) {
        const res = await http()
          .post('/api/users/register')
          .send(newRegistration({ email }))
          .expect(409);
        expectError(res.body, 409, 'EMAIL_TAKEN');
      }
    });

    it('gives exactly one 201 to 20 simultaneous registrations of one username', async () => {
      const { username } = newRegistration();

      const responses = await Promise.all(
        Array.from({ length: 20 }, () =>
          http().post('/api/users/register').send(newRegistration({ username })),
        ),
      );

      const statuses = responses.map((res) => res.status).sort();
      expect(statuses).toEqual([201, ...Array<number>(19).fill(409)]);
      for (const res of responses.filter((r) => r.status === 409)) {
        expect(res.body.code).toBe('USERNAME_TAKEN');
      }
      const [{ n }] = await service.app
        .get(DataSource)
        .query<{ n: string }[]>('SELECT COUNT(*) AS n FROM users WHERE username = ?', [username]);
      expect(Number(n)).toBe(1);
    });

    it('gives exactly one 201 to 20 simultaneous registrations of one email, case varied', async () => {
      const { email } = newRegistration();

      const responses = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          http()
            .post('/api/users/register')
            .send(newRegistration({ email: i % 2 ? email.toUpperCase() : email })),
        ),
      );

      expect(responses.filter((res) => res.status === 201)).toHaveLength(1);
      const refused = responses.filter((res) => res.status !== 201);
      expect(refused.map((res): unknown[] => [res.status, res.body.code])).toEqual(
        Array<[number, string]>(19).fill([409, 'EMAIL_TAKEN']),
      );
    });

    const valid = () => newRegistration();
    it.each<[string, () => unknown, string[]]>([
      ['an empty object', () => ({}), ['username', 'email', 'password']],
      ['a JSON array', () => [valid()], ['username', 'email', 'password']],
      ['a JSON string', () => JSON.stringify('text'), ['username', 'email', 'password']],
      [
        'null fields',
        () => ({ username: null, email: null, password: null }),
        ['username', 'email', 'password'],
      ],
      [
        'wrong types',
        () => ({ username: 12345, email: ['a@example.com'], password: { value: 'password1' } }),
        ['username', 'email', 'password'],
      ],
      ['a username of 2 characters', () => ({ ...valid(), username: 'ab' }), ['username']],
      [
        'a username of 33 characters',
        () => ({ ...valid(), username: 'a'.repeat(33) }),
        ['username'],
      ],
      ['a username with a space', () => ({ ...valid(), username: 'bad name' }), ['username']],
      ['a username with an @', () => ({ ...valid(), username: 'bad@name' }), ['username']],
      ['a username with an accent', () => ({ ...valid(), username: 'émile' }), ['username']],
      ['a username with a slash', () => ({ ...valid(), username: '../etc' }), ['username']],
      ['an email without @', () => ({ ...valid(), email: 'not-an-email' }), ['email']],
      ['an email without a TLD', () => ({ ...valid(), email: 'a@localhost' }), ['email']],
      [
        'an email with a display name',
        () => ({ ...valid(), email: 'A <a@example.com>' }),
        ['email'],
      ],
      [
        'an email with a non-ASCII character',
        () => ({ ...valid(), email: 'josé@example.com' }),
        ['email'],
      ],
      [
        'an email of 255 characters',
        () => ({ ...valid(), email: `${'a'.repeat(243)}@example.com` }),
        ['email'],
      ],
      ['a password of 7 characters', () => ({ ...valid(), password: '1234567' }), ['password']],
      [
        'a password of 129 characters',
        () => ({ ...valid(), password: 'p'.repeat(129) }),
        ['password'],
      ],
      ['a role', () => ({ ...valid(), role: 'admin' }), ['role']],
      ['an isAdmin flag', () => ({ ...valid(), isAdmin: true }), ['isAdmin']],
    ])(
      'answers 400 VALIDATION_FAILED for %s, naming each bad field',
      async (_label, body, fields) => {
        const res = await http()
          .post('/api/users/register')
          .set('content-type', 'application/json')
          .send(JSON.stringify(body()))
          .expect(400);

        expectError(res.body, 400, 'VALIDATION_FAILED');
        const messages = (res.body.message as string[]).join('\n');
        for (const field of fields) expect(messages).toContain(field);
        expect(res.body.message).toEqual(expect.any(Array));
      },
    );

    it('creates nothing for a body with a role', async () => {
      const registration = newRegistration();
      await http()
        .post('/api/users/register')
        .send({ ...registration, role: 'admin' })
        .expect(400);

      await http().post('/api/users/register').send(registration).expect(201);
    });

    it('answers 400 for an empty body', async () => {
      const res = await http().post('/api/users/register').expect(400);

      expect(['VALIDATION_FAILED', 'MALFORMED_JSON']).toContain(res.body.code);
    });

    it('answers 400 MALFORMED_JSON for malformed JSON', async () => {
      const res = await http()
        .post('/api/users/register')
        .set('content-type', 'application/json')
        .send('{"username": "alice", ')
        .expect(400);

      expectError(res.body, 400, 'MALFORMED_JSON');
    });

    it('answers 413 PAYLOAD_TOO_LARGE for a body over the limit', async () => {
      const res = await http()
        .post('/api/users/register')
        .send({ ...newRegistration(), password: 'p'.repeat(service.config.BODY_LIMIT) })
        .expect(413);

      expectError(res.body, 413, 'PAYLOAD_TOO_LARGE');
    });

    it('answers 415 UNSUPPORTED_MEDIA_TYPE for a body that is not JSON', async () => {
      const res = await http()
        .post('/api/users/register')
        .set('content-type', 'application/xml')
        .send('<user/>')
        .expect(415);

      expectError(res.body, 415, 'UNSUPPORTED_MEDIA_TYPE');
    });
  });

  describe('POST /api/users/login', () => {
    it('answers 200 with a Bearer token carrying sub, username, role, iss, aud and exp', async () => {
      const { registration, user } = await register();

      const res = await http()
        .post('/api/users/login')
        .send({ username: registration.username, password: registration.password })
        .expect(200);

      expect(res.body).toEqual({
        accessToken: expect.any(String),
        tokenType: 'Bearer',
        expiresIn: service.config.JWT_EXPIRES_IN_SECONDS,
        user: {
          id: user.id,
          username: registration.username,
          email: registration.email,
          role: 'user',
          createdAt: expect.any(String),
        },
      });
      const token = res.body.accessToken as string;
      expect(headerOf(token)).toEqual({ alg: 'EdDSA', typ: 'at+jwt', kid: TEST_SIGNING_KEY.kid });
      const claims = payloadOf(token);
      expect(claims).toMatchObject({
        sub: user.id,
        username: registration.username,
        role: 'user',
        iss: service.config.JWT_ISSUER,
        aud: service.config.JWT_AUDIENCE,
      });
      expect((claims.exp as number) - (claims.iat as number)).toBe(
        service.config.JWT_EXPIRES_IN_SECONDS,
      );
      expect(JSON.stringify(res.body)).not.toMatch(/argon2|hash|password/i);
    });

    it.each([
      ['the email as username', (r: Registration) => ({ username: r.email })],
      ['the email field', (r: Registration) => ({ email: r.email })],
      ['the email in upper case', (r: Registration) => ({ email: r.email.toUpperCase() })],
      ['the username in upper case', (r: Registration) => ({ username: r.username.toUpperCase() })],
    ])('accepts %s', async (_label, identify) => {
      const { registration, user } = await register();

      const res = await http()
        .post('/api/users/login')
        .send({ ...identify(registration), password: registration.password })
        .expect(200);

      expect(res.body.user.id).toBe(user.id);
    });

    it('answers an unknown user and a wrong password with the same 401 INVALID_CREDENTIALS', async () => {
      const { registration } = await register();

      const answers = await Promise.all(
        [
          { username: registration.username, password: 'wrong-password' },
          { username: unknownUsername(), password: registration.password },
          { email: `${unknownUsername()}@example.com`, password: registration.password },
        ].map((body) => http().post('/api/users/login').send(body).expect(401)),
      );

      const bodies = answers.map(({ body }) => ({ ...(body as object), requestId: undefined }));
      expectError(answers[0]?.body, 401, 'INVALID_CREDENTIALS');
      expect(bodies[1]).toEqual(bodies[0]);
      expect(bodies[2]).toEqual(bodies[0]);
      expect(answers[1]?.headers['retry-after']).toBeUndefined();
    });

    // Unique per run: failures for one name are counted (and throttled) across runs.
    it.each<[string, () => object]>([
      ['a username with an accent', () => ({ username: `émile_${unknownUsername()}` })],
      ['a username of emoji', () => ({ username: `😀😀_${unknownUsername()}` })],
      [
        'an email with a non-ASCII domain as username',
        () => ({ username: `${unknownUsername()}@exämple.com` }),
      ],
      ['an email with a non-ASCII domain', () => ({ email: `${unknownUsername()}@exämple.com` })],
    ])('answers 401 INVALID_CREDENTIALS, not 500, for %s', async (_label, identity) => {
      const res = await http()
        .post('/api/users/login')
        .send({ ...identity(), password: 'password123' })
        .expect(401);

      expectError(res.body, 401, 'INVALID_CREDENTIALS');
    });

    it('takes as long for an unknown user as for a wrong password', async () => {
      const known = [await register(), await register(), await register()];
      const timed = async (body: object) => {
        const started = performance.now();
        await http().post('/api/users/login').send(body).expect(401);
        return performance.now() - started;
      };
      const wrong: number[] = [];
      const unknown: number[] = [];
      for (let i = 0; i < 6; i++) {
        const { registration } = known[i % known.length];
        wrong.push(await timed({ username: registration.username, password: 'wrong-password' }));
        unknown.push(await timed({ username: unknownUsername(), password: 'wrong-password' }));
      }

      const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
      const ratio = median(unknown) / median(wrong);
      // Without the dummy hash an unknown user answers about 10x faster; noise stays inside 3x.
      expect(ratio).toBeGreaterThan(1 / 3);
      expect(ratio).toBeLessThan(3);
    });

    it.each<[string, object, string[]]>([
      ['an empty object', {}, ['username', 'email', 'password']],
      ['no password', { username: 'someone' }, ['password']],
      ['an empty password', { username: 'someone', password: '' }, ['password']],
      ['no username nor email', { password: 'password123' }, ['username', 'email']],
      [
        'both username and email',
        { username: 'someone', email: 'a@example.com', password: 'password123' },
        ['email'],
      ],
      ['wrong types', { username: 42, password: ['password123'] }, ['username', 'password']],
      ['a bad email', { email: 'not-an-email', password: 'password123' }, ['email']],
      [
        'a password of 129 characters',
        { username: 'someone', password: 'p'.repeat(129) },
        ['password'],
      ],
      [
        'a username of 255 characters',
        { username: 'a'.repeat(255), password: 'password123' },
        ['username'],
      ],
      [
        'an unknown field',
        { username: 'someone', password: 'password123', remember: true },
        ['remember'],
      ],
    ])('answers 400 VALIDATION_FAILED for %s', async (_label, body, fields) => {
      const res = await http().post('/api/users/login').send(body).expect(400);

      expectError(res.body, 400, 'VALIDATION_FAILED');
      const messages = (res.body.message as string[]).join('\n');
      for (const field of fields) expect(messages).toContain(field);
    });

    it('answers 400 MALFORMED_JSON for malformed JSON', async () => {
      const res = await http()
        .post('/api/users/login')
        .set('content-type', 'application/json')
        .send('{"username": ')
        .expect(400);

      expectError(res.body, 400, 'MALFORMED_JSON');
    });

    it('answers 413 PAYLOAD_TOO_LARGE for a body over the limit', async () => {
      const res = await http()
        .post('/api/users/login')
        .send({ username: 'someone', password: 'p'.repeat(service.config.BODY_LIMIT) })
        .expect(413);

      expectError(res.body, 413, 'PAYLOAD_TOO_LARGE');
    });

    it('answers 429 with Retry-After once an account has failed too often, even with the right password', async () => {
      const { registration } = await register();
      const attempt = (password: string) =>
        http().post('/api/users/login').send({ username: registration.username, password });
      for (let i = 0; i < ACCOUNT_LIMIT; i++) await attempt('wrong-password').expect(401);

      const waits: number[] = [];
      for (const password of ['wrong-password', registration.password]) {
        const res = await attempt(password).expect(429);
        expectError(res.body, 429, 'TOO_MANY_REQUESTS');
        waits.push(Number(res.headers['retry-after']));
      }
      // The first refusal waits for the window; every further attempt doubles the wait.
      expect(waits[0]).toBeGreaterThan(0);
      expect(waits[0]).toBeLessThanOrEqual(service.config.LOGIN_THROTTLE_WINDOW_SECONDS);
      expect(waits[1]).toBe(2 * service.config.LOGIN_THROTTLE_WINDOW_SECONDS);
      // The same account through its email, and in another case, is the same account.
      await http()
        .post('/api/users/login')
        .send({ email: registration.email.toUpperCase(), password: registration.password })
        .expect(429);
      // Other accounts from the same address are unaffected.
      const other = await register();
      await login(other.registration);
    });

    it('throttles unknown names as well, so they cannot be told apart', async () => {
      const username = unknownUsername();
      for (let i = 0; i < ACCOUNT_LIMIT; i++) {
        await http()
          .post('/api/users/login')
          .send({ username, password: 'password123' })
          .expect(401);
      }

      const res = await http()
        .post('/api/users/login')
        .send({ username, password: 'password123' })
        .expect(429);
      expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    });

    it('forgets an account’s failures after a successful login', async () => {
      const { registration } = await register();
      const attempt = (password: string) =>
        http().post('/api/users/login').send({ username: registration.username, password });
      for (let i = 0; i < ACCOUNT_LIMIT - 1; i++) await attempt('wrong-password').expect(401);
      await attempt(registration.password).expect(200);

      for (let i = 0; i < ACCOUNT_LIMIT; i++) await attempt('wrong-password').expect(401);
      await attempt('wrong-password').expect(429);
    });

    it('counts failures in Redis, so every instance sees them', async () => {
      const other = await startUserService({
        LOGIN_MAX_FAILURES_PER_USERNAME: String(ACCOUNT_LIMIT),
        LOGIN_MAX_FAILURES_PER_IP: '1000000',
        ...UNLIMITED_BUCKETS,
      });
      try {
        const { registration } = await register();
        const body = { username: registration.username, password: 'wrong-password' };
        for (let i = 0; i < ACCOUNT_LIMIT; i++) {
          await (i % 2 ? other.http() : http()).post('/api/users/login').send(body).expect(401);
        }

        await other.http().post('/api/users/login').send(body).expect(429);
        await http().post('/api/users/login').send(body).expect(429);
      } finally {
        await other.app.close();
      }
    });

    it('counts a burst of parallel guesses in full', async () => {
      const { registration } = await register();

      const responses = await Promise.all(
        Array.from({ length: 10 }, () =>
          http()
            .post('/api/users/login')
            .send({ username: registration.username, password: 'wrong-password' }),
        ),
      );

      const statuses = responses.map((res) => res.status).sort();
      expect(statuses).toEqual([
        ...Array<number>(ACCOUNT_LIMIT).fill(401),
        ...Array<number>(10 - ACCOUNT_LIMIT).fill(429),
      ]);
    });

    it('answers 429 to an address that has failed too often, whatever the account', async () => {
      const strict = await startUserService({
        LOGIN_MAX_FAILURES_PER_USERNAME: '100',
        LOGIN_MAX_FAILURES_PER_IP: '3',
      });
      await strict.resetClientNetwork();
      try {
        const { registration } = await register();
        for (let i = 0; i < 3; i++) {
          await strict
            .http()
            .post('/api/users/login')
            .send({ username: unknownUsername(), password: 'password123' })
            .expect(401);
        }

        const res = await strict
          .http()
          .post('/api/users/login')
          .send({ username: registration.username, password: registration.password })
          .expect(429);
        expectError(res.body, 429, 'TOO_MANY_REQUESTS');
        expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
      } finally {
        await strict.resetClientNetwork();
        await strict.app.close();
      }
    });

    it('does not hold successful logins against the address', async () => {
      const strict = await startUserService({ LOGIN_MAX_FAILURES_PER_IP: '3' });
      await strict.resetClientNetwork();
      try {
        const { registration } = await register();
        for (let i = 0; i < 6; i++) {
          await strict
            .http()
            .post('/api/users/login')
            .send({ username: registration.username, password: registration.password })
            .expect(200);
        }
      } finally {
        await strict.resetClientNetwork();
        await strict.app.close();
      }
    });

    it('admits a crowd of buyers logging in at once from one address, beyond its limit', async () => {
      const strict = await startUserService({ LOGIN_MAX_FAILURES_PER_IP: '3' });
      try {
        const crowd = await Promise.all(Array.from({ length: 12 }, () => register()));
        await strict.resetClientNetwork();

        const responses = await Promise.all(
          crowd.map(({ registration }) =>
            strict
              .http()
              .post('/api/users/login')
              .send({ username: registration.username, password: registration.password }),
          ),
        );

        expect(responses.map((res) => res.status)).toEqual(Array<number>(12).fill(200));
      } finally {
        await strict.resetClientNetwork();
        await strict.app.close();
      }
    });
  });

  describe('GET /api/users/profile', () => {
    let registration: Registration;
    let userId: string;
    let token: string;

    beforeAll(async () => {
      ({
        registration,
        user: { id: userId },
      } = await register());
      token = await login(registration);
    });

    it('answers 200 with the caller’s own account, without any hash', async () => {
      const res = await http()
        .get('/api/users/profile')
        .set('authorization', `Bearer ${token}`)
        .expect(200);

      expect(res.body).toEqual({
        id: userId,
        username: registration.username,
        email: registration.email,
        role: 'user',
        createdAt: expect.any(String),
      });
    });

    it.each([
      ['no Authorization header', undefined],
      ['an empty header', ''],
      ['the scheme alone', 'Bearer'],
      ['the scheme and a space', 'Bearer '],
      ['Basic credentials', 'Basic dXNlcjpwYXNz'],
      ['a token that is not a JWT', 'Bearer not-a-token'],
      ['two tokens', 'Bearer a.b.c d.e.f'],
    ])('answers 401 UNAUTHORIZED for %s', async (_label, header) => {
      const req = http().get('/api/users/profile');
      if (header !== undefined) void req.set('authorization', header);

      const res = await req.expect(401);

      expectError(res.body, 401, 'UNAUTHORIZED');
    });

    it('answers 401 for a valid token sent anywhere but the Authorization header', async () => {
      await http().get(`/api/users/profile?access_token=${token}`).expect(401);
      await http().get('/api/users/profile').set('cookie', `token=${token}`).expect(401);
      await http().get('/api/users/profile').set('x-access-token', token).expect(401);
    });

    it('answers 401 UNAUTHORIZED for every forged token', async () => {
      for (const [label, forged] of forgedTokens(token, service.config)) {
        const res = await http().get('/api/users/profile').set('authorization', `Bearer ${forged}`);
        expect([label, res.status, res.body.code]).toEqual([label, 401, 'UNAUTHORIZED']);
      }
    });

    it('answers 404 USER_NOT_FOUND for a valid token of a user that does not exist', async () => {
      const now = Math.floor(Date.now() / 1_000);
      const orphan = TEST_SIGNING_KEY.forge(
        {},
        {
          sub: '18446744073709551000',
          username: 'gone',
          role: 'user',
          iss: service.config.JWT_ISSUER,
          aud: service.config.JWT_AUDIENCE,
          iat: now,
          exp: now + 60,
        },
      );

      const res = await http()
        .get('/api/users/profile')
        .set('authorization', `Bearer ${orphan}`)
        .expect(404);

      expectError(res.body, 404, 'USER_NOT_FOUND');
    });
  });

  describe('POST /api/users/verify', () => {
    let token: string;
    let userId: string;
    let username: string;

    beforeAll(async () => {
      const { registration, user } = await register();
      token = await login(registration);
      userId = user.id;
      username = registration.username;
    });

    it('answers 200 {valid: true, payload} for a valid token, without any Authorization', async () => {
      const res = await http().post('/api/users/verify').send({ token }).expect(200);

      expect(res.body).toEqual({
        valid: true,
        payload: {
          sub: userId,
          username,
          role: 'user',
          iat: expect.any(Number),
          exp: expect.any(Number),
        },
      });
    });

    it('answers 401 {valid: false} and nothing else for every forged token', async () => {
      for (const [label, forged] of forgedTokens(token, service.config)) {
        const res = await http().post('/api/users/verify').send({ token: forged });
        expect([label, res.status, res.body]).toEqual([label, 401, { valid: false }]);
        expect(res.headers['www-authenticate']).toBe('Bearer error="invalid_token"');
      }
    });

    describe('with the token in the Authorization header (the original API)', () => {
      it('answers 200 {valid: true, payload} for a valid token and no body', async () => {
        const res = await http()
          .post('/api/users/verify')
          .set('authorization', `Bearer ${token}`)
          .expect(200);

        expect(res.body).toEqual({
          valid: true,
          payload: expect.objectContaining({ sub: userId, username, role: 'user' }),
        });
      });

      it('answers 401 {valid: false} for a forged or a garbage header token', async () => {
        const [[, forged]] = forgedTokens(token, service.config);
        for (const authorization of [`Bearer ${forged}`, 'Bearer garbage', 'Basic eDp5']) {
          const res = await http().post('/api/users/verify').set('authorization', authorization);
          expect([authorization, res.status, res.body]).toEqual([
            authorization,
            401,
            { valid: false },
          ]);
        }
      });

      it('takes the body token first when both are given', async () => {
        const [[, forged]] = forgedTokens(token, service.config);
        await http()
          .post('/api/users/verify')
          .set('authorization', `Bearer ${forged}`)
          .send({ token })
          .expect(200);
      });

      it('answers 400 VALIDATION_FAILED naming token when neither carries one', async () => {
        const res = await http().post('/api/users/verify').expect(400);
        expectError(res.body, 400, 'VALIDATION_FAILED');
        expect(res.body.message).toContain('token');
      });
    });

    it.each<[string, unknown]>([
      ['an empty object', {}],
      ['an empty token', { token: '' }],
      ['a token that is not a string', { token: 42 }],
      ['a token of 4097 characters', { token: 'a'.repeat(4_097) }],
      ['an unknown field', { token: 'a.b.c', extra: true }],
    ])('answers 400 VALIDATION_FAILED for %s', async (_label, body) => {
      const res = await http()
        .post('/api/users/verify')
        .send(body as object)
        .expect(400);

      expectError(res.body, 400, 'VALIDATION_FAILED');
    });

    it('answers 400 MALFORMED_JSON for malformed JSON', async () => {
      const res = await http()
        .post('/api/users/verify')
        .set('content-type', 'application/json')
        .send('{"token": ')
        .expect(400);

      expectError(res.body, 400, 'MALFORMED_JSON');
    });
  });
});
