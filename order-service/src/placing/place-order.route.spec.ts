import type { HttpAdapterHost } from '@nestjs/core';
import type { RateLimitGuard } from '@flash-sale/common';
import { TestTokenIssuer } from '@flash-sale/common/testing';
import { Role } from '@flash-sale/contracts';
import Fastify, { type FastifyInstance } from 'fastify';
import { strictFake } from '../../test/support/strict-fake.js';
import { OrderStatus, type Order } from '../orders/order.js';
import { SoldOutMarks } from '../stock/sold-out-marks.js';
import type { OrderInsertBatcher } from './order-insert-batcher.js';
import type { OrdersService } from './orders.service.js';
import { PlaceOrderRoute } from './place-order.route.js';
import { SoldOutGate } from './sold-out.gate.js';

const signer = new TestTokenIssuer({ issuer: 'iss-test', audience: 'aud-test' });
const tokens = signer.verifier();
const customer = { sub: '7', username: 'alice', role: Role.User };

const placedOrder: Order = {
  id: '0193a0a0-0000-7000-8000-000000000000',
  userId: '7',
  productId: 'SKU-1',
  quantity: 1,
  unitPriceCents: 100,
  totalCents: 100,
  status: OrderStatus.Pending,
  failureReason: null,
  idempotencyKey: null,
  stockRelease: null,
  restore: null,
  createdAt: new Date(0),
  updatedAt: new Date(0),
};

/**
 * The route's preHandler in a real Fastify app (a real reply: a thenable, which is what made the
 * gate's refusals fall through before), in front of a stand-in for the Nest route.
 */
async function appWithRoute() {
  const fastify: FastifyInstance = Fastify();
  const soldOut = new SoldOutMarks(strictFake('redis'), { soldOutTtlMs: 60_000 });
  const inserts = strictFake<OrderInsertBatcher>('batcher', { isOverloaded: () => false });
  const rateLimit = strictFake<RateLimitGuard>('rateLimit', { check: () => Promise.resolve() });
  const orders = strictFake<OrdersService>('orders', {
    place: () => Promise.resolve({ order: placedOrder, replayed: false }),
  });
  const route = new PlaceOrderRoute(
    strictFake<HttpAdapterHost>('adapterHost'),
    new SoldOutGate(tokens, soldOut, inserts),
    tokens,
    rateLimit,
    orders,
    { maxQuantity: 10, slowRequestMs: 1_000, requestLogSample: 0 },
  );
  let nestReached = 0;
  fastify.addHook('preHandler', (request, reply) => route.handle(request, reply));
  fastify.post('/api/orders', () => {
    nestReached += 1;
    return { reached: 'nest' };
  });
  const address = await fastify.listen({ port: 0, host: '127.0.0.1' });
  apps.push(fastify);
  const post = async (payload: object) => {
    const res = await fetch(`${address}/api/orders`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${await signer.sign(customer, 60)}`,
      },
      body: JSON.stringify(payload),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  return { post, soldOut, rateLimit, orders, nestReached: () => nestReached };
}

const apps: FastifyInstance[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()));
});

describe(PlaceOrderRoute.name, () => {
  it('answers a sold-out refusal and stops there: no rate-limit token, no place(), no Nest route', async () => {
    const { post, soldOut, rateLimit, orders, nestReached } = await appWithRoute();
    soldOut.mark('SKU-1');
    const res = await post({ productId: 'SKU-1', quantity: 1 });
    expect(res).toMatchObject({ status: 409, body: { code: 'OUT_OF_STOCK' } });
    expect(rateLimit.check).not.toHaveBeenCalled();
    expect(orders.place).not.toHaveBeenCalled();
    expect(nestReached()).toBe(0);
  });

  it('places the common request itself: rate limit, place(), 201, and Nest is not reached', async () => {
    const { post, rateLimit, orders, nestReached } = await appWithRoute();
    const res = await post({ productId: 'SKU-1', quantity: 1 });
    expect(res).toMatchObject({ status: 201, body: { id: placedOrder.id, status: 'PENDING' } });
    expect(rateLimit.check).toHaveBeenCalledTimes(1);
    expect(orders.place).toHaveBeenCalledWith(
      expect.objectContaining({ userId: '7', productId: 'SKU-1', quantity: 1 }),
    );
    expect(nestReached()).toBe(0);
  });

  it('leaves a body it does not take to the Nest route', async () => {
    const { post, orders, nestReached } = await appWithRoute();
    const res = await post({ productId: 1, quantity: 1 });
    expect(res).toMatchObject({ status: 200, body: { reached: 'nest' } });
    expect(orders.place).not.toHaveBeenCalled();
    expect(nestReached()).toBe(1);
  });
});
