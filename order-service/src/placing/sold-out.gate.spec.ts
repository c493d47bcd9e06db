import { TestTokenIssuer } from '@flash-sale/common/testing';
import { Role } from '@flash-sale/contracts';
import Fastify, { type FastifyInstance } from 'fastify';
import { strictFake } from '../../test/support/strict-fake.js';
import { SoldOutMarks } from '../stock/sold-out-marks.js';
import type { OrderInsertBatcher } from './order-insert-batcher.js';
import { SoldOutGate } from './sold-out.gate.js';

const signer = new TestTokenIssuer({ issuer: 'iss-test', audience: 'aud-test' });
const tokens = Object.assign(signer.verifier(), {
  /** Signs as user-service would (the verifier itself holds no signing key). */
  sign: (claims: Parameters<TestTokenIssuer['sign']>[0]) => signer.sign(claims, 60),
});
const customer = { sub: '7', username: 'alice', role: Role.User };

/** A Fastify app with the gate in front of stand-ins of the order routes that say they ran. */
async function appWithGate(options: { overloaded?: boolean } = {}) {
  const fastify: FastifyInstance = Fastify();
  const soldOut = new SoldOutMarks(strictFake('redis'), { soldOutTtlMs: 60_000 });
  const inserts = strictFake<OrderInsertBatcher>('batcher', {
    isOverloaded: () => options.overloaded ?? false,
  });
  // As PlaceOrderRoute runs it: first thing in a preHandler of every route.
  const gate = new SoldOutGate(tokens, soldOut, inserts);
  fastify.addHook('preHandler', async (request, reply) =>
    (await gate.check(request, reply)) ? reply : undefined,
  );
  fastify.post('/api/orders', () => ({ reached: 'place' }));
  fastify.post('/api/orders/:id', () => ({ reached: 'other' }));
  // Over a socket (Fastify's inject needs CommonJS modules Jest cannot load here).
  const address = await fastify.listen({ port: 0, host: '127.0.0.1' });
  apps.push(fastify);
  const post = async (request: {
    url?: string;
    headers?: Record<string, string>;
    payload: object;
  }) => {
    const res = await fetch(`${address}${request.url ?? '/api/orders'}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...request.headers },
      body: JSON.stringify(request.payload),
    });
    const body: unknown = await res.json();
    return { statusCode: res.status, body };
  };
  return { post, soldOut };
}

const apps: FastifyInstance[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()));
});

describe(SoldOutGate.name, () => {
  const order = { productId: 'SKU-1', quantity: 1 };

  it('refuses an order for a sold-out product with 409 OUT_OF_STOCK before the handler', async () => {
    const { post, soldOut } = await appWithGate();
    soldOut.mark('SKU-1');
    const res = await post({
      headers: { authorization: `Bearer ${await tokens.sign(customer)}` },
      payload: order,
    });

    expect(res.statusCode).toBe(409);
    expect(res.body).toEqual({
      statusCode: 409,
      error: 'Conflict',
      message: 'Not enough stock left for this order',
      code: 'OUT_OF_STOCK',
      requestId: expect.any(String),
    });
  });

  it('refuses the original API’s body too: a numeric productId and the ignored aliases', async () => {
    const { post, soldOut } = await appWithGate();
    soldOut.mark('1');
    const res = await post({
      headers: { authorization: `Bearer ${await tokens.sign(customer)}` },
      payload: { productId: 1, productName: 'iPhone 15', price: 999.99, quantity: 1 },
    });

    expect(res.statusCode).toBe(409);
    expect(res.body).toEqual(expect.objectContaining({ code: 'OUT_OF_STOCK' }));
  });

  it('lets everything else through to the order pipeline', async () => {
    const { post, soldOut } = await appWithGate();
    soldOut.mark('SKU-1');
    const token = await tokens.sign(customer);
    const cases = [
      { name: 'in stock', payload: { ...order, productId: 'SKU-2' } },
      { name: 'no token (the guard answers 401)', headers: { authorization: undefined } },
      { name: 'a forged token', headers: { authorization: `Bearer ${token}x` } },
      {
        name: 'a token that names no customer',
        headers: { authorization: `Bearer ${await tokens.sign({ ...customer, sub: 'bob' })}` },
      },
      { name: 'an Idempotency-Key (a retry gets its order)', headers: { 'idempotency-key': 'k' } },
      { name: 'a body without productId', payload: { quantity: 1 } },
      { name: 'a numeric id that is no product id', payload: { productId: -1, quantity: 1 } },
      { name: 'another route', url: '/api/orders/abc' },
    ];
    for (const c of cases) {
      const headers: Record<string, string> = { authorization: `Bearer ${token}` };
      for (const [name, value] of Object.entries(c.headers ?? {})) {
        if (value === undefined) delete headers[name];
        else headers[name] = value;
      }
      const res = await post({
        url: c.url,
        headers,
        payload: c.payload ?? order,
      });
      expect({ name: c.name, status: res.statusCode }).toEqual({ name: c.name, status: 200 });
    }
  });

  it('leaves the answer to the pipeline while orders are backed up (503 comes first)', async () => {
    const { post, soldOut } = await appWithGate({ overloaded: true });
    soldOut.mark('SKU-1');
    const res = await post({
      headers: { authorization: `Bearer ${await tokens.sign(customer)}` },
      payload: order,
    });
    expect(res.body).toEqual({ reached: 'place' });
  });
});
