import { DomainError } from '@flash-sale/common';
import { ErrorCode } from '@flash-sale/contracts';
import { StockErrors } from '../stock/stock.errors.js';

/**
 * The errors of the orders capability. Each carries a code that the shared filter maps to its
 * HTTP status (and `Retry-After` where given); services never throw HTTP exceptions.
 */
export const OrdersErrors = {
  outOfStock: () => new DomainError(ErrorCode.OutOfStock, 'Not enough stock left for this order'),
  productNotFound: StockErrors.productNotFound,
  purchaseLimitExceeded: (maxPerUser: number) =>
    new DomainError(
      ErrorCode.PurchaseLimitExceeded,
      `This product is limited to ${maxPerUser} per customer`,
    ),
  idempotencyKeyReused: () =>
    new DomainError(
      ErrorCode.IdempotencyKeyReused,
      'This Idempotency-Key was already used for a different order',
    ),
  orderNotFound: () => new DomainError(ErrorCode.OrderNotFound, 'No such order'),
  orderNotCancellable: (status: string) =>
    new DomainError(ErrorCode.OrderNotCancellable, `A ${status} order cannot be cancelled`),
  /** Redis lost its counters and they are being rebuilt from MySQL: never sell meanwhile. */
  stockUnavailable: StockErrors.stockUnavailable,
  /** MySQL is not keeping up with the inserts (the backpressure of OrderInsertBatcher). */
  overloaded: () =>
    new DomainError(
      ErrorCode.ServiceUnavailable,
      'Orders are arriving faster than they can be stored; try again shortly',
      { retryAfterSeconds: 1 },
    ),
  unavailable: () =>
    new DomainError(
      ErrorCode.ServiceUnavailable,
      'Orders cannot be taken right now; try again shortly',
      { retryAfterSeconds: 1 },
    ),
  /** A repeat of a request whose first copy is still being recorded. */
  stillProcessing: () =>
    new DomainError(
      ErrorCode.ServiceUnavailable,
      'The first request with this Idempotency-Key is still being processed; try again shortly',
      { retryAfterSeconds: 1 },
    ),
  invalidIdempotencyKey: () =>
    new DomainError(
      ErrorCode.ValidationFailed,
      'Idempotency-Key must be 1-128 characters of A-Z a-z 0-9 _ . : -',
    ),
  invalidCursor: () => new DomainError(ErrorCode.ValidationFailed, 'cursor is not valid'),
  unusableToken: () =>
    new DomainError(ErrorCode.Unauthorized, 'The access token does not name a customer'),
} as const;
