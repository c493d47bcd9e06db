#!/usr/bin/env node
// Load test of POST /api/orders against running services: creates one product with STOCK units
// through inventory-service's admin API, then CONNECTIONS buyers (each its own user) order
// QUANTITY units in a loop for DURATION seconds. Prints throughput, latency percentiles and the
// answers by status; then waits until every accepted order is settled and checks that nothing was
// oversold (confirmed units <= STOCK, and confirmed + Redis counter = STOCK via GET /api/stock).
//
//   ORDER_URL=http://127.0.0.1:3002 INVENTORY_URL=http://127.0.0.1:3003 \
//   CONNECTIONS=200 DURATION=10 STOCK=1000000 node order-service/bench/order-load.js
//
// Each buyer orders in a loop, far faster than RATE_LIMIT_ORDERS_PER_USER allows by default (10 at
// once, then 2 a second): start order-service with RATE_LIMIT_ORDERS_PER_USER=100000000,100000000
// (and the same for _PER_ADDRESS) to measure capacity rather than 429s.
//
// Tokens are signed as user-service signs them, with its key: the development key user-service
// generates into <repo>/.cache/keys at first start, or the JWK Set file JWT_PRIVATE_KEYS_FILE names.
import { createPrivateKey, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { parsePrivateKeySet, signAccessToken } from '@flash-sale/common';

const ORDER_URL = process.env.ORDER_URL ?? 'http://127.0.0.1:3002';
const INVENTORY_URL = process.env.INVENTORY_URL ?? 'http://127.0.0.1:3003';
const CONNECTIONS = Number(process.env.CONNECTIONS ?? 200);
const DURATION_S = Number(process.env.DURATION ?? 10);
const STOCK = Number(process.env.STOCK ?? 1_000_000);
const QUANTITY = Number(process.env.QUANTITY ?? 1);
const KEY_FILE =
  process.env.JWT_PRIVATE_KEYS_FILE ??
  new URL('../../.cache/keys/access-token-keys.json', import.meta.url).pathname;
const ISSUER = process.env.JWT_ISSUER ?? 'flash-sale-user-service';
const AUDIENCE = process.env.JWT_AUDIENCE ?? 'flash-sale';

const agent = new Agent({ keepAlive: true, maxSockets: CONNECTIONS });

/** POST with a keep-alive connection (lighter than fetch, so the load generator measures less of itself). */
function post(url, headers, body) {
  return new Promise((resolve) => {
    const req = request(
      url,
      { method: 'POST', agent, headers: { ...headers, 'content-length': Buffer.byteLength(body) } },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', () => resolve(0));
    req.end(body);
  });
}

let signingKey;
/** A token for user `sub`, signed with the first (signing) key of user-service's key file. */
async function token(sub, role = 'user') {
  if (!signingKey) {
    const [jwk] = parsePrivateKeySet(readFileSync(KEY_FILE, 'utf8'));
    signingKey = { kid: jwk.kid, privateKey: createPrivateKey({ key: jwk, format: 'jwk' }) };
  }
  return signAccessToken(
    signingKey,
    { sub: String(sub), username: `bench${sub}`, role },
    { issuer: ISSUER, audience: AUDIENCE, expiresInSeconds: 3_600 },
  );
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function main() {
  const productId = `BENCH-${Date.now().toString(36)}-${randomUUID().slice(0, 6)}`;
  const created = await fetch(`${INVENTORY_URL}/api/inventory`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${await token(1, 'admin')}`,
      'content-type': 'application/json',
    },
    // Buyers order again and again: a cap of its own, far above ORDER_DEFAULT_MAX_PER_USER.
    body: JSON.stringify({
      productId,
      name: 'Bench product',
      priceCents: 100,
      stock: STOCK,
      maxPerUser: Math.min(STOCK, 1_000_000),
    }),
  });
  if (created.status !== 201)
    throw new Error(`creating the product: ${created.status} ${await created.text()}`);
  // The first order of a new product marks its counter ready; make sure that is done.
  for (let i = 0; i < 50; i++) {
    const res = await fetch(`${ORDER_URL}/api/stock/${productId}`);
    if (res.status === 200) break;
    await sleep(100);
  }

  const latencies = [];
  const statuses = new Map();
  let acceptedUnits = 0;
  const base = 5_000_000 + Math.floor(Math.random() * 1_000_000) * 10;
  const end = Date.now() + DURATION_S * 1000;
  const started = Date.now();
  await Promise.all(
    Array.from({ length: CONNECTIONS }, async (_, i) => {
      const auth = `Bearer ${await token(base + i)}`;
      const body = JSON.stringify({ productId, quantity: QUANTITY });
      while (Date.now() < end) {
        const t0 = performance.now();
        const status = await post(
          `${ORDER_URL}/api/orders`,
          { authorization: auth, 'content-type': 'application/json' },
          body,
        );
        latencies.push(performance.now() - t0);
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
        if (status === 201) acceptedUnits += QUANTITY;
        if (status === 503) await sleep(50);
      }
    }),
  );
  const seconds = (Date.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const pct = (p) =>
    latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))].toFixed(1);
  console.log(
    `product ${productId}, stock ${STOCK}, ${CONNECTIONS} connections, ${seconds.toFixed(1)} s`,
  );
  console.log(
    `requests ${latencies.length} (${(latencies.length / seconds).toFixed(0)}/s), accepted ${statuses.get(201) ?? 0} (${((statuses.get(201) ?? 0) / seconds).toFixed(0)}/s)`,
  );
  console.log(
    `latency ms: p50 ${pct(50)}, p90 ${pct(90)}, p99 ${pct(99)}, max ${latencies[latencies.length - 1].toFixed(1)}`,
  );
  console.log(`answers: ${JSON.stringify(Object.fromEntries(statuses))}`);

  // Settled: the product's MySQL stock stops moving and matches the Redis counter.
  let mysql = -1;
  let counter = -2;
  for (let i = 0; i < 120 && mysql !== counter; i++) {
    await sleep(500);
    mysql = (await (await fetch(`${INVENTORY_URL}/api/inventory/${productId}`)).json()).stock;
    counter = (await (await fetch(`${ORDER_URL}/api/stock/${productId}`)).json()).stock;
  }
  const confirmed = STOCK - mysql;
  console.log(
    `settled: MySQL stock ${mysql}, Redis counter ${counter}, confirmed units ${confirmed}, accepted units ${acceptedUnits}`,
  );
  console.log(
    confirmed <= STOCK && mysql >= 0 && confirmed + counter === STOCK
      ? 'OK: no oversell, no leak'
      : 'MISMATCH',
  );
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
