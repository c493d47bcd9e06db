import {
  BadRequestException,
  ForbiddenException,
  HttpException,
  NotFoundException,
} from '@nestjs/common';
import { ErrorCode } from '@flash-sale/contracts';
import { DomainError, httpStatusOf } from './domain-error.js';
import { HttpErrorFilter } from './http-error.filter.js';

describe(HttpErrorFilter.name, () => {
  const filter = new HttpErrorFilter();
  const toBody = (exception: unknown) => filter.toBody(exception, 'req-1');

  it('maps a domain error to the status of its code', () => {
    expect(toBody(new DomainError(ErrorCode.OutOfStock, 'sold out'))).toEqual({
      statusCode: 409,
      error: 'Conflict',
      message: 'sold out',
      code: 'OUT_OF_STOCK',
      requestId: 'req-1',
    });
  });

  it('keeps the field list and code of a validation error', () => {
    const exception = new BadRequestException({
      code: ErrorCode.ValidationFailed,
      message: ['quantity must be an integer', 'property role should not exist'],
    });
    expect(toBody(exception)).toMatchObject({
      statusCode: 400,
      code: 'VALIDATION_FAILED',
      message: ['quantity must be an integer', 'property role should not exist'],
    });
  });

  it('derives a code for framework exceptions that carry none', () => {
    expect(toBody(new NotFoundException('Cannot GET /api/x'))).toMatchObject({
      statusCode: 404,
      code: 'ROUTE_NOT_FOUND',
    });
    expect(toBody(new ForbiddenException())).toMatchObject({ statusCode: 403, code: 'FORBIDDEN' });
  });

  it.each([
    ['FST_ERR_CTP_INVALID_JSON_BODY', 400, 'MALFORMED_JSON'],
    ['FST_ERR_CTP_EMPTY_JSON_BODY', 400, 'MALFORMED_JSON'],
    ['FST_ERR_CTP_BODY_TOO_LARGE', 413, 'PAYLOAD_TOO_LARGE'],
    ['FST_ERR_CTP_INVALID_MEDIA_TYPE', 415, 'UNSUPPORTED_MEDIA_TYPE'],
  ])('maps Fastify %s (wrapped by Nest) to %i %s', (fastifyCode, status, code) => {
    const cause = Object.assign(new Error('fastify says no'), {
      code: fastifyCode,
      statusCode: status,
    });
    const wrapped = new HttpException(cause.message, status, { cause });
    expect(toBody(wrapped)).toMatchObject({ statusCode: status, code });
  });

  it('keeps a deliberate 503 as SERVICE_UNAVAILABLE', () => {
    expect(toBody(new HttpException('busy, retry later', 503))).toMatchObject({
      statusCode: 503,
      code: 'SERVICE_UNAVAILABLE',
      message: 'busy, retry later',
    });
  });

  it('hides the detail of an unexpected error behind a 500 with the request id', () => {
    expect(toBody(new Error('connection string with password'))).toEqual({
      statusCode: 500,
      error: 'Internal Server Error',
      message: 'Internal server error',
      code: 'INTERNAL_ERROR',
      requestId: 'req-1',
    });
  });
});

describe(httpStatusOf.name, () => {
  it('maps every error code to a 4xx or 5xx status', () => {
    for (const code of Object.values(ErrorCode)) {
      expect(httpStatusOf(code)).toBeGreaterThanOrEqual(400);
    }
  });
});
