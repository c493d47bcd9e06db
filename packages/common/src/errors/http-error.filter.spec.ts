import { jest } from '@jest/globals';
import {
  type ArgumentsHost,
  BadRequestException,
  ForbiddenException,
  HttpException,
  NotFoundException,
} from '@nestjs/common';
import { ErrorCode } from '@flash-sale/contracts';
import { QueryFailedError } from 'typeorm';
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

  it.each([
    [
      'a killed connection',
      { code: 'PROTOCOL_CONNECTION_LOST', fatal: true },
      'Connection lost: The server closed the connection.',
    ],
    [
      'a query timeout',
      { code: 'PROTOCOL_SEQUENCE_TIMEOUT', fatal: true },
      'Query inactivity timeout',
    ],
    [
      'MariaDB ER_CONNECTION_KILLED',
      { code: 'ER_CONNECTION_KILLED', errno: 1927 },
      'Connection was killed',
    ],
    ['a refused connect', { code: 'ECONNREFUSED' }, 'connect ECONNREFUSED 127.0.0.1:3306'],
  ])(
    'answers %s (a TypeORM QueryFailedError) 503 DATABASE_UNAVAILABLE with Retry-After',
    (_, fields, message) => {
      const driverError = Object.assign(new Error(message), fields);
      const exception = new QueryFailedError(
        'UPDATE orders SET status = ?',
        ['CANCELLED'],
        driverError,
      );
      expect(toBody(exception)).toMatchObject({ statusCode: 503, code: 'DATABASE_UNAVAILABLE' });
      const reply = { header: jest.fn(), status: jest.fn(), send: jest.fn() };
      reply.status.mockReturnValue(reply);
      const host = {
        switchToHttp: () => ({ getRequest: () => ({ id: 'req-1' }), getResponse: () => reply }),
      } as unknown as ArgumentsHost;
      filter.catch(exception, host);
      expect(reply.status).toHaveBeenCalledWith(503);
      expect(reply.header).toHaveBeenCalledWith('retry-after', '1');
    },
  );

  it('answers a bare mysql2 pool error (no TypeORM wrapper) 503 too', () => {
    expect(toBody(new Error('Pool is closed.'))).toMatchObject({
      statusCode: 503,
      code: 'DATABASE_UNAVAILABLE',
    });
  });

  it('keeps a query error that is not about the connection a 500', () => {
    const driverError = Object.assign(new Error("Duplicate entry 'x' for key 'PRIMARY'"), {
      code: 'ER_DUP_ENTRY',
      errno: 1062,
    });
    expect(toBody(new QueryFailedError('INSERT', [], driverError))).toMatchObject({
      statusCode: 500,
      code: 'INTERNAL_ERROR',
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
