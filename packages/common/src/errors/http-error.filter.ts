import {
  ArgumentsHost,
  Catch,
  ExceptionFilter,
  HttpException,
  HttpStatus,
  Logger,
} from '@nestjs/common';
import { ErrorCode, type ErrorBody } from '@flash-sale/contracts';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { databaseUnavailableCode } from '../database/connection-lost.js';
import { DomainError, httpStatusOf } from './domain-error.js';

/** The challenge of a 401 without a more precise one (RFC 6750 §3). */
export const BEARER_CHALLENGE = 'Bearer';

/** The challenge of a 401 to a request whose token was refused (RFC 6750 §3.1). */
export const INVALID_TOKEN_CHALLENGE = 'Bearer error="invalid_token"';

/** Retry-After of a 503 DATABASE_UNAVAILABLE: a pool reconnects within about a second. */
const DATABASE_RETRY_AFTER_SECONDS = 1;

/** The error code of a bare HTTP status, for exceptions that come without one. */
function codeOfStatus(status: number): ErrorCode {
  switch (status) {
    case 400:
      return ErrorCode.ValidationFailed;
    case 401:
      return ErrorCode.Unauthorized;
    case 403:
      return ErrorCode.Forbidden;
    case 404:
      return ErrorCode.RouteNotFound;
    case 405:
      return ErrorCode.MethodNotAllowed;
    case 413:
      return ErrorCode.PayloadTooLarge;
    case 415:
      return ErrorCode.UnsupportedMediaType;
    case 429:
      return ErrorCode.TooManyRequests;
    case 503:
      return ErrorCode.ServiceUnavailable;
    default:
      return status >= 500 ? ErrorCode.InternalError : ErrorCode.ValidationFailed;
  }
}

/** Fastify's own errors (body parsing, size limits) that reach the filter with a `FST_` code. */
interface FastifyLikeError {
  code?: string;
  statusCode?: number;
  message?: string;
}

function fromFastifyError(
  error: FastifyLikeError | undefined,
): { status: number; code: ErrorCode; message: string } | null {
  if (!error || typeof error.code !== 'string' || !error.code.startsWith('FST_')) return null;
  const status = error.statusCode ?? 500;
  if (status >= 500) return null;
  if (
    error.code === 'FST_ERR_CTP_INVALID_JSON_BODY' ||
    (error.code.startsWith('FST_ERR_CTP') && status === 400)
  ) {
    return {
      status: 400,
      code: ErrorCode.MalformedJson,
      message: 'Request body is not valid JSON',
    };
  }
  if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
    return { status: 413, code: ErrorCode.PayloadTooLarge, message: 'Request body is too large' };
  }
  if (error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
    return {
      status: 415,
      code: ErrorCode.UnsupportedMediaType,
      message: 'Send the body as application/json',
    };
  }
  return { status, code: codeOfStatus(status), message: error.message ?? 'Bad request' };
}

/**
 * Turns every error into `{statusCode, error, message, code, requestId}`. Bad input never becomes a
 * 500; a real 500 says only "Internal server error" plus the request id, and the detail is logged.
 */
@Catch()
export class HttpErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('HttpErrorFilter');

  catch(thrown: unknown, host: ArgumentsHost): void {
    const exception = this.translate(thrown);
    if (exception !== thrown) {
      this.logger.warn(`database unavailable (${databaseUnavailableCode(thrown)}): answered 503`);
    }
    const http = host.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    const body = this.toBody(exception, request.id);

    if (body.statusCode >= 500 && body.code === ErrorCode.InternalError) {
      this.logger.error(
        { err: withoutQueryParameters(exception), requestId: request.id },
        'unhandled error',
      );
    }
    if (exception instanceof DomainError && exception.details.retryAfterSeconds !== undefined) {
      void reply.header('retry-after', String(exception.details.retryAfterSeconds));
    }
    if (body.statusCode === 401) {
      // RFC 9110 §15.5.2: every 401 names how to authenticate.
      const challenge =
        exception instanceof DomainError ? exception.details.wwwAuthenticate : undefined;
      void reply.header('www-authenticate', challenge ?? BEARER_CHALLENGE);
    }
    void reply.status(body.statusCode).send(body);
  }

  /**
   * A lost or unreachable database (KILL CONNECTION, a restart, a connect or query timeout) is
   * transient: every service answers it 503 DATABASE_UNAVAILABLE with Retry-After, never 500.
   */
  translate(exception: unknown): unknown {
    if (exception instanceof DomainError || exception instanceof HttpException) return exception;
    if (databaseUnavailableCode(exception) === undefined) return exception;
    return new DomainError(
      ErrorCode.DatabaseUnavailable,
      'The database is unavailable; retry shortly',
      { retryAfterSeconds: DATABASE_RETRY_AFTER_SECONDS },
    );
  }

  toBody(thrown: unknown, requestId: string): ErrorBody {
    const exception = this.translate(thrown);
    if (exception instanceof DomainError) {
      const status = httpStatusOf(exception.code);
      return this.body(status, exception.code, exception.message, requestId);
    }
    // Nest wraps Fastify's body-parsing errors in an HttpException; the original is the cause.
    const fastify = fromFastifyError(
      (exception instanceof HttpException ? exception.cause : exception) as FastifyLikeError,
    );
    if (fastify) return this.body(fastify.status, fastify.code, fastify.message, requestId);
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const response = exception.getResponse();
      const fields =
        typeof response === 'object' && response !== null
          ? (response as Record<string, unknown>)
          : {};
      const code =
        typeof fields.code === 'string' ? (fields.code as ErrorCode) : codeOfStatus(status);
      const message =
        typeof fields.message === 'string' || Array.isArray(fields.message)
          ? (fields.message as string | string[])
          : exception.message;
      // A deliberate 503 (e.g. backpressure) keeps its status; other 5xx say nothing more.
      if (status >= 500 && status !== 503) return this.internal(requestId);
      return this.body(status, code, message, requestId);
    }
    return this.internal(requestId);
  }

  private internal(requestId: string): ErrorBody {
    return this.body(500, ErrorCode.InternalError, 'Internal server error', requestId);
  }

  private body(
    status: number,
    code: ErrorCode,
    message: string | string[],
    requestId: string,
  ): ErrorBody {
    return {
      statusCode: status,
      error: reasonPhrase(status),
      message,
      code,
      requestId,
    };
  }
}

/**
 * A database error carries the failed query and its parameters (password hashes, tokens...);
 * the log gets the error without them.
 */
function withoutQueryParameters(exception: unknown): unknown {
  if (!(exception instanceof Error) || !('parameters' in exception)) return exception;
  const { name, message, stack } = exception;
  const driverCode = (exception as { driverError?: { code?: unknown } }).driverError?.code;
  return { name, message, stack, driverCode };
}

function reasonPhrase(status: number): string {
  const name = HttpStatus[status];
  if (typeof name !== 'string') return 'Error';
  return name
    .toLowerCase()
    .split('_')
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join(' ');
}
