import { describe, expect, it } from '@jest/globals';
import type { OpenAPIObject } from '@nestjs/swagger';
import { ErrorCode } from '@flash-sale/contracts';
import { ERROR_RESPONSE_SCHEMA, withErrorResponses } from './openapi-errors.js';

const ref = { $ref: `#/components/schemas/${ERROR_RESPONSE_SCHEMA}` };

function document(paths: OpenAPIObject['paths']): OpenAPIObject {
  return { openapi: '3.0.0', info: { title: 't', version: '1' }, paths };
}

function errorsOf(doc: OpenAPIObject, path: string, method: 'get' | 'post'): string[] {
  const responses = doc.paths[path]?.[method]?.responses ?? {};
  return Object.keys(responses)
    .filter((s) => Number(s) >= 400)
    .sort();
}

describe(withErrorResponses.name, () => {
  it('adds the ErrorResponse schema with every error code', () => {
    const doc = withErrorResponses(document({}));
    expect(doc.components?.schemas?.[ERROR_RESPONSE_SCHEMA]).toMatchObject({
      required: ['statusCode', 'error', 'message', 'code'],
      properties: { code: { enum: Object.values(ErrorCode) }, requestId: { type: 'string' } },
    });
  });

  it('gives a guarded route with a body 400, 401, 413, 415, 500 and 503, and a bearer requirement', () => {
    const doc = withErrorResponses(
      document({
        '/api/orders': {
          post: {
            requestBody: { content: { 'application/json': { schema: {} } } },
            responses: { '201': { description: 'created' } },
          },
        },
      }),
    );
    expect(errorsOf(doc, '/api/orders', 'post')).toEqual([
      '400',
      '401',
      '413',
      '415',
      '500',
      '503',
    ]);
    expect(doc.paths['/api/orders']?.post?.security).toEqual([{ bearer: [] }]);
  });

  it('gives a public route without input only 500 and 503, and 403 where roles restrict it', () => {
    const doc = withErrorResponses(
      document({
        '/api': { get: { 'x-public': true, responses: { '200': { description: 'ok' } } } },
        '/api/admin/{id}': {
          get: {
            'x-roles': ['admin'],
            parameters: [{ name: 'id', in: 'path', required: true }],
            responses: { '200': { description: 'ok' } },
          },
        },
      } as OpenAPIObject['paths']),
    );
    expect(errorsOf(doc, '/api', 'get')).toEqual(['500', '503']);
    expect(doc.paths['/api']?.get?.security).toBeUndefined();
    expect(errorsOf(doc, '/api/admin/{id}', 'get')).toEqual(['400', '401', '403', '500', '503']);
  });

  it('keeps the descriptions a route gives and types every error with the schema', () => {
    const doc = withErrorResponses(
      document({
        '/api/login': {
          post: {
            'x-public': true,
            requestBody: { content: {} },
            responses: {
              '200': { description: 'ok' },
              '429': { description: 'TOO_MANY_REQUESTS' },
              '409': { description: 'taken' },
            },
          },
        },
      } as OpenAPIObject['paths']),
    );
    const responses = doc.paths['/api/login']?.post?.responses ?? {};
    expect(responses['429']).toEqual({
      description: 'TOO_MANY_REQUESTS',
      content: { 'application/json': { schema: ref } },
    });
    expect(responses['200']).toEqual({ description: 'ok' });
    for (const status of ['400', '409', '413', '415', '429', '500', '503']) {
      expect(responses[status]).toMatchObject({ content: { 'application/json': { schema: ref } } });
    }
    expect(responses['401']).toBeUndefined();
  });
});
