import { DomainError } from '@flash-sale/common';
import { ErrorCode } from '@flash-sale/contracts';

/**
 * The errors of the stock capability (the orders capability reuses the first two). Each carries
 * a code that the shared filter maps to its HTTP status and `Retry-After`.
 */
export const StockErrors = {
  productNotFound: () => new DomainError(ErrorCode.ProductNotFound, 'No such product'),
  /** Redis lost its counters and they are being rebuilt from MySQL: never sell meanwhile. */
  stockUnavailable: () =>
    new DomainError(
      ErrorCode.StockUnavailable,
      'Stock for this product is being reloaded; try again shortly',
      { retryAfterSeconds: 1 },
    ),
  /** Redis (or another instance's reconciliation) did not answer. */
  unavailable: () =>
    new DomainError(
      ErrorCode.ServiceUnavailable,
      'Stock cannot be read right now; try again shortly',
      {
        retryAfterSeconds: 1,
      },
    ),
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
