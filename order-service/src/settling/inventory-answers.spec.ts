import { InventoryFailureReason, type InventoryResponse } from '@flash-sale/contracts';
import { strictFake } from '../../test/support/strict-fake.js';
import { decide, InventoryAnswers, mismatchOf } from './inventory-answers.js';
import type { OrderSettlement } from '../orders/order-settlement.js';
import type { Order } from '../orders/order.js';
import type { OrderChange, OrdersRepository } from '../orders/orders.repository.js';

const ID = '22222222-2222-4222-8222-222222222222';

function order(status: Order['status'], overrides: Partial<Order> = {}): Order {
  return {
    id: ID,
    userId: '7',
    productId: 'SKU-1',
    quantity: 1,
    unitPriceCents: 1,
    totalCents: 1,
    status,
    failureReason: null,
    idempotencyKey: null,
    stockRelease: null,
    restore: null,
    createdAt: new Date(),
    updatedAt: new Date(),
    ...overrides,
  };
}

function answer(success: boolean, orderId = ID): InventoryResponse {
  return {
    schemaVersion: 1,
    orderId,
    productId: 'SKU-1',
    quantity: 1,
    success,
    ...(success ? {} : { reason: InventoryFailureReason.InsufficientStock }),
    processedAt: new Date().toISOString(),
  };
}

describe('decide', () => {
  it('confirms a PENDING order on success', () => {
    expect(decide(order('PENDING'), answer(true))).toEqual({ id: ID, status: 'CONFIRMED' });
  });

  it('fails a PENDING order on failure, keeping the reason and making its give-back due', () => {
    expect(decide(order('PENDING'), answer(false))).toEqual({
      id: ID,
      status: 'FAILED',
      failureReason: 'INSUFFICIENT_STOCK',
      stockReleaseDue: true,
    });
  });

  it('makes the restore due for a success that arrives after the order was cancelled', () => {
    expect(decide(order('CANCELLED'), answer(true))).toEqual({ id: ID, restoreDue: true });
  });

  it.each([
    ['a redelivered success', order('CONFIRMED'), answer(true)],
    ['a redelivered failure', order('FAILED'), answer(false)],
    ['a failure after cancel', order('CANCELLED'), answer(false)],
    [
      'a success after cancel whose restore is already due',
      order('CANCELLED', { restore: 'DUE' }),
      answer(true),
    ],
    [
      'a success after cancel whose restore was sent',
      order('CANCELLED', { restore: 'SENT' }),
      answer(true),
    ],
    ['a contradicting failure for a confirmed order', order('CONFIRMED'), answer(false)],
  ])('changes nothing for %s', (_label, current, incoming) => {
    expect(decide(current, incoming)).toBeUndefined();
  });
});

describe('mismatchOf', () => {
  const stored = { id: ID, productId: 'SKU-1', quantity: 2 };

  it('accepts an answer naming the order’s product and quantity', () => {
    expect(mismatchOf(stored, { productId: 'SKU-1', quantity: 2 })).toBeUndefined();
  });

  it.each([
    ['another quantity', { productId: 'SKU-1', quantity: 3 }],
    ['another product', { productId: 'SKU-2', quantity: 2 }],
    ['a product differing in case', { productId: 'sku-1', quantity: 2 }],
  ])('refuses %s, saying what differs', (_label, incoming) => {
    expect(mismatchOf(stored, incoming)).toBe(
      `order ${ID} is 2 x SKU-1; the answer names ${incoming.quantity} x ${incoming.productId}`,
    );
  });
});

describe(InventoryAnswers.name, () => {
  function build(current: Order[]) {
    let applied: OrderChange[] = [];
    const orders = strictFake<OrdersRepository>('orders', {
      changeLocked: (_ids: string[], fn: (o: Order[]) => OrderChange[]) => {
        applied = fn(current);
        return Promise.resolve(current);
      },
    });
    const settlement = strictFake<OrderSettlement>('settlement', {
      forgetReservations: () => Promise.resolve(),
      giveBack: () => Promise.resolve(),
      sendRestores: () => Promise.resolve(),
      bestEffort: (_what: string, effect: () => Promise<void>) => effect(),
    });
    return {
      answers: new InventoryAnswers(orders, settlement),
      settlement,
      applied: () => applied,
    };
  }

  it('gives side effects only to the orders that changed', async () => {
    const ids = ['a', 'b', 'c', 'd'].map((c) => `${c.repeat(8)}-0000-4000-8000-000000000000`);
    const current = [
      order('PENDING', { id: ids[0] }),
      order('PENDING', { id: ids[1] }),
      order('CONFIRMED', { id: ids[2] }),
      order('CANCELLED', { id: ids[3] }),
    ];
    const { answers, settlement, applied } = build(current);
    const result = await answers.apply([
      answer(true, ids[0]),
      answer(false, ids[1]),
      answer(true, ids[2]),
      answer(true, ids[3]),
    ]);
    expect(applied().map((c) => c.id)).toEqual([ids[0], ids[1], ids[3]]);
    expect(result.confirmed.map((o) => o.id)).toEqual([ids[0]]);
    expect(result.failed.map((o) => o.id)).toEqual([ids[1]]);
    expect(result.restored.map((o) => o.id)).toEqual([ids[3]]);
    expect(settlement.forgetReservations).toHaveBeenCalledWith([current[0]]);
    expect(settlement.giveBack).toHaveBeenCalledWith(
      [expect.objectContaining({ id: ids[1], failureReason: 'INSUFFICIENT_STOCK' })],
      { dropIdempotencyKey: false },
    );
    expect(settlement.sendRestores).toHaveBeenCalledWith([current[3]]);
  });

  it('refuses an answer whose quantity or product differ from its order: it changes nothing', async () => {
    const current = [order('PENDING', { quantity: 2 })];
    const { answers, settlement, applied } = build(current);
    const forged = { ...answer(true), quantity: 5 };
    const result = await answers.apply([forged]);
    expect(applied()).toEqual([]);
    expect(result.confirmed).toEqual([]);
    expect(result.mismatched).toEqual([
      {
        answer: forged,
        order: current[0],
        reason: `order ${ID} is 2 x SKU-1; the answer names 5 x SKU-1`,
      },
    ]);
    expect(settlement.forgetReservations).toHaveBeenCalledWith([]);
  });

  it('applies the matching answer of an order when a forged one comes in the same batch', async () => {
    const current = [order('PENDING')];
    const { answers, applied } = build(current);
    const real = answer(true);
    const forged = { ...answer(false), productId: 'SKU-2' };
    const result = await answers.apply([real, forged]);
    expect(applied()).toEqual([{ id: ID, status: 'CONFIRMED' }]);
    expect(result.mismatched.map((m) => m.answer)).toEqual([forged]);
  });

  it('does nothing for answers about orders it does not know', async () => {
    const { answers, settlement } = build([]);
    await answers.apply([answer(true)]);
    expect(settlement.giveBack).toHaveBeenCalledWith([], { dropIdempotencyKey: false });
  });
});
