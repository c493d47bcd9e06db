#!/usr/bin/env node
// The benchmark's floors: a bare Fastify server, run as its own process so it has a core of its
// own to compete for, exactly like a service does. Two routes:
//   GET  /hello  -> {"hello":"world"}                       (what Node + Fastify cost at all)
//   POST /order  -> order-service's reserve-stock.lua, with the same KEYS/ARGV shape, on bench-only
//                   keys holding a stock that never runs out (what one Redis script per request
//                   costs on top: the best an order endpoint could do on this machine)
// It listens on a free port of 127.0.0.1 and prints `{"port":N}` on stdout when ready. On SIGTERM
// it deletes its keys and exits. Env: REDIS_HOST, REDIS_PORT, FLOOR_ID (key suffix).
import { createHash, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import Fastify from 'fastify';
import { ProductHashFields } from '@flash-sale/contracts';
import { Redis } from 'ioredis';

const LUA_URL = new URL('../../order-service/src/stock/lua/reserve-stock.lua', import.meta.url);
const source = readFileSync(LUA_URL, 'utf8');
const sha = createHash('sha1').update(source).digest('hex');

// Same key layout and hash tag as order-service's StockKeys, under a `bench-floor:` prefix so the
// order-service reconciler (which SCANs `stock:{*}`) never sees these keys as a product.
const floorId = process.env.FLOOR_ID ?? `${process.pid}`;
const tag = `{bench-floor-${floorId}}`;
const keys = {
  stock: `bench-floor:stock:${tag}`,
  product: `bench-floor:product:${tag}`,
  reservations: `bench-floor:reservations:${tag}`,
  bought: `bench-floor:bought:${tag}`,
  noIdempotency: `bench-floor:idem:${tag}:`,
  ready: `bench-floor:stock-ready:${tag}`,
  sequence: `bench-floor:stock-seq:${tag}`,
  stale: `bench-floor:stock-stale:${tag}`,
};
const HUGE_STOCK = 1_000_000_000_000;

const redis = new Redis({
  host: process.env.REDIS_HOST ?? '127.0.0.1',
  port: Number(process.env.REDIS_PORT ?? 6379),
  lazyConnect: true,
});
await redis.connect();
await redis
  .multi()
  .set(keys.stock, HUGE_STOCK)
  .hset(keys.product, 'name', 'bench floor', ProductHashFields.PriceCents, 100)
  .set(keys.ready, '1')
  .exec();
await redis.script('LOAD', source);

const app = Fastify({ logger: false });

app.get('/hello', async () => ({ hello: 'world' }));

app.post('/order', async (request, reply) => {
  const body = /** @type {{productId?: string, quantity?: number}} */ (request.body ?? {});
  const quantity = Number(body.quantity ?? 1);
  const userId = '1';
  const orderId = randomUUID();
  const now = Date.now();
  const result = /** @type {string[]} */ (
    await redis.evalsha(
      sha,
      8,
      keys.stock,
      keys.product,
      keys.reservations,
      keys.bought,
      keys.noIdempotency,
      keys.ready,
      keys.sequence,
      keys.stale,
      orderId,
      userId,
      quantity,
      now,
      `${body.productId}:${quantity}`,
      86_400,
      '',
      ProductHashFields.PriceCents,
      ProductHashFields.MaxPerUser,
      0, // lowest sequence known: the floor never compares
      0, // no default per-user cap: every floor order is user 1's
    )
  );
  if (result[0] !== 'OK') {
    reply.code(409);
    return { statusCode: 409, error: 'Conflict', code: 'OUT_OF_STOCK', message: result[0] };
  }
  reply.code(201);
  return {
    id: orderId,
    userId,
    productId: body.productId,
    quantity,
    status: 'PENDING',
    createdAt: new Date(now).toISOString(),
  };
});

async function shutdown() {
  await app.close().catch(() => {});
  // The reservations hash holds one entry per request made: drop everything this floor wrote.
  await redis.del(...Object.values(keys)).catch(() => {});
  redis.disconnect();
  process.exit(0);
}
process.on('SIGTERM', () => void shutdown());
process.on('SIGINT', () => void shutdown());
// The bench going away (even by SIGKILL) closes our stdin: do not outlive it.
process.stdin.on('end', () => void shutdown());
process.stdin.resume();

await app.listen({ host: '127.0.0.1', port: 0 });
const address = app.server.address();
process.stdout.write(
  `${JSON.stringify({ port: typeof address === 'object' ? address?.port : 0 })}\n`,
);
