import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomInt } from 'node:crypto';
import { USER_URL } from './support/env.js';
import {
  createProduct,
  createUser,
  deleteProduct,
  expectError,
  login,
  newUserInput,
  orders,
  placeOrder,
  users,
  type TestUser,
} from './support/fixtures.js';
import { requestFrom, type HttpResult } from './support/http.js';

/**
 * Issue 14's abuse limits, against the running services with their default limits: token buckets
 * per user and per address (429 RATE_LIMITED with Retry-After, RateLimit and RateLimit-Policy,
 * draft-ietf-httpapi-ratelimit-headers-09), the admin's reserved email domain and the
 * common-password check.
 */

/**
 * An address of this machine no earlier run has used: all of 127.0.0.0/8 is loopback on Linux,
 * and each address has buckets of its own, so a test can empty one without touching the others.
 */
function freshLoopbackAddress(): string {
  return `127.${randomInt(1, 255)}.${randomInt(0, 256)}.${randomInt(1, 255)}`;
}

/** `q` of the named policy in a `RateLimit-Policy` field, e.g. `"orders-user";q=10;w=5`. */
function quotaOf(res: HttpResult, policy: string): number {
  const field = res.headers.get('ratelimit-policy') ?? '';
  const match = new RegExp(`"${policy}";q=(\\d+)`).exec(field);
  if (!match) throw new Error(`no ${policy} in RateLimit-Policy: "${field}"`);
  return Number(match[1]);
}

/** Expects a 429 from a bucket: the code, a positive Retry-After and both RateLimit fields. */
function expectRateLimited(res: HttpResult, policy: string): void {
  expectError(res, 429, 'RATE_LIMITED');
  expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
  expect(res.headers.get('ratelimit-policy')).toMatch(new RegExp(`"${policy}";q=\\d+;w=\\d+`));
  expect(res.headers.get('ratelimit')).toMatch(new RegExp(`"${policy}";r=0;t=\\d+`));
}

/** Sends `count` requests, `batch` at a time, and returns every answer in order. */
async function sendMany(count: number, send: () => Promise<HttpResult>, batch = 100) {
  const answers: HttpResult[] = [];
  while (answers.length < count) {
    const n = Math.min(batch, count - answers.length);
    answers.push(...(await Promise.all(Array.from({ length: n }, send))));
  }
  return answers;
}

