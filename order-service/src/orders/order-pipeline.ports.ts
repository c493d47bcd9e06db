import type { NewOrder } from './order.js';

/** An order as the inventory request needs it. */
export interface InventoryRequestOrder {
  id: string;
  userId: string;
  productId: string;
  quantity: number;
  requestId: string | null;
}

/**
 * What the order pipeline asks of inventory-service: deduct an order's units, or put a cancelled
 * order's units back. The outbox room sends these over Kafka; an abstract class, so it doubles
 * as the injection token and the core never names the transport.
 */
export abstract class InventoryRequests {
  abstract requestDeductions(orders: InventoryRequestOrder[]): Promise<void>;

  abstract requestRestores(
    orders: { id: string; productId: string; quantity: number }[],
  ): Promise<void>;
}

/**
 * What runs right after a batch of new orders is committed, before their requests are answered
 * (the outbox publishes their inventory requests). It must neither throw nor make the requests
 * wait: the rows are already the outbox, so anything it fails to do the relay does later.
 */
export abstract class AfterOrdersCommitted {
  abstract committed(orders: NewOrder[]): void;
}
