import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  createProduct,
  createUsers,
  deleteProduct,
  getOrder,
  mysqlStock,
  placeOrder,
  redisStock,
  type TestUser,
} from '../support/fixtures.js';
import pMap from 'p-map';
import { pollUntil, type HttpResult } from '../support/http.js';

const BUYERS = 500;

/** Counts answers by "status code" or "status code + error code". */
function tally(answers: HttpResult[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const a of answers) {
    const key = a.status < 300 ? String(a.status) : `${a.status} ${a.body?.code}`;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}

/** Redis (order-service's counter) and MySQL (inventory-service's stock) both end at 0. */
async function expectNoStockLeft(productId: string) {
  expect(await redisStock(productId)).toBe(0);
  expect(
    await pollUntil(
      () => mysqlStock(productId),
      (s) => s === 0,
      10_000,
    ),
  ).toBe(0);
}

/** Polls the accepted orders (by their owners) until none is PENDING; returns status counts. */
async function settleAll(accepted: Array<{ token: string; id: string }>, timeoutMs: number) {
  const statuses = await pollUntil(
    () =>
      pMap(
        accepted,
        async ({ token, id }) => {
          const res = await getOrder(token, id);
          return res.status === 200 ? (res.body.status as string) : `HTTP ${res.status}`;
        },
        { concurrency: 25 },
      ),
    (all) => all.every((s) => s !== 'PENDING'),
    timeoutMs,
    500,
  );
  const counts: Record<string, number> = {};
  for (const s of statuses) counts[s] = (counts[s] ?? 0) + 1;
  return counts;
}

/**
 * Many buyers at the same instant. The buyers are registered once for both tests (argon2 makes
 * each registration and login cost user-service CPU).
 */
describe('contention', () => {
  let buyers: TestUser[];
  const created: string[] = [];

  beforeAll(async () => {
    buyers = await createUsers(BUYERS);
  }, 180_000);

  afterAll(async () => {
    await Promise.all(created.map((id) => deleteProduct(id)));
  });

  it(`last unit: ${BUYERS} buyers at once for 1 unit -> one 201, the rest 409 OUT_OF_STOCK`, async () => {
    const productId = await createProduct({ stock: 1 });
    created.push(productId);

    const answers = await Promise.all(buyers.map((b) => placeOrder(b.token, productId, 1)));
    expect(tally(answers)).toEqual({ '201': 1, '409 OUT_OF_STOCK': BUYERS - 1 });

    const winner = answers.findIndex((a) => a.status === 201);
    const accepted = [{ token: buyers[winner].token, id: answers[winner].body.id as string }];
    expect(await settleAll(accepted, 30_000)).toEqual({ CONFIRMED: 1 });
    await expectNoStockLeft(productId);
  }, 90_000);

  it('flash sale: 300 buyers x 3 orders at once on 100 units -> 100 confirmed, 0 left anywhere', async () => {
    const productId = await createProduct({ stock: 100 });
    created.push(productId);
    const crowd = buyers.slice(0, 300);

    const requests = crowd.flatMap((b) => [b, b, b]);
    const started = Date.now();
    const answers = await Promise.all(requests.map((b) => placeOrder(b.token, productId, 1)));
    const burstMs = Date.now() - started;
    expect(tally(answers)).toEqual({ '201': 100, '409 OUT_OF_STOCK': 800 });

    const accepted = answers.flatMap((a, i) =>
      a.status === 201 ? [{ token: requests[i].token, id: a.body.id as string }] : [],
    );
    // I4: every accepted order reaches a final state within seconds; here all must confirm.
    expect(await settleAll(accepted, 30_000)).toEqual({ CONFIRMED: 100 });
    await expectNoStockLeft(productId);
    process.stderr.write(`[flash sale] 900 orders answered in ${burstMs} ms\n`);
  }, 120_000);
});
