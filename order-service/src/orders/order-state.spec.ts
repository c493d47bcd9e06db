import { canTransition, ORDER_TRANSITIONS } from './order-state.js';
import { OrderStatus } from './order.js';

describe('order state table', () => {
  const all = Object.values(OrderStatus);

  it.each([
    [OrderStatus.Pending, OrderStatus.Confirmed],
    [OrderStatus.Pending, OrderStatus.Failed],
    [OrderStatus.Pending, OrderStatus.Cancelled],
    [OrderStatus.Confirmed, OrderStatus.Cancelled],
  ])('allows %s -> %s', (from, to) => {
    expect(canTransition(from, to)).toBe(true);
  });

  it('refuses every other transition, including staying put', () => {
    const allowed = new Set([
      'PENDING>CONFIRMED',
      'PENDING>FAILED',
      'PENDING>CANCELLED',
      'CONFIRMED>CANCELLED',
    ]);
    for (const from of all) {
      for (const to of all) {
        expect(canTransition(from, to)).toBe(allowed.has(`${from}>${to}`));
      }
    }
  });

  it('has FAILED and CANCELLED as final states', () => {
    expect(ORDER_TRANSITIONS[OrderStatus.Failed]).toEqual([]);
    expect(ORDER_TRANSITIONS[OrderStatus.Cancelled]).toEqual([]);
  });
});
