import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ErrorCode, type Role } from '@flash-sale/contracts';
import { DomainError } from '../errors/domain-error.js';
import { BEARER_CHALLENGE, INVALID_TOKEN_CHALLENGE } from '../errors/http-error.filter.js';
import { AccessTokenService, KeySetUnavailableError } from './access-token.service.js';
import { IS_PUBLIC_KEY, ROLES_KEY, type AuthenticatedRequest } from './auth.decorators.js';

// The scheme name is case-insensitive (RFC 9110 §11.1).
const BEARER = /^Bearer ([A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*)$/i;

/** The token of an `Authorization: Bearer <jwt>` header, or undefined for anything else. */
export function bearerTokenOf(authorization: string | undefined): string | undefined {
  return BEARER.exec(authorization ?? '')?.[1] || undefined;
}

/**
 * The global guard of every service: a route needs a valid Bearer token unless it is marked
 * `@Public()`; `@Roles()` then restricts it further. Tokens are verified locally against user-service's public keys (fetched once and cached, see AuthModule).
 */
@Injectable()
export class JwtAuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly tokens: AccessTokenService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC_KEY, targets)) return true;

    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const token = bearerTokenOf(request.headers.authorization);
    if (!token) {
      // A header that is there but no Bearer JWT is a token sent and refused.
      throw new DomainError(ErrorCode.Unauthorized, 'A valid Bearer access token is required', {
        wwwAuthenticate:
          request.headers.authorization === undefined ? BEARER_CHALLENGE : INVALID_TOKEN_CHALLENGE,
      });
    }
    try {
      const { sub, username, role } = await this.tokens.verify(token);
      request.user = { sub, username, role };
    } catch (error) {
      if (error instanceof KeySetUnavailableError) {
        // user-service's keys did not come: the token may well be good, so no 401 (which tells
        // a client to sign in again); the client may retry.
        throw new DomainError(
          ErrorCode.ServiceUnavailable,
          'The keys to check the access token are unavailable; try again shortly',
        );
      }
      throw new DomainError(ErrorCode.Unauthorized, 'The access token is invalid or expired', {
        wwwAuthenticate: INVALID_TOKEN_CHALLENGE,
      });
    }

    const roles = this.reflector.getAllAndOverride<Role[] | undefined>(ROLES_KEY, targets);
    if (roles && !roles.includes(request.user.role)) {
      throw new DomainError(
        ErrorCode.Forbidden,
        'This route needs one of the roles: ' + roles.join(', '),
      );
    }
    return true;
  }
}
