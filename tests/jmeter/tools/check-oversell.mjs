#!/usr/bin/env node
// The anti-oversell check after the stress plan. It waits for every accepted order to settle, then
// compares what was sold with the stock on both sides:
//   1. no accepted order is still PENDING (each reached CONFIRMED or FAILED),
//   2. confirmed units <= the initial stock (never oversold),
//   3. MySQL stock (GET /api/inventory/:id) = initial stock - confirmed units,
//   4. Redis counter (GET /api/stock/:id) = MySQL stock (no leaked or doubled reservation),
//   5. neither is negative.
// The accepted orders are the 201 answers in the .jtl: the plan records each order's id and its
// buyer's token (sample_variables=order_id,token), and each order is read back with
// GET /api/orders/:id as its buyer. Prints PASS or FAIL; exits 1 on FAIL.
// Usage: node check-oversell.mjs <stress.jtl> <productId> <initialStock>
// Env: ORDER_SERVICE_URL, INVENTORY_SERVICE_URL, SETTLE_TIMEOUT_SECONDS (default 60).
import { readJtl } from './jtl.mjs';
import { setTimeout as sleep } from 'node:timers/promises';
import pMap from 'p-map';
import { request } from './api.mjs';

const ORDER_LABEL = 'POST /api/orders';
const [jtlPath, productId, initialText] = process.argv.slice(2);
const initialStock = Number(initialText);
const { ORDER_SERVICE_URL, INVENTORY_SERVICE_URL } = process.env;
const settleTimeoutMs = 1000 * Number(process.env.SETTLE_TIMEOUT_SECONDS ?? 60);
if (!jtlPath || !productId || !Number.isSafeInteger(initialStock)) {
  process.stderr.write('usage: node check-oversell.mjs <stress.jtl> <productId> <initialStock>\n');
  process.exit(2);
}
if (!ORDER_SERVICE_URL || !INVENTORY_SERVICE_URL) {
  process.stderr.write('check-oversell.mjs needs ORDER_SERVICE_URL and INVENTORY_SERVICE_URL\n');
  process.exit(2);
}

const orderSamples = readJtl(jtlPath).filter((s) => s.label === ORDER_LABEL);
const accepted = orderSamples.filter((s) => s.responseCode === '201');
const soldOut = orderSamples.filter((s) => s.responseCode === '409').length;
const unexpected = orderSamples.length - accepted.length - soldOut;
const untraceable = accepted.filter(
  (s) => !s.order_id || s.order_id === 'NO_ORDER' || !s.token || s.token === 'NO_TOKEN',
);

/** Reads every accepted order as its buyer; `null` when it cannot be read. */
async function readOrders() {
  return pMap(
    accepted,
    async (s) => {
      const res = await request('GET', `${ORDER_SERVICE_URL}/api/orders/${s.order_id}`, {
        token: s.token,
      }).catch((error) => ({ status: error.cause?.code ?? error.name }));
      return res.status === 200 ? res.body : { id: s.order_id, status: `HTTP ${res.status}` };
    },
    { concurrency: 16 },
  );
}

async function stockLevels() {
  const unreachable = (error) => ({ status: error.cause?.code ?? error.name });
  const [redis, mysql] = await Promise.all([
    request('GET', `${ORDER_SERVICE_URL}/api/stock/${productId}`).catch(unreachable),
    request('GET', `${INVENTORY_SERVICE_URL}/api/inventory/${productId}`).catch(unreachable),
  ]);
  return {
    redis: redis.status === 200 ? redis.body.stock : `HTTP ${redis.status}`,
    mysql: mysql.status === 200 ? mysql.body.stock : `HTTP ${mysql.status}`,
  };
}

const deadline = Date.now() + settleTimeoutMs;
let orders = await readOrders();
const pending = () => orders.filter((o) => o.status === 'PENDING');
while (pending().length > 0 && Date.now() < deadline) {
  await sleep(1000);
  orders = await readOrders();
}
// A FAILED order gives its units back to Redis just after its status changes: let that land.
let levels = await stockLevels();
while (levels.redis !== levels.mysql && Date.now() < deadline) {
  await sleep(1000);
  levels = await stockLevels();
}

const byStatus = {};
for (const o of orders) byStatus[o.status] = (byStatus[o.status] ?? 0) + 1;
const confirmedUnits = orders
  .filter((o) => o.status === 'CONFIRMED')
  .reduce((sum, o) => sum + o.quantity, 0);
const unreadable = orders.filter((o) => o.status.startsWith('HTTP ')).length;

const checks = [
  [
    `every accepted order was traced and read back (${accepted.length} accepted, ${untraceable.length} without id/token, ${unreadable} unreadable)`,
    untraceable.length === 0 && unreadable === 0,
  ],
  [`no PENDING left after settlement (${pending().length} pending)`, pending().length === 0],
  [
    `confirmed units ${confirmedUnits} <= initial stock ${initialStock}`,
    confirmedUnits <= initialStock,
  ],
  [
    `MySQL stock ${levels.mysql} = initial ${initialStock} - confirmed ${confirmedUnits} = ${initialStock - confirmedUnits}`,
    levels.mysql === initialStock - confirmedUnits,
  ],
  [
    `Redis counter ${levels.redis} = MySQL stock ${levels.mysql}`,
    typeof levels.redis === 'number' && levels.redis === levels.mysql,
  ],
  [
    `no negative stock (Redis ${levels.redis}, MySQL ${levels.mysql})`,
    typeof levels.redis === 'number' &&
      typeof levels.mysql === 'number' &&
      levels.redis >= 0 &&
      levels.mysql >= 0,
  ],
];

const lines = [
  `== anti-oversell check: product ${productId}, initial stock ${initialStock}`,
  `order answers: ${accepted.length} x 201 accepted, ${soldOut} x 409 sold out, ${unexpected} other`,
  `accepted orders by final status: ${
    Object.entries(byStatus)
      .map(([status, n]) => `${status}:${n}`)
      .join(' ') || 'none'
  }`,
  `sold ${confirmedUnits} of ${initialStock} units`,
  ...checks.map(([text, ok]) => `  [${ok ? 'ok' : 'FAIL'}] ${text}`),
];
const passed = checks.every(([, ok]) => ok);
lines.push(`anti-oversell check: ${passed ? 'PASS' : 'FAIL'}`);
process.stdout.write(`${lines.join('\n')}\n`);
process.exit(passed ? 0 : 1);
