import { z } from 'zod';

/**
 * A JWT secret that only a development machine may use. Production refuses it (and any secret
 * shorter than 32 characters), so a deployment cannot ship with the value from the README.
 */
export const DEVELOPMENT_JWT_SECRET = 'development-only-secret-do-not-use-in-production';

const portNumber = () =>
  z.coerce
    .number({ error: 'must be a port number (1-65535)' })
    .int('must be a port number (1-65535)')
    .min(1, 'must be a port number (1-65535)')
    .max(65535, 'must be a port number (1-65535)');

const port = (fallback: number) => portNumber().default(fallback);

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
      /**
       * When set, `/api/metrics` is served on this port only (for Prometheus, not published) and
       * no longer on PORT. Unset (the default): on PORT, like every other route.
       */
      METRICS_PORT: portNumber().optional(),
      /** Largest accepted request body, in bytes; larger ones get 413. */
      BODY_LIMIT: z.coerce.number().int().min(256).max(10_485_760).default(16_384),
      DB_HOST: nonEmpty('127.0.0.1'),
      DB_PORT: port(3306),
      DB_USERNAME: nonEmpty('root'),
      DB_PASSWORD: z.string().default(''),
      DB_DATABASE: nonEmpty(defaults.database),
      DB_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
      REDIS_HOST: nonEmpty('127.0.0.1'),
      REDIS_PORT: port(6379),
      REDIS_PASSWORD: z.string().optional(),
      KAFKA_BROKER: brokerList.default(['127.0.0.1:9092']),
      KAFKA_TOPIC_PARTITIONS: z.coerce.number().int().min(1).max(256).default(6),
      JWT_SECRET: z
        .string()
        .min(32, 'must be at least 32 characters')
        .default(DEVELOPMENT_JWT_SECRET),
      JWT_ISSUER: nonEmpty('flash-sale-user-service'),
      JWT_AUDIENCE: nonEmpty('flash-sale'),
      ...(extra ?? ({} as Extra)),
    })
    .superRefine((parsed, ctx) => {
      const env = parsed as { NODE_ENV: string; JWT_SECRET: string };
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