const tally = (answers: HttpResult[]) => {
  const counts: Record<string, number> = {};
  for (const a of answers) {
    const key = a.status < 300 ? String(a.status) : `${a.status} ${a.body?.code}`;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
};

describe('security: abuse limits', () => {
  describe('orders', () => {
    const created: string[] = [];
    let greedy: TestUser;
    let other: TestUser;

    beforeAll(async () => {
      [greedy, other] = await Promise.all([createUser(), createUser()]);
    });

    afterAll(async () => {
      await Promise.all(created.map((id) => deleteProduct(id)));
    });

    it('one user firing 60 orders at once gets 429s, while another user still orders', async () => {
      const productId = await createProduct({ stock: 1_000 });
      created.push(productId);

      const answers = await Promise.all(
        Array.from({ length: 60 }, () => placeOrder(greedy.token, productId, 1)),
      );

      const counts = tally(answers);
      const burst = quotaOf(answers[0], 'orders-user');
      // The bucket's burst gets through (the product's per-user cap, if any, may refuse some of
      // those with 409); the rest are refused by the bucket, bar what refills meanwhile.
      expect(counts['429 RATE_LIMITED'] ?? 0).toBeGreaterThanOrEqual(60 - burst - 5);
      for (const key of Object.keys(counts)) {
        expect(['201', '409 PURCHASE_LIMIT_EXCEEDED', '429 RATE_LIMITED']).toContain(key);
      }
      const refused = answers.find((a) => a.status === 429) as HttpResult;
      expectRateLimited(refused, 'orders-user');
      // An accepted order says how much is left too.
      const accepted = answers.find((a) => a.status === 201) as HttpResult;
      expect(accepted.headers.get('ratelimit')).toMatch(/"orders-user";r=\d+;t=\d+/);

      // Same address (127.0.0.1), another user: their own bucket is full.
      const otherOrder = await placeOrder(other.token, productId, 1);
      expect(otherOrder.status).toBe(201);
    });

    it('limits the cancel route too (it shares the buyer’s bucket with placing)', async () => {
      const productId = await createProduct({ stock: 100 });
      created.push(productId);
      const buyer = await createUser();
      const placed = await placeOrder(buyer.token, productId, 1);
      expect(placed.status).toBe(201);
      const burst = quotaOf(placed, 'orders-user');

      const answers = await Promise.all(
        Array.from({ length: burst + 10 }, () =>
          orders.put(`/api/orders/${placed.body.id}/cancel`, { token: buyer.token }),
        ),
      );

      const counts = tally(answers);
      expect(counts['429 RATE_LIMITED'] ?? 0).toBeGreaterThanOrEqual(5);
      for (const key of Object.keys(counts)) {
        expect(['200', '409 ORDER_NOT_CANCELLABLE', '429 RATE_LIMITED']).toContain(key);
      }
      expectRateLimited(answers.find((a) => a.status === 429) as HttpResult, 'orders-user');
    });
  });

  describe('registration', () => {
    it('refuses an address past its bucket with 429, while other addresses still register', async () => {
      const address = freshLoopbackAddress();
      const register = () =>
        requestFrom(address, 'POST', `${USER_URL}/api/users/register`, { json: {} });
      // Every attempt takes a token, valid or not: empty bodies (400, no hash work) empty it.
      const first = await register();
      expectError(first, 400, 'VALIDATION_FAILED');
      const burst = quotaOf(first, 'register-address');

      // More than the burst plus what refills while they are sent (1 a second by default).
      const answers = await sendMany(burst + 50, register);

      expect(tally(answers)['429 RATE_LIMITED'] ?? 0).toBeGreaterThanOrEqual(5);
      expectRateLimited(answers.find((a) => a.status === 429) as HttpResult, 'register-address');
      const elsewhere = await users.post('/api/users/register', { json: newUserInput() });
      expect(elsewhere.status).toBe(201);
    }, 60_000);

    it('refuses the admin’s reserved email domain with 400 EMAIL_DOMAIN_RESERVED', async () => {
      for (const email of ['someone@admin.invalid', 'someone@Staff.Admin.Invalid']) {
        const res = await users.post('/api/users/register', {
          json: { ...newUserInput(), email },
        });
        expectError(res, 400, 'EMAIL_DOMAIN_RESERVED');
      }
    });

    it('refuses a common password with 400 PASSWORD_TOO_COMMON', async () => {
      for (const password of ['password123', 'Qwertyuiop', 'iloveyou1']) {
        const res = await users.post('/api/users/register', {
          json: { ...newUserInput(), password },
        });
        expectError(res, 400, 'PASSWORD_TOO_COMMON');
      }
      const fine = await users.post('/api/users/register', { json: newUserInput() });
      expect(fine.status).toBe(201);
    });
  });

  describe('login', () => {
    it('limits attempts per (account, address); the owner elsewhere still signs in', async () => {
      const owner = newUserInput();
      expect((await users.post('/api/users/register', { json: owner })).status).toBe(201);
      const address = freshLoopbackAddress();
      // No password: 400 before any hash work, but the attempt takes the pair's token.
      const attempt = () =>
        requestFrom(address, 'POST', `${USER_URL}/api/users/login`, {
          json: { username: owner.username },
        });
      const first = await attempt();
      expectError(first, 400, 'VALIDATION_FAILED');
      const burst = quotaOf(first, 'login-user');

      const answers = await sendMany(burst + 2, attempt);

      expectRateLimited(answers.find((a) => a.status === 429) as HttpResult, 'login-user');
      expect(typeof (await login(owner.username, owner.password))).toBe('string');
    });

    it('limits attempts per address whatever the account', async () => {
      const address = freshLoopbackAddress();
      const attempt = () =>
        requestFrom(address, 'POST', `${USER_URL}/api/users/login`, { json: {} });
      const first = await attempt();
      expectError(first, 400, 'VALIDATION_FAILED');
      const burst = quotaOf(first, 'login-address');

      // More than the burst plus what refills while they are sent (5 a second by default).
      const answers = await sendMany(burst + 150, attempt);

      expect(tally(answers)['429 RATE_LIMITED'] ?? 0).toBeGreaterThanOrEqual(5);
      expectRateLimited(answers.find((a) => a.status === 429) as HttpResult, 'login-address');
    }, 60_000);
  });
});
