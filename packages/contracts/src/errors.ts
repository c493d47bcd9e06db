/**
 * Machine-readable error codes of the HTTP API (`code` in every error body). Clients switch on
 * these, never on messages, so a code is never renamed once released.
 */
export const ErrorCode = {
  // Generic, produced by the shared error filter.
  ValidationFailed: 'VALIDATION_FAILED',
  MalformedJson: 'MALFORMED_JSON',
  PayloadTooLarge: 'PAYLOAD_TOO_LARGE',
  UnsupportedMediaType: 'UNSUPPORTED_MEDIA_TYPE',
  Unauthorized: 'UNAUTHORIZED',
  Forbidden: 'FORBIDDEN',
  RouteNotFound: 'ROUTE_NOT_FOUND',
  MethodNotAllowed: 'METHOD_NOT_ALLOWED',
  TooManyRequests: 'TOO_MANY_REQUESTS',
  /** A route's token bucket (per user or per address) is empty; see `Retry-After`, `RateLimit`. */
  RateLimited: 'RATE_LIMITED',
  ServiceUnavailable: 'SERVICE_UNAVAILABLE',
  /** The database connection was lost or none could be had in time: retry after Retry-After. */
  DatabaseUnavailable: 'DATABASE_UNAVAILABLE',
  InternalError: 'INTERNAL_ERROR',
  // user-service
  UsernameTaken: 'USERNAME_TAKEN',
  EmailTaken: 'EMAIL_TAKEN',
  InvalidCredentials: 'INVALID_CREDENTIALS',
  InvalidToken: 'INVALID_TOKEN',
  UserNotFound: 'USER_NOT_FOUND',
  /** Registration with an address in the domain reserved for the admin (RESERVED_EMAIL_DOMAIN). */
  EmailDomainReserved: 'EMAIL_DOMAIN_RESERVED',
  /** A password found in a list of commonly used passwords. */
  PasswordTooCommon: 'PASSWORD_TOO_COMMON',
  // order-service
  OutOfStock: 'OUT_OF_STOCK',
  PurchaseLimitExceeded: 'PURCHASE_LIMIT_EXCEEDED',
  IdempotencyKeyReused: 'IDEMPOTENCY_KEY_REUSED',
  OrderNotFound: 'ORDER_NOT_FOUND',
  OrderNotCancellable: 'ORDER_NOT_CANCELLABLE',
  StockUnavailable: 'STOCK_UNAVAILABLE',
  // inventory-service (and order-service for unknown products)
  ProductNotFound: 'PRODUCT_NOT_FOUND',
  ProductExists: 'PRODUCT_EXISTS',
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** The body of every error answer: NestJS's shape plus a machine code and the request id. */
export interface ErrorBody {
  statusCode: number;
  error: string;
  message: string | string[];
  code: ErrorCode;
  requestId?: string;
}
