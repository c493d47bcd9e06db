import {
  clientNetworkOf,
  type AuthenticatedRequest,
  type RateLimitRules,
} from '@flash-sale/common';
import type { UserServiceConfig } from '../config.js';
import { EMAIL_MAX_LENGTH } from './user.constants.js';

/** `@RateLimit` rule names of the users routes. */
export const UsersRateLimit = {
  Register: 'register',
  Login: 'login',
} as const;

/**
 * Who a login's "per user" bucket belongs to: the account asked for (as typed, lower-cased)
 * together with the client network. The body is not validated yet (guards run before pipes),
 * so anything that is not a plain short string skips the bucket; validation refuses it anyway.
 * Not the account alone: anyone could then empty it and keep the owner from signing in.
 */
export function loginAccountOf(request: AuthenticatedRequest): string | undefined {
  const body = request.body as { email?: unknown; username?: unknown } | null | undefined;
  const identifier = body?.email ?? body?.username;
  if (typeof identifier !== 'string' || identifier.length > EMAIL_MAX_LENGTH) return undefined;
  return `${identifier.toLowerCase()}|${clientNetworkOf(request.ip)}`;
}

/** The rate-limit rules of user-service, from its config. */
export function usersRateLimitRules(
  config: Pick<
    UserServiceConfig,
    | 'RATE_LIMIT_REGISTER_PER_ADDRESS'
    | 'RATE_LIMIT_LOGIN_PER_ADDRESS'
    | 'RATE_LIMIT_LOGIN_PER_ACCOUNT'
  >,
): RateLimitRules {
  return {
    // Registration has no user yet: the address is all there is to count.
    [UsersRateLimit.Register]: {
      perUser: null,
      perAddress: config.RATE_LIMIT_REGISTER_PER_ADDRESS,
    },
    [UsersRateLimit.Login]: {
      perUser: config.RATE_LIMIT_LOGIN_PER_ACCOUNT,
      perAddress: config.RATE_LIMIT_LOGIN_PER_ADDRESS,
      userOf: loginAccountOf,
    },
  };
}
