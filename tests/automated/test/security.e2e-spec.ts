import { describe, expect, it } from '@jest/globals';
import { USER_URL } from './support/env.js';
import { expectError, newUserInput, users } from './support/fixtures.js';
import { requestFrom } from './support/http.js';

/** Another client on this machine: all of 127.0.0.0/8 is loopback on Linux. */
const STRANGER_ADDRESS = '127.0.0.2';

describe('security', () => {
  describe('login throttling', () => {
    it('8 failed logins from 127.0.0.2 do not stop the owner’s login from 127.0.0.1', async () => {
      const host = new URL(USER_URL).hostname;
      // A connection from 127.0.0.2 reaches only a service on this machine's loopback.
      expect(['127.0.0.1', 'localhost']).toContain(host);
      const owner = newUserInput();
      expect((await users.post('/api/users/register', { json: owner })).status).toBe(201);

      const strangerStatuses: number[] = [];
      for (let i = 0; i < 8; i++) {
        const res = await requestFrom(STRANGER_ADDRESS, 'POST', `${USER_URL}/api/users/login`, {
          json: { username: owner.username, password: `wrong-guess-${i}` },
        });
        strangerStatuses.push(res.status);
      }
      // LOGIN_MAX_FAILURES_PER_USERNAME (5 by default) guesses, then that address is refused.
      expect(strangerStatuses.slice(0, 5)).toEqual(Array<number>(5).fill(401));
      expect(strangerStatuses.slice(-1)).toEqual([429]);
      const strangerWithPassword = await requestFrom(
        STRANGER_ADDRESS,
        'POST',
        `${USER_URL}/api/users/login`,
        { json: { username: owner.username, password: owner.password } },
      );
      expectError(strangerWithPassword, 429, 'TOO_MANY_REQUESTS');
      expect(Number(strangerWithPassword.headers.get('retry-after'))).toBeGreaterThan(0);

      const ownerLogin = await users.post('/api/users/login', {
        json: { username: owner.username, password: owner.password },
      });

      expect(ownerLogin.status).toBe(200);
      expect(typeof ownerLogin.body.accessToken).toBe('string');
    });
  });
});
