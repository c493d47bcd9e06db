import { DomainError } from '@flash-sale/common';
import { ErrorCode } from '@flash-sale/contracts';
import { StockErrors } from '../stock/stock.errors.js';

const unavailable = (store: string) =>
  new DomainError(
    ErrorCode.ServiceUnavailable,
    `The sale cannot be audited right now: ${store} did not answer; try again shortly`,
    { retryAfterSeconds: 1 },
  );

/** The sale audit's errors; the shared filter maps each code to its HTTP status. */
export const SaleAuditErrors = {
  productNotFound: StockErrors.productNotFound,
  inventoryUnavailable: () => unavailable('inventory-service'),
  storeDown: () => unavailable('the stock store (Redis)'),
  ordersUnavailable: () => unavailable('the orders database'),
} as const;
