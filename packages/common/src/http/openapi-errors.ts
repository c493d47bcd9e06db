import type { OpenAPIObject } from '@nestjs/swagger';
import { ErrorCode } from '@flash-sale/contracts';

type Operation = NonNullable<OpenAPIObject['paths'][string]['get']>;
type Responses = Operation['responses'];

/** Name of the error body's schema in `components.schemas`. */
export const ERROR_RESPONSE_SCHEMA = 'ErrorResponse';
/** Operation extensions set by `@Public()` and `@Roles()`, read here to know who may call. */
export const PUBLIC_EXTENSION = 'x-public';
export const ROLES_EXTENSION = 'x-roles';

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'options', 'head'] as const;

/** Descriptions of the errors added to operations that do not describe them themselves. */
const GENERIC: Record<number, string> = {
  400: 'VALIDATION_FAILED (every bad field listed) or MALFORMED_JSON',
  401: 'UNAUTHORIZED: no or an invalid Bearer token',
  403: 'FORBIDDEN: the token lacks the role',
  413: 'PAYLOAD_TOO_LARGE: the body is over BODY_LIMIT',
  415: 'UNSUPPORTED_MEDIA_TYPE: send the body as application/json',
  500: 'INTERNAL_ERROR: says only "Internal server error" and the request id',
  503: 'SERVICE_UNAVAILABLE (shutting down, or a dependency is down), with Retry-After where known',
};

/** The schema of every error body: `{statusCode, error, message, code, requestId}`. */
export function errorResponseSchema(): Record<string, unknown> {
  return {
    type: 'object',
    required: ['statusCode', 'error', 'message', 'code'],
    properties: {
      statusCode: { type: 'integer', example: 400 },
      error: { type: 'string', example: 'Bad Request' },
      message: {
        oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }],
        description: 'What went wrong; validation errors list every bad field',
      },
      code: { type: 'string', enum: Object.values(ErrorCode), description: 'Machine-readable' },
      requestId: { type: 'string', description: 'The x-request-id of the request' },
    },
  };
}

/**
 * Completes an OpenAPI document with the error answers every route can give, all typed with the
 * shared `ErrorResponse` schema: 400 where the route takes a body, path or query parameters;
 * 413 and 415 where it takes a body; 401 unless `@Public()`, 403 where `@Roles()` restricts it;
 * 500 and 503 everywhere (503 also while the service shuts down). Error answers a route already
 * describes (404, 409, 429, ...) keep their description and get the schema.
 */
export function withErrorResponses(document: OpenAPIObject): OpenAPIObject {
  const ref = { $ref: `#/components/schemas/${ERROR_RESPONSE_SCHEMA}` };
  const content = { 'application/json': { schema: ref } };
  document.components ??= {};
  document.components.schemas = {
    ...document.components.schemas,
    [ERROR_RESPONSE_SCHEMA]: errorResponseSchema(),
  };
  for (const item of Object.values(document.paths)) {
    for (const method of METHODS) {
      const operation = item[method];
      if (!operation) continue;
      const extensions = operation as Operation & Record<string, unknown>;
      const hasBody = operation.requestBody !== undefined;
      const hasInput = hasBody || (operation.parameters ?? []).some((p) => 'in' in p);
      const isPublic = extensions[PUBLIC_EXTENSION] === true;
      const hasRoles = Array.isArray(extensions[ROLES_EXTENSION]);
      const wanted = [
        ...(hasInput ? [400] : []),
        ...(isPublic ? [] : [401]),
        ...(hasRoles ? [403] : []),
        ...(hasBody ? [413, 415] : []),
        500,
        503,
      ];
      const responses: Responses = { ...operation.responses };
      for (const status of wanted) {
        responses[String(status)] ??= { description: GENERIC[status] ?? 'Error' };
      }
      for (const [status, response] of Object.entries(responses)) {
        if (Number(status) < 400 || !response || '$ref' in response) continue;
        responses[status] = { ...response, description: response.description ?? '', content };
      }
      operation.responses = responses;
      if (!isPublic && !operation.security?.length) operation.security = [{ bearer: [] }];
    }
  }
  return document;
}
