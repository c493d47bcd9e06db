import { TestTokenIssuer } from '@flash-sale/common/testing';
import { startUserService, type RunningService } from './support/app.js';
import { headerOf } from './support/tokens.js';
import { newRegistration, type Registration } from './support/users.js';

/** Starts user-service signing with `keys` (the first signs, all are published). */
function startWithKeys(...keys: TestTokenIssuer[]): Promise<RunningService> {
  return startUserService({
    JWT_PRIVATE_KEYS: JSON.stringify({ keys: keys.flatMap((k) => k.privateJwkSet.keys) }),
  });
}

async function login(service: RunningService, registration: Registration): Promise<string> {
  const res = await service
    .http()
    .post('/api/users/login')
    .send({ username: registration.username, password: registration.password })
    .expect(200);
  return res.body.accessToken as string;
}

describe('access-token keys (e2e)', () => {
  const oldKey = new TestTokenIssuer();
  const newKey = new TestTokenIssuer();
  const running: RunningService[] = [];
  const start = async (...keys: TestTokenIssuer[]) => {
    const service = await startWithKeys(...keys);
    running.push(service);
    return service;
  };

  afterAll(async () => {
    for (const service of running) await service.app.close();
  });

  describe('GET /.well-known/jwks.json', () => {
    it('publishes the public half of every key, outside /api, public and cacheable', async () => {
      const service = await start(newKey, oldKey);

      const res = await service.http().get('/.well-known/jwks.json').expect(200);

      expect(res.headers['content-type']).toMatch(/^application\/json/);
      expect(res.headers['cache-control']).toBe('public, max-age=300');
      expect(res.body).toEqual({ keys: [...newKey.jwks.keys, ...oldKey.jwks.keys] });
      for (const key of res.body.keys as Record<string, unknown>[]) {
        expect(Object.keys(key).sort()).toEqual(['alg', 'crv', 'kid', 'kty', 'use', 'x']);
      }
      await service.http().get('/api/.well-known/jwks.json').expect(404);
    }, 30_000);
  });

  describe('key rotation', () => {
    it('keeps accepting tokens of the old key while the new one signs', async () => {
      const registration = newRegistration();
      const before = await start(oldKey);
      await before.http().post('/api/users/register').send(registration).expect(201);
      const oldToken = await login(before, registration);
      expect(headerOf(oldToken)).toMatchObject({ kid: oldKey.kid });

      // The rotated instance: the new key first (it signs), the old one still published.
      const after = await start(newKey, oldKey);
      const newToken = await login(after, registration);
      expect(headerOf(newToken)).toMatchObject({ alg: 'EdDSA', typ: 'at+jwt', kid: newKey.kid });

      for (const token of [oldToken, newToken]) {
        await after
          .http()
          .get('/api/users/profile')
          .set('authorization', `Bearer ${token}`)
          .expect(200);
        await after.http().post('/api/users/verify').send({ token }).expect(200);
      }

      // Once the old key is retired (its tokens have expired), its tokens are refused.
      const retired = await start(newKey);
      await retired
        .http()
        .get('/api/users/profile')
        .set('authorization', `Bearer ${oldToken}`)
        .expect(401);
      await retired
        .http()
        .get('/api/users/profile')
        .set('authorization', `Bearer ${newToken}`)
        .expect(200);
    }, 60_000);
  });
});
