import {
  applyDecorators,
  createParamDecorator,
  ExecutionContext,
  SetMetadata,
} from '@nestjs/common';
import { ApiExtension } from '@nestjs/swagger';
import type { AccessTokenClaims, Role } from '@flash-sale/contracts';
import type { FastifyRequest } from 'fastify';
import { PUBLIC_EXTENSION, ROLES_EXTENSION } from '../http/openapi-errors.js';

export const IS_PUBLIC_KEY = 'auth:isPublic';
export const ROLES_KEY = 'auth:roles';

/**
 * Opts a route (or controller) out of the global JWT guard. Every other route needs a token.
 * Marked in OpenAPI too (`x-public`), so the document lists 401 exactly where the guard gives it.
 */
export const Public = () =>
  applyDecorators(SetMetadata(IS_PUBLIC_KEY, true), ApiExtension(PUBLIC_EXTENSION, true));

/** Restricts a route to the given roles (checked after the token); `x-roles` in OpenAPI. */
export const Roles = (...roles: Role[]) =>
  applyDecorators(SetMetadata(ROLES_KEY, roles), ApiExtension(ROLES_EXTENSION, roles));

/** The request as the guard leaves it: with the verified claims of its token. */
export interface AuthenticatedRequest extends FastifyRequest {
  user?: AccessTokenClaims;
}

/** The verified claims of the caller's access token. Only on routes that are not `@Public()`. */
export const CurrentUser = createParamDecorator(
  (_data: unknown, ctx: ExecutionContext): AccessTokenClaims => {
    const request = ctx.switchToHttp().getRequest<AuthenticatedRequest>();
    if (!request.user) throw new Error('CurrentUser used on a route without authentication');
    return request.user;
  },
);
