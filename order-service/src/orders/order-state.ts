import { OrderStatus } from './order.js';

/**
 * The order state machine, as data: the only transitions there are. Everything else is refused,
 * whoever asks (inventory answers, cancel, redelivered messages).
 */
export const ORDER_TRANSITIONS: Readonly<Record<OrderStatus, readonly OrderStatus[]>> = {
  [OrderStatus.Pending]: [OrderStatus.Confirmed, OrderStatus.Failed, OrderStatus.Cancelled],
  [OrderStatus.Confirmed]: [OrderStatus.Cancelled],
  [OrderStatus.Failed]: [],
  [OrderStatus.Cancelled]: [],
};

export function canTransition(from: OrderStatus, to: OrderStatus): boolean {
  return ORDER_TRANSITIONS[from].includes(to);
}
