import { DomainError } from '@flash-sale/common';
import { ErrorCode } from '@flash-sale/contracts';

/** The errors of the stock capability that are not an order's (those are in OrdersErrors). */
export const StockErrors = {
  /** Redis, the hot path's stock store, does not answer. */
  storeDown: () =>
    new DomainError(ErrorCode.ServiceUnavailable, 'The stock store (Redis) does not answer', {
      retryAfterSeconds: 1,
    }),
  /** inventory-service, the writer of record, did not take a stock change. */
  inventoryUnavailable: () =>
    new DomainError(
      ErrorCode.ServiceUnavailable,
      'inventory-service did not take the stock change; try again shortly',
      { retryAfterSeconds: 1 },
    ),
} as const;
