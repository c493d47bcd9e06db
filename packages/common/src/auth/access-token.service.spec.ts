import { jest } from '@jest/globals';
import { JwtService } from '@nestjs/jwt';
import { createHmac } from 'node:crypto';
import { Role } from '@flash-sale/contracts';
import { AccessTokenService, InvalidTokenError } from './access-token.service.js';

const SECRET = 'a-test-secret-that-is-long-enough-0123456789';
const OPTIONS = {
  secret: SECRET,
  signOptions: { algorithm: 'HS256' as const, issuer: 'iss-test', audience: 'aud-test' },
  verifyOptions: { algorithms: ['HS256' as const], issuer: 'iss-test', audience: 'aud-test' },
};

function handMade(payload: object, secret = SECRET): string {
  const b64url = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const unsigned = `${b64url({ alg: 'HS256', typ: 'JWT' })}.${b64url(payload)}`;
  return `${unsigned}.${createHmac('sha256', secret).update(unsigned).digest('base64url')}`;
}

describe(AccessTokenService.name, () => {
  const claims = { sub: '7', username: 'alice', role: Role.User };
  const now = () => Math.floor(Date.now() / 1000);
  const valid = (exp: number) =>
    handMade({ ...claims, iat: now(), exp, iss: 'iss-test', aud: 'aud-test' });

  afterEach(() => jest.useRealTimers());

  describe('verify', () => {
    it('verifies a token once and answers its repeats from memory', async () => {
      const jwt = new JwtService(OPTIONS);
      const verifyAsync = jest.spyOn(jwt, 'verifyAsync');
      const tokens = new AccessTokenService(jwt);
      const token = valid(now() + 60);

      const first = await tokens.verify(token);
      const second = await tokens.verify(token);

      expect(second).toEqual(first);
      expect(first).toMatchObject(claims);
      expect(verifyAsync).toHaveBeenCalledTimes(1);
    });

    it('refuses a remembered token once it has expired', async () => {
      const tokens = new AccessTokenService(new JwtService(OPTIONS));
      const exp = now() + 2;
      const token = valid(exp);
      await expect(tokens.verify(token)).resolves.toMatchObject(claims);

      jest.useFakeTimers({ now: exp * 1000 });
      await expect(tokens.verify(token)).rejects.toBeInstanceOf(InvalidTokenError);
    });

    it('never remembers a refused token', async () => {
      const jwt = new JwtService(OPTIONS);
      const verifyAsync = jest.spyOn(jwt, 'verifyAsync');
      const tokens = new AccessTokenService(jwt);
      const forged = handMade(
        { ...claims, iat: now(), exp: now() + 60, iss: 'iss-test', aud: 'aud-test' },
        'another-secret-that-is-long-enough-0123456789',
      );

      await expect(tokens.verify(forged)).rejects.toBeInstanceOf(InvalidTokenError);
      await expect(tokens.verify(forged)).rejects.toBeInstanceOf(InvalidTokenError);
      expect(verifyAsync).toHaveBeenCalledTimes(2);
    });

    it('does not take a token that differs only in its signature for a remembered one', async () => {
      const tokens = new AccessTokenService(new JwtService(OPTIONS));
      const token = valid(now() + 60);
      await tokens.verify(token);
      const tampered = `${token.slice(0, token.lastIndexOf('.'))}.${'A'.repeat(43)}`;

      await expect(tokens.verify(tampered)).rejects.toBeInstanceOf(InvalidTokenError);
    });
  });
});
