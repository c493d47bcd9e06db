import { createParamDecorator, ExecutionContext, SetMetadata } from '@nestjs/common';
import type { AccessTokenClaims, Role } from '@flash-sale/contracts';
import type { FastifyRequest } from 'fastify';

export const IS_PUBLIC_KEY = 'auth:isPublic';
export const ROLES_KEY = 'auth:roles';

/** Opts a route (or controller) out of the global JWT guard. Every other route needs a token. */
export const Public = () => SetMetadata(IS_PUBLIC_KEY, true);

/** Restricts a route to the given roles (checked after the token). */
export const Roles = (...roles: Role[]) => SetMetadata(ROLES_KEY, roles);

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
