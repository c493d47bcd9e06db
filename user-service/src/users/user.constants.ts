/**
 * The shape rules of user fields, shared by the HTTP DTOs and the start-up config (the bootstrap
 * admin obeys the same rules as everyone else).
 */
export const USERNAME_PATTERN = /^[A-Za-z0-9_.-]{3,32}$/;
export const USERNAME_MIN_LENGTH = 3;
export const USERNAME_MAX_LENGTH = 32;
export const EMAIL_MAX_LENGTH = 254;
export const PASSWORD_MIN_LENGTH = 8;
/** Also bounds the work one login can ask of the password hash. */
export const PASSWORD_MAX_LENGTH = 128;
