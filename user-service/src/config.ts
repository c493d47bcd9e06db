import {
  baseEnvSchema,
  keySetVariable,
  loadConfig,
  parsePrivateKeySet,
  tokenBucketEnv,
} from '@flash-sale/common';
import { z } from 'zod';
import {
  PASSWORD_MAX_LENGTH,
  PASSWORD_MIN_LENGTH,
  USERNAME_PATTERN,
} from './users/user.constants.js';

const count = (min: number, max: number, fallback: number) =>
  z.coerce
    .number({ error: `must be a whole number from ${min} to ${max}` })
    .int(`must be a whole number from ${min} to ${max}`)
    .min(min, `must be a whole number from ${min} to ${max}`)
    .max(max, `must be a whole number from ${min} to ${max}`)
    .default(fallback);

/**
 * user-service settings: the common ones plus signing keys, token lifetime, login throttling and
 * the admin.
 */
export const userServiceEnvSchema = baseEnvSchema(
  { port: 3001, database: 'user_service' },
  {
    JWT_EXPIRES_IN_SECONDS: count(60, 86_400, 900),
    /**
     * The Ed25519 private keys access tokens are signed with, as a JWK Set (each key with a
     * `kid`): the first signs, all are published (two at once while rotating). Inline JSON or a
     * file (a mounted k8s Secret). Required with NODE_ENV=production; elsewhere a key pair is
     * generated into <repo>/.cache/keys at first start.
     */
    JWT_PRIVATE_KEYS: keySetVariable(parsePrivateKeySet, 'inline'),
    JWT_PRIVATE_KEYS_FILE: keySetVariable(parsePrivateKeySet, 'file'),
    /**
     * Failed logins allowed per account (or unknown name) *from one client address* within the
     * window; then 429 with a backoff that doubles with each further attempt from that address.
     */
    LOGIN_MAX_FAILURES_PER_USERNAME: count(1, 1_000, 5),
    /**
     * Failed logins allowed per account from all addresses together within the window, then 429:
     * a ceiling against guessing spread over many addresses, far above one address's limit.
     */
    LOGIN_MAX_FAILURES_PER_ACCOUNT: count(1, 1_000_000, 100),
    /** The longest wait the per-(account, address) backoff grows to. */
    LOGIN_MAX_BACKOFF_SECONDS: count(1, 604_800, 86_400),
    /**
     * Failed logins allowed per client address (IPv6: per /64) within the window, then 429.
     * Logins in flight count until they succeed, so keep it above the concurrent logins one
     * address (a NAT, a load test) legitimately makes.
     */
    LOGIN_MAX_FAILURES_PER_IP: count(1, 1_000_000, 100),
    /** Length of the throttling window; a blocked client is told to retry when it ends. */
    LOGIN_THROTTLE_WINDOW_SECONDS: count(1, 86_400, 900),
    /**
     * argon2 hashes run at once (each takes 19 MiB); beyond that, work waits in a queue. More than
     * libuv's thread pool (UV_THREADPOOL_SIZE, 4 by default) would only wait there instead.
     */
    ARGON2_MAX_CONCURRENCY: count(1, 256, 4),
    /** argon2 hashes allowed to wait for a slot; past that, register and login answer 503. */
    ARGON2_MAX_QUEUE: count(0, 1_000_000, 1_000),
    ADMIN_USERNAME: z
      .string()
      .regex(USERNAME_PATTERN, 'must be 3-32 characters of A-Z a-z 0-9 _ . -')
      .optional(),
    ADMIN_PASSWORD: z
      .string()
      .min(PASSWORD_MIN_LENGTH, `must be at least ${PASSWORD_MIN_LENGTH} characters`)
      .max(PASSWORD_MAX_LENGTH, `must be at most ${PASSWORD_MAX_LENGTH} characters`)
      .optional(),
    /**
     * The email domain kept for the admin: registration refuses addresses in it (and its
     * subdomains), so nobody signs up looking like staff. The admin's address is
     * `<ADMIN_USERNAME>@<this>` unless ADMIN_EMAIL says otherwise.
     */
    RESERVED_EMAIL_DOMAIN: z
      .string()
      .trim()
      .toLowerCase()
      .regex(
        /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+$/,
        'must be a domain name such as admin.example.com',
      )
      .default('admin.invalid'),
    /** The admin's address when it is created; `<ADMIN_USERNAME>@<RESERVED_EMAIL_DOMAIN>` by default. */
    ADMIN_EMAIL: z.email('must be an email address').max(254).optional(),
    /**
     * Token bucket of each client address (IPv6: /64) on `POST /api/users/register`, as
     * `"<burst>,<per second>"` or `off`. Wide by default: at a sale's start a whole NAT (or a load
     * test on one machine) signs up at once; past the burst, one account a second per address.
     */
    RATE_LIMIT_REGISTER_PER_ADDRESS: tokenBucketEnv('1000,1'),
    /** Token bucket of each client address on `POST /api/users/login` (every attempt counts). */
    RATE_LIMIT_LOGIN_PER_ADDRESS: tokenBucketEnv('1000,5'),
    /**
     * Token bucket of each (account asked for, client address) on login: a person signs in a few
     * times, a script minting tokens does not stop. Per address too, so a stranger cannot use it
     * to keep the owner out (failed logins have their own backoff, LOGIN_MAX_FAILURES_*).
     */
    RATE_LIMIT_LOGIN_PER_ACCOUNT: tokenBucketEnv('10,0.2'),
  },
).superRefine((env, ctx) => {
  if (env.JWT_PRIVATE_KEYS !== undefined && env.JWT_PRIVATE_KEYS_FILE !== undefined) {
    ctx.addIssue({
      code: 'custom',
      path: ['JWT_PRIVATE_KEYS_FILE'],
      message:
        'JWT_PRIVATE_KEYS and JWT_PRIVATE_KEYS_FILE are two ways to give one key set; set one',
    });
  }
  if (
    env.NODE_ENV === 'production' &&
    env.JWT_PRIVATE_KEYS === undefined &&
    env.JWT_PRIVATE_KEYS_FILE === undefined
  ) {
    ctx.addIssue({
      code: 'custom',
      path: ['JWT_PRIVATE_KEYS'],
      message:
        'NODE_ENV=production needs the signing keys: set JWT_PRIVATE_KEYS or JWT_PRIVATE_KEYS_FILE (npm run keys:generate -w user-service makes one)',
    });
  }
  if (env.LOGIN_MAX_FAILURES_PER_ACCOUNT < env.LOGIN_MAX_FAILURES_PER_USERNAME) {
    ctx.addIssue({
      code: 'custom',
      path: ['LOGIN_MAX_FAILURES_PER_ACCOUNT'],
      message:
        'must be at least LOGIN_MAX_FAILURES_PER_USERNAME (one address alone must not reach it)',
    });
  }
  if (env.LOGIN_MAX_BACKOFF_SECONDS < env.LOGIN_THROTTLE_WINDOW_SECONDS) {
    ctx.addIssue({
      code: 'custom',
      path: ['LOGIN_MAX_BACKOFF_SECONDS'],
      message: 'must be at least LOGIN_THROTTLE_WINDOW_SECONDS',
    });
  }
  if ((env.ADMIN_USERNAME === undefined) !== (env.ADMIN_PASSWORD === undefined)) {
    const missing = env.ADMIN_USERNAME === undefined ? 'ADMIN_USERNAME' : 'ADMIN_PASSWORD';
    ctx.addIssue({
      code: 'custom',
      path: [missing],
      message: 'ADMIN_USERNAME and ADMIN_PASSWORD go together; set both or neither',
    });
  }
});

export type UserServiceConfig = z.infer<typeof userServiceEnvSchema>;

export function loadUserServiceConfig(env?: NodeJS.ProcessEnv): UserServiceConfig {
  return loadConfig(userServiceEnvSchema, { env });
}
