import { RestoreOutcome, type InventoryRestoreResponse } from '@flash-sale/contracts';
import { strictFake } from '../../test/support/strict-fake.js';
import type { OrderSettlement } from '../orders/order-settlement.js';
import type { Order } from '../orders/order.js';
import type { OrdersRepository } from '../orders/orders.repository.js';
import { RestoreAnswers } from './restore-answers.js';

const ids = ['a', 'b', 'c', 'd'].map((c) => `${c.repeat(8)}-0000-4000-8000-000000000000`);

function order(id: string, overrides: Partial<Order> = {}): Order {
  return {
    id,
    userId: '7',
    productId: 'SKU-1',
    quantity: 2,
    unitPriceCents: 1,
    totalCents: 2,
    status: 'CANCELLED',
    failureReason: null,
    idempotencyKey: null,
    stockRelease: 'DUE',
    restore: 'SENT',
    createdAt: new Date(),
    updatedAt: new Date(),
    ...overrides,
  };
}

function answer(orderId: string, overrides: Partial<InventoryRestoreResponse> = {}) {
  return {
    schemaVersion: 1,
    orderId,
    productId: 'SKU-1',
    quantity: 2,
    outcome: RestoreOutcome.Restored,
    restoredQuantity: 2,
    processedAt: new Date().toISOString(),
    ...overrides,
  } as InventoryRestoreResponse;
}

function build(stored: Order[]) {
  const orders = strictFake<OrdersRepository>('orders', {
    findByIds: () => Promise.resolve(stored),
  });
  const settlement = strictFake<OrderSettlement>('settlement', {
    restoresAnswered: (answered: string[]) =>
      Promise.resolve(answered.filter((id) => stored.find((o) => o.id === id)?.restore !== 'DONE')),
    giveBack: () => Promise.resolve(),
    userUnitsBack: () => Promise.resolve(),
    bestEffort: (_what: string, effect: () => Promise<void>) => effect(),
  });
  return { restoreAnswers: new RestoreAnswers(orders, settlement), settlement };
}

describe(RestoreAnswers.name, () => {
  it('records every outcome as done: restored, nothing deducted, product deleted', async () => {
    const { restoreAnswers, settlement } = build([
      order(ids[0]),
      order(ids[1], { restore: 'DUE' }),
      order(ids[2]),
    ]);
    const result = await restoreAnswers.apply([
      answer(ids[0]),
      answer(ids[1], { outcome: RestoreOutcome.NotDeducted, restoredQuantity: 0 }),
      answer(ids[2], { outcome: RestoreOutcome.ProductDeleted, restoredQuantity: 0 }),
    ]);
    expect(settlement.restoresAnswered).toHaveBeenCalledWith([ids[0], ids[1], ids[2]]);
    expect(result).toEqual({ done: [ids[0], ids[1], ids[2]], mismatched: [] });
  });

  it('gives the units back to Redis only for restores done now, once per order', async () => {
    const now = order(ids[0]);
    const before = order(ids[1], { restore: 'DONE' });
    const { restoreAnswers, settlement } = build([now, before]);
    await restoreAnswers.apply([answer(ids[0]), answer(ids[1]), answer(ids[0])]);
    expect(settlement.giveBack).toHaveBeenCalledTimes(1);
    expect(settlement.giveBack).toHaveBeenCalledWith([now], { dropIdempotencyKey: false });
    expect(settlement.userUnitsBack).toHaveBeenCalledWith([]);
  });

  it("takes only the buyer's total back for an order whose stock went back at cancel time", async () => {
    // Cancelled by an earlier version: its counter units went back at once, its buyer's units
    // waited for this answer.
    const earlier = order(ids[0], { stockRelease: 'DONE' });
    const { restoreAnswers, settlement } = build([earlier]);
    await restoreAnswers.apply([answer(ids[0])]);
    expect(settlement.giveBack).toHaveBeenCalledWith([], { dropIdempotencyKey: false });
    expect(settlement.userUnitsBack).toHaveBeenCalledWith([earlier]);
  });

  it('refuses an answer that differs from its order or names one that asked for no restore', async () => {
    const sent = order(ids[0]);
    const confirmed = order(ids[1], { status: 'CONFIRMED', restore: null });
    const { restoreAnswers, settlement } = build([sent, confirmed]);
    const wrongQuantity = answer(ids[0], { quantity: 3, restoredQuantity: 3 });
    const unasked = answer(ids[1]);
    const result = await restoreAnswers.apply([wrongQuantity, unasked, answer(ids[3])]);
    expect(settlement.restoresAnswered).toHaveBeenCalledWith([]);
    expect(result.mismatched).toEqual([
      {
        answer: wrongQuantity,
        order: sent,
        reason: `order ${ids[0]} is 2 x SKU-1; the answer names 3 x SKU-1`,
      },
      {
        answer: unasked,
        order: confirmed,
        reason: `order ${ids[1]} is CONFIRMED and asked for no restore`,
      },
    ]);
  });
});
