import { dictionary } from '@zxcvbn-ts/language-common';
import { PASSWORD_MIN_LENGTH } from './user.constants.js';

/**
 * Common passwords: the ranked list (about 49,000, from leaked-password corpora) that zxcvbn-ts
 * ships in @zxcvbn-ts/language-common, kept up to date there. Only those long enough to pass
 * the length rule are kept (about 18,000 strings), compared case-insensitively: "Password123"
 * is as guessable as "password123".
 */
const COMMON_PASSWORDS: ReadonlySet<string> = new Set(
  dictionary['passwords-common'].filter((p) => p.length >= PASSWORD_MIN_LENGTH),
);

/** Whether `password` is on the list of common passwords (length is checked by the DTO). */
export function isCommonPassword(password: string): boolean {
  return COMMON_PASSWORDS.has(password.toLowerCase());
}

/** Whether `email`'s domain is `reservedDomain` or one of its subdomains (case-insensitive). */
export function isInReservedDomain(email: string, reservedDomain: string): boolean {
  const domain = email.slice(email.lastIndexOf('@') + 1).toLowerCase();
  return domain === reservedDomain || domain.endsWith(`.${reservedDomain}`);
}
