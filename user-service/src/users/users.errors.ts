import { DomainError } from '@flash-sale/common';
import { ErrorCode } from '@flash-sale/contracts';

/**
 * The errors of the users capability. Each carries a code that the shared filter maps to its
 * HTTP status; the service never throws HTTP exceptions.
 */
export const UsersErrors = {
  usernameTaken: () => new DomainError(ErrorCode.UsernameTaken, 'This username is already taken'),
  emailTaken: () =>
    new DomainError(ErrorCode.EmailTaken, 'An account with this email already exists'),
  emailDomainReserved: (domain: string) =>
    new DomainError(
      ErrorCode.EmailDomainReserved,
      `Addresses in ${domain} are reserved; register with another email address`,
    ),
  passwordTooCommon: () =>
    new DomainError(
      ErrorCode.PasswordTooCommon,
      'This password is on a list of commonly used passwords; choose another',
    ),
  /** One answer for an unknown user and a wrong password, so neither can be told apart. */
  invalidCredentials: () =>
    new DomainError(ErrorCode.InvalidCredentials, 'Invalid username, email or password'),
  tokenRequired: () =>
    new DomainError(
      ErrorCode.ValidationFailed,
      'token is required, in the body or as an Authorization: Bearer header',
    ),
  userNotFound: () => new DomainError(ErrorCode.UserNotFound, 'This user no longer exists'),
  tooManyLoginAttempts: (retryAfterSeconds: number) =>
    new DomainError(
      ErrorCode.TooManyRequests,
      `Too many failed sign-in attempts; try again in ${retryAfterSeconds} s`,
      { retryAfterSeconds },
    ),
  loginUnavailable: () =>
    new DomainError(
      ErrorCode.ServiceUnavailable,
      'Sign-in is briefly unavailable; try again shortly',
      { retryAfterSeconds: 5 },
    ),
  /** Every argon2 slot is busy and its queue is full (ARGON2_MAX_CONCURRENCY, ARGON2_MAX_QUEUE). */
  hashingBusy: () =>
    new DomainError(
      ErrorCode.ServiceUnavailable,
      'Too many sign-ins and registrations at once; try again shortly',
      { retryAfterSeconds: 1 },
    ),
} as const;
