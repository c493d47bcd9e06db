import { BadRequestException } from '@nestjs/common';
import { ErrorCode } from '@flash-sale/contracts';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { RawServerDefault } from 'fastify';

/** Deeper than any body of the contract; far below what blows the validator's stack. */
export const MAX_JSON_DEPTH = 32;

/** Whether objects/arrays in `value` nest deeper than `maxDepth` (iterative: no recursion to blow). */
export function nestsDeeperThan(value: unknown, maxDepth: number): boolean {
  const stack: Array<[unknown, number]> = [[value, 1]];
  for (let entry = stack.pop(); entry; entry = stack.pop()) {
    const [node, depth] = entry;
    if (node === null || typeof node !== 'object') continue;
    if (depth > maxDepth) return true;
    for (const child of Object.values(node)) stack.push([child, depth + 1]);
  }
  return false;
}

/**
 * Fastify's own JSON parser (with its prototype-poisoning checks), plus a depth limit. Without
 * it, a 3 KB body of nested arrays passes the size limit and makes class-transformer recurse
 * until the stack overflows: a 500 for bad input. Too deep is answered 400 VALIDATION_FAILED.
 */
export function installJsonBodyParser(
  app: NestFastifyApplication,
  maxDepth = MAX_JSON_DEPTH,
): void {
  const fastify = app.getHttpAdapter().getInstance();
  const parse = fastify.getDefaultJsonParser('error', 'error');
  // Through Nest, not Fastify directly: Nest then knows JSON has its parser and does not add its
  // own at init (Fastify refuses a second 'application/json' parser, and the app would not start).
  app.useBodyParser<RawServerDefault>(
    'application/json',
    { bodyLimit: fastify.initialConfig.bodyLimit },
    (request, body, done) => {
      // Nest hands the body over as a Buffer; Fastify's JSON parser reads text.
      void parse(request, body.toString('utf8'), (error, value) => {
        if (error) return done(error, undefined);
        if (nestsDeeperThan(value, maxDepth)) {
          return done(
            new BadRequestException({
              code: ErrorCode.ValidationFailed,
              message: [`body: JSON nested deeper than ${maxDepth} levels`],
            }),
            undefined,
          );
        }
        done(null, value);
      });
    },
  );
}
