import { z } from 'zod';
import { KAFKA_SASL_MECHANISMS } from '../kafka/kafka-credentials.js';

/**
 * A JWT secret that only a development machine may use. Production refuses it (and any secret
 * shorter than 32 characters), so a deployment cannot ship with the value from the README.
 */
export const DEVELOPMENT_JWT_SECRET = 'development-only-secret-do-not-use-in-production';

const port = (fallback: number) =>
  z.coerce
    .number({ error: 'must be a port number (1-65535)' })
    .int('must be a port number (1-65535)')
    .min(1, 'must be a port number (1-65535)')
    .max(65535, 'must be a port number (1-65535)')
    .default(fallback);

const nonEmpty = (fallback: string) =>
  z.string().trim().min(1, 'must not be empty').default(fallback);

const brokerList = z
  .string()
  .trim()
  .min(1, 'must list at least one broker as host:port')
  .transform((value, ctx) => {
    const brokers = value.split(',').map((b) => b.trim());
    for (const broker of brokers) {
      if (!/^[A-Za-z0-9.-]+:\d{1,5}$/.test(broker)) {
        ctx.addIssue({ code: 'custom', message: `"${broker}" is not host:port` });
        return z.NEVER;
      }
    }
    return brokers;
  });

/** Settings every service reads. Names are those of the original layout where it had one. */
export function baseEnvSchema<Extra extends z.ZodRawShape = Record<never, never>>(
  defaults: { port: number; database: string },
  /** The service's own variables, validated together with the common ones. */
  extra?: Extra,
) {
  return z
    .object({
      NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
      PORT: port(defaults.port),
      HOST: nonEmpty('0.0.0.0'),
      LOG_LEVEL: z
        .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
        .default('info'),
      /**
       * `json` (one JSON object per line), `pretty` (human-readable, with pino-pretty, when it is
       * installed: a development dependency) or `auto`: pretty when stdout is a terminal and
       * NODE_ENV=development, JSON otherwise.
       */
      LOG_FORMAT: z.enum(['auto', 'json', 'pretty']).default('auto'),
      /**
       * Trust X-Forwarded-For from a proxy in front (a load balancer): `true`, the proxies'
       * addresses/CIDRs comma-separated, or `false` (default: the socket's address). Per-client
       * limits (login throttling) depend on it.
       */
      TRUST_PROXY: z
        .string()
        .trim()
        .regex(/^(true|false|[0-9A-Fa-f.:/,\s]+)$/, 'must be true, false or proxy addresses')
        .default('false')
        .transform((v) => (v === 'true' ? true : v === 'false' ? false : v)),
      /** Largest accepted request body, in bytes; larger ones get 413. */
      BODY_LIMIT: z.coerce.number().int().min(256).max(10_485_760).default(16_384),
      DB_HOST: nonEmpty('127.0.0.1'),
      DB_PORT: port(3306),
      /**
       * The service's own MySQL user, with rights on its own database only (infra/mysql/users.sh);
       * the defaults are that user's development login, as scripts/infra.sh creates it.
       */
      DB_USERNAME: nonEmpty(defaults.database),
      DB_PASSWORD: z.string().default(`${defaults.database}-dev-password`),
      DB_DATABASE: nonEmpty(defaults.database),
      DB_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
      REDIS_HOST: nonEmpty('127.0.0.1'),
      REDIS_PORT: port(6379),
      REDIS_PASSWORD: z.string().optional(),
      KAFKA_BROKER: brokerList.default(['127.0.0.1:9092']),
      KAFKA_TOPIC_PARTITIONS: z.coerce.number().int().min(1).max(256).default(6),
      /**
       * SASL login to Kafka (see kafka/kafka-credentials.ts): unset, a development machine uses
       * the development broker's user of the service's name; production requires them, unless
       * KAFKA_SASL_MECHANISM=none (a broker without authentication).
       */
      KAFKA_SASL_MECHANISM: z.enum(KAFKA_SASL_MECHANISMS).default('SCRAM-SHA-512'),
      KAFKA_SASL_USERNAME: z.string().trim().min(1, 'must not be empty').optional(),
      KAFKA_SASL_PASSWORD: z.string().min(1, 'must not be empty').optional(),
      /** host:port of the development broker when infra.sh runs it elsewhere than 127.0.0.1:9092. */
      KAFKA_DEV_BROKER: z
        .string()
        .trim()
        .regex(/^[A-Za-z0-9.-]+:\d{1,5}$/, 'must be host:port')
        .optional(),
      JWT_SECRET: z
        .string()
        .min(32, 'must be at least 32 characters')
        .default(DEVELOPMENT_JWT_SECRET),
      JWT_ISSUER: nonEmpty('flash-sale-user-service'),
      JWT_AUDIENCE: nonEmpty('flash-sale'),
      ...(extra ?? ({} as Extra)),
    })
    .superRefine((parsed, ctx) => {
      const env = parsed as {
        NODE_ENV: string;
        JWT_SECRET: string;
        KAFKA_SASL_MECHANISM: string;
        KAFKA_SASL_USERNAME?: string;
        KAFKA_SASL_PASSWORD?: string;
      };
      if (env.KAFKA_SASL_MECHANISM !== 'none') {
        if (env.KAFKA_SASL_USERNAME && !env.KAFKA_SASL_PASSWORD) {
          ctx.addIssue({
            code: 'custom',
            path: ['KAFKA_SASL_PASSWORD'],
            message: 'must be set with KAFKA_SASL_USERNAME',
          });
        }
        if (env.NODE_ENV === 'production' && !env.KAFKA_SASL_USERNAME) {
          ctx.addIssue({
            code: 'custom',
            path: ['KAFKA_SASL_USERNAME'],
            message:
              'must be set (with KAFKA_SASL_PASSWORD) when NODE_ENV=production; KAFKA_SASL_MECHANISM=none for a broker without authentication',
          });
        }
      }
      if (env.NODE_ENV === 'production' && env.JWT_SECRET === DEVELOPMENT_JWT_SECRET) {
        ctx.addIssue({
          code: 'custom',
          path: ['JWT_SECRET'],
          message: 'must be set to a secret of your own when NODE_ENV=production',
        });
      }
    });
}

export type BaseEnv = z.infer<ReturnType<typeof baseEnvSchema<Record<never, never>>>>;
