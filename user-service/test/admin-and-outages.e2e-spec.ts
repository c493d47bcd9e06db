import { fileURLToPath } from 'node:url';
import { RUN_NODE_TEST_TIMEOUT_MS, runNode, TestTokenIssuer } from '@flash-sale/common/testing';
import { startUserService } from './support/app.js';
import { payloadOf } from './support/tokens.js';
import { newRegistration } from './support/users.js';

const mainScript = fileURLToPath(new URL('../dist/main.js', import.meta.url));

describe('user-service admin bootstrap (e2e)', () => {
  async function loginWith(
    service: Awaited<ReturnType<typeof startUserService>>,
    username: string,
    password: string,
  ) {
    return service.http().post('/api/users/login').send({ username, password });
  }

  it('creates the admin at start, then updates its password at the next start', async () => {
    const { username } = newRegistration();
    const first = await startUserService({
      ADMIN_USERNAME: username,
      ADMIN_PASSWORD: 'first-pass-1',
    });
    try {
      const res = await loginWith(first, username, 'first-pass-1');
      expect(res.status).toBe(200);
      expect(res.body.user).toMatchObject({
        username,
        role: 'admin',
        email: `${username}@admin.invalid`,
      });
      expect(payloadOf(res.body.accessToken as string).role).toBe('admin');
    } finally {
      await first.app.close();
    }

    const second = await startUserService({
      ADMIN_USERNAME: username,
      ADMIN_PASSWORD: 'second-pass-2',
    });
    try {
      expect((await loginWith(second, username, 'first-pass-1')).status).toBe(401);
      const res = await loginWith(second, username, 'second-pass-2');
      expect(res.status).toBe(200);
      expect(res.body.user.role).toBe('admin');
    } finally {
      await second.app.close();
    }
  });

  it('promotes an existing user of that name', async () => {
    const plain = await startUserService();
    const registration = newRegistration();
    try {
      await plain.http().post('/api/users/register').send(registration).expect(201);
    } finally {
      await plain.app.close();
    }

    const service = await startUserService({
      ADMIN_USERNAME: registration.username,
      ADMIN_PASSWORD: 'admin-pass-1',
      ADMIN_EMAIL: `other-${registration.email}`,
    });
    try {
      const res = await loginWith(service, registration.username, 'admin-pass-1');
      expect(res.status).toBe(200);
      expect(res.body.user).toMatchObject({ role: 'admin', email: registration.email });
      expect((await loginWith(service, registration.username, registration.password)).status).toBe(
        401,
      );
    } finally {
      await service.app.close();
    }
  });

  it('refuses to start when the admin email belongs to someone else', async () => {
    const plain = await startUserService();
    const registration = newRegistration();
    try {
      await plain.http().post('/api/users/register').send(registration).expect(201);
    } finally {
      await plain.app.close();
    }
    const admin = newRegistration();

    const outcome = await runNode(
      mainScript,
      {
        PORT: String(20_000 + Math.floor(Math.random() * 20_000)),
        LOG_LEVEL: 'warn',
        ADMIN_USERNAME: admin.username,
        ADMIN_PASSWORD: admin.password,
        ADMIN_EMAIL: registration.email,
      },
      30_000,
    );

    expect(outcome.code).not.toBe(0);
    expect(outcome.code).not.toBeNull();
    expect(`${outcome.stdout}${outcome.stderr}`).toContain('belongs to another user');
  }, 40_000);
});

describe('user-service start-up configuration (e2e)', () => {
  const signingKey = new TestTokenIssuer();

  it.each<[string, Record<string, string>, string]>([
    ['production without a signing key', { NODE_ENV: 'production' }, 'JWT_PRIVATE_KEYS'],
    [
      'a signing key set that holds only a public key',
      { JWT_PRIVATE_KEYS: signingKey.jwksJson },
      'JWT_PRIVATE_KEYS',
    ],
    [
      'a signing key file that does not exist',
      { JWT_PRIVATE_KEYS_FILE: '/nonexistent/keys.json' },
      'JWT_PRIVATE_KEYS_FILE',
    ],
    ['ADMIN_USERNAME without ADMIN_PASSWORD', { ADMIN_USERNAME: 'root' }, 'ADMIN_PASSWORD'],
    [
      'a short ADMIN_PASSWORD',
      { ADMIN_USERNAME: 'root', ADMIN_PASSWORD: 'short' },
      'ADMIN_PASSWORD',
    ],
    [
      'a zero login limit',
      { LOGIN_MAX_FAILURES_PER_USERNAME: '0' },
      'LOGIN_MAX_FAILURES_PER_USERNAME',
    ],
    ['a token lifetime of 10 s', { JWT_EXPIRES_IN_SECONDS: '10' }, 'JWT_EXPIRES_IN_SECONDS'],
  ])(
    'refuses %s, naming the variable',
    async (_label, env, name) => {
      const outcome = await runNode(mainScript, env);

      expect(outcome.code).toBe(1);
      expect(outcome.stderr).toContain(`${name}:`);
      expect(outcome.stderr).not.toContain(String(signingKey.jwks.keys[0]?.x));
    },
    RUN_NODE_TEST_TIMEOUT_MS,
  );

  it(
    'accepts a configured signing key in production (only the other bad variable is named)',
    async () => {
      const outcome = await runNode(mainScript, {
        NODE_ENV: 'production',
        JWT_PRIVATE_KEYS: JSON.stringify(signingKey.privateJwkSet),
        LOGIN_THROTTLE_WINDOW_SECONDS: 'soon',
      });

      expect(outcome.code).toBe(1);
      expect(outcome.stderr).toContain('LOGIN_THROTTLE_WINDOW_SECONDS:');
      expect(outcome.stderr).not.toContain('JWT_PRIVATE_KEYS');
    },
    RUN_NODE_TEST_TIMEOUT_MS,
  );
});

describe('user-service with Redis down (e2e)', () => {
  it('still registers, but refuses logins with 503 rather than stop counting', async () => {
    const service = await startUserService({ REDIS_PORT: '1' });
    try {
      const registration = newRegistration();
      await service.http().post('/api/users/register').send(registration).expect(201);

      const res = await service
        .http()
        .post('/api/users/login')
        .send({ username: registration.username, password: registration.password })
        .expect(503);

      expect(res.body.code).toBe('SERVICE_UNAVAILABLE');
      expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    } finally {
      await service.app.close();
    }
  }, 30_000);
});
