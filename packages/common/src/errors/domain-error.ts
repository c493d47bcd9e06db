import { ErrorCode } from '@flash-sale/contracts';

/**
 * The one error type business code throws. It carries a machine code; the HTTP status is derived
 * from the code in one place ({@link httpStatusOf}), so services never throw HTTP exceptions.
 */
export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    /**
     * What the answer carries besides the body: `retryAfterSeconds` becomes `Retry-After`,
     * `wwwAuthenticate` the challenge of a 401 (`Bearer` when not given).
     */
    readonly details: { retryAfterSeconds?: number; wwwAuthenticate?: string } = {},
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

/** Maps every error code to its HTTP status. Exhaustive: a new code fails to compile until mapped. */
export function httpStatusOf(code: ErrorCode): number {
  switch (code) {
    case ErrorCode.ValidationFailed:
    case ErrorCode.MalformedJson:
    case ErrorCode.EmailDomainReserved:
    case ErrorCode.PasswordTooCommon:
      return 400;
    case ErrorCode.Unauthorized:
    case ErrorCode.InvalidCredentials:
    case ErrorCode.InvalidToken:
      return 401;
    case ErrorCode.Forbidden:
      return 403;
    case ErrorCode.RouteNotFound:
    case ErrorCode.UserNotFound:
    case ErrorCode.OrderNotFound:
    case ErrorCode.ProductNotFound:
      return 404;
    case ErrorCode.MethodNotAllowed:
      return 405;
    case ErrorCode.UsernameTaken:
    case ErrorCode.EmailTaken:
    case ErrorCode.OutOfStock:
    case ErrorCode.PurchaseLimitExceeded:
    case ErrorCode.OrderNotCancellable:
    case ErrorCode.ProductExists:
      return 409;
    case ErrorCode.PayloadTooLarge:
      return 413;
    case ErrorCode.UnsupportedMediaType:
      return 415;
    case ErrorCode.IdempotencyKeyReused:
      return 422;
    case ErrorCode.TooManyRequests:
    case ErrorCode.RateLimited:
      return 429;
    case ErrorCode.InternalError:
      return 500;
    case ErrorCode.ServiceUnavailable:
    case ErrorCode.DatabaseUnavailable:
    case ErrorCode.StockUnavailable:
      return 503;
    default: {
      const unmapped: never = code;
      throw new Error(`unmapped error code ${String(unmapped)}`);
    }
  }
}
