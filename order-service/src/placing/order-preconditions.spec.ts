import { DomainError } from '@flash-sale/common';
import { TestTokenIssuer } from '@flash-sale/common/testing';
import { ErrorCode, Role } from '@flash-sale/contracts';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { strictFake } from '../../test/support/strict-fake.js';
import type { FailPoints } from '../fail-points.js';
import type { OrderSettings } from '../orders/order-settings.js';
import type { OrderSettlement } from '../orders/order-settlement.js';
import type { OrdersRepository } from '../orders/orders.repository.js';
import type { ReservationStore } from '../stock/reservation.store.js';
import { SoldOutMarks } from '../stock/sold-out-marks.js';
import type { StockReconciler } from '../stock/stock-reconciler.js';
import type { OrderInsertBatcher } from './order-insert-batcher.js';
import { earlyRefusal } from './order-preconditions.js';
import { OrdersService } from './orders.service.js';
import { SoldOutGate } from './sold-out.gate.js';
import type { PendingOrdersGauge } from './pending-orders.gauge.js';

const signer = new TestTokenIssuer({ issuer: 'iss-test', audience: 'aud-test' });
const tokens = Object.assign(signer.verifier(), {
  /** Signs as user-service would (the verifier itself holds no signing key). */
  sign: (claims: Parameters<TestTokenIssuer['sign']>[0]) => signer.sign(claims, 60),
});

interface Case {
  customer: boolean;
  overloaded: boolean;
  idempotencyKey: boolean;
  soldOut: boolean;
}

const cases: Case[] = [];
for (const customer of [true, false])
  for (const overloaded of [true, false])
    for (const idempotencyKey of [true, false])
      for (const soldOut of [true, false])
        cases.push({ customer, overloaded, idempotencyKey, soldOut });

function stateOf(c: Case) {
  const soldOut = new SoldOutMarks(strictFake('redis'), { soldOutTtlMs: 60_000 });
  if (c.soldOut) soldOut.mark('SKU-1');
  const backpressure = strictFake<OrderInsertBatcher>('batcher', {
    isOverloaded: () => c.overloaded,
  });
  return { soldOut, backpressure };
}

/** What place() answers; `reserved` when it got as far as Redis. */
async function serviceAnswer(c: Case): Promise<string> {
  const { soldOut, backpressure } = stateOf(c);
  const stock = strictFake<ReservationStore>('stock', {
    // Past the early checks: answer something no early check gives.
    reserve: () => Promise.resolve({ kind: 'limit', held: 0, maxPerUser: 1 }),
  });
  const service = new OrdersService(
    strictFake<OrdersRepository>('orders'),
    stock,
    soldOut,
    strictFake<PendingOrdersGauge>('pending'),
    backpressure,
    strictFake<OrderSettlement>('settlement'),
    strictFake<StockReconciler>('reconciler'),
    strictFake<FailPoints>('failPoints'),
    { idempotencyTtlSeconds: 60 } as OrderSettings,
  );
  try {
    await service.place({
      userId: c.customer ? '7' : 'svc-1',
      productId: 'SKU-1',
      quantity: 1,
      idempotencyKey: c.idempotencyKey ? 'k-1' : undefined,
    });
    return 'placed';
  } catch (error) {
    if (!(error instanceof DomainError)) throw error;
    return error.code === ErrorCode.PurchaseLimitExceeded ? 'reserved' : error.code;
  }
}

/** What the gate does: `refused` (409) or `passed` on to Nest. */
async function gateAnswer(c: Case): Promise<string> {
  const { soldOut, backpressure } = stateOf(c);
  const gate = new SoldOutGate(tokens, soldOut, backpressure);
  const token = await tokens.sign({
    sub: c.customer ? '7' : 'svc-1',
    username: 'alice',
    role: Role.User,
  });
  const headers: Record<string, string> = { authorization: `Bearer ${token}` };
  if (c.idempotencyKey) headers['idempotency-key'] = 'k-1';
  const request = {
    method: 'POST',
    routeOptions: { url: '/api/orders' },
    body: { productId: 'SKU-1', quantity: 1 },
    headers,
    id: 'req-1',
  } as unknown as FastifyRequest;
  let status: number | undefined;
  const reply = {
    code(code: number) {
      status = code;
      return { send: () => reply };
    },
  } as unknown as FastifyReply;
  const answered = await gate.check(request, reply);
  // What the route reads to stop: it must say so exactly when the gate answered.
  expect(answered).toBe(status === 409);
  return status === 409 ? 'refused' : 'passed';
}

describe(earlyRefusal.name, () => {
  it.each(cases)(
    'the gate refuses exactly when place() answers OUT_OF_STOCK without reserving: %o',
    async (c) => {
      const [service, gate] = await Promise.all([serviceAnswer(c), gateAnswer(c)]);
      expect(gate === 'refused').toBe(service === ErrorCode.OutOfStock);
    },
  );

  it('refuses in place()’s order: customer, then backpressure, then the sold-out mark', () => {
    const state = stateOf({
      customer: true,
      overloaded: true,
      idempotencyKey: false,
      soldOut: true,
    });
    const order = { productId: 'SKU-1', hasIdempotencyKey: false };
    expect(earlyRefusal({ ...order, userId: 'svc-1' }, state)).toBe('not-a-customer');
    expect(earlyRefusal({ ...order, userId: '7' }, state)).toBe('overloaded');
    const calm = stateOf({
      customer: true,
      overloaded: false,
      idempotencyKey: false,
      soldOut: true,
    });
    expect(earlyRefusal({ ...order, userId: '7' }, calm)).toBe('sold-out');
    expect(earlyRefusal({ ...order, userId: '7', hasIdempotencyKey: true }, calm)).toBeUndefined();
  });
});
