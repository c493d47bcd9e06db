import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { KAFKA_SASL_MECHANISMS } from '../kafka/kafka-credentials.js';
import { KeySetError, parsePublicKeySet } from '../auth/access-token.keys.js';
import { parseRedisClusterNodes } from '../redis/redis-client.js';

/**
 * A JWK Set given inline (`text`) or as a file (`path`), parsed with `parse`; a bad one is a
 * config problem that names the variable and says why.
 */
export function keySetVariable<T>(parse: (text: string) => T, from: 'inline' | 'file') {
  return z
    .string()
    .trim()
    .min(1, 'must not be empty')
    .optional()
    .transform((value, ctx): T | undefined => {
      if (value === undefined) return undefined;
      let text = value;
      if (from === 'file') {
        try {
          text = readFileSync(value, 'utf8');
        } catch (error) {
          ctx.addIssue({
            code: 'custom',
            message: `cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)})`,
          });
          return z.NEVER;
        }
      }
      try {
        return parse(text);
      } catch (error) {
        if (!(error instanceof KeySetError)) throw error;
        ctx.addIssue({ code: 'custom', message: error.message });
        return z.NEVER;
      }
    });
}

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

/**
 * `host:port,host:port,…`: the seed nodes of a Redis Cluster. ioredis learns the other nodes and
 * the slot map from them, so any one reachable master is enough; more seeds only help it start
 * when one is down.
 */
const clusterNodeList = z
  .string()
  .trim()
  .min(1, 'must list at least one node as host:port')
  .transform((value, ctx) => {
    try {
      return parseRedisClusterNodes(value);
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: (error as Error).message });
      return z.NEVER;
    }
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
      /**
       * Worker processes serving PORT (`node:cluster`): 1 (the default) is one process and no
       * primary; more forks that many workers behind a primary that restarts them and drains
       * them on SIGTERM (see process/worker-pool.ts).
       */
      WEB_CONCURRENCY: z.coerce
        .number({ error: 'must be a whole number of worker processes, 1-64' })
        .int('must be a whole number of worker processes, 1-64')
        .min(1, 'must be a whole number of worker processes, 1-64')
        .max(64, 'must be a whole number of worker processes, 1-64')
        .default(1),
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
      /**
       * Set: every Redis client is a Cluster client seeded with these nodes, and REDIS_HOST /
       * REDIS_PORT are not used (REDIS_PASSWORD still is). Unset: one stand-alone Redis.
       */
      REDIS_CLUSTER_NODES: clusterNodeList.optional(),
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
      /**
       * Where user-service answers. Every service verifies access tokens against the public keys
       * user-service publishes at `<USER_SERVICE_URL>/.well-known/jwks.json` (unless given below).
       */
      USER_SERVICE_URL: z.url().default('http://127.0.0.1:3001'),
      /** Another URL of that JWK Set (a gateway, say). */
      JWT_JWKS_URL: z.url().optional(),
      /**
       * The public keys themselves, as a JWK Set (inline JSON, or a file such as a mounted k8s
       * Secret/ConfigMap): no fetching then. Public keys only; a private member is refused.
       */
      JWT_JWKS: keySetVariable(parsePublicKeySet, 'inline'),
      JWT_JWKS_FILE: keySetVariable(parsePublicKeySet, 'file'),
      JWT_ISSUER: nonEmpty('flash-sale-user-service'),
      JWT_AUDIENCE: nonEmpty('flash-sale'),
      ...(extra ?? ({} as Extra)),
    })
    .superRefine((parsed, ctx) => {
      const env = parsed as {
        NODE_ENV: string;
        JWT_JWKS?: unknown;
        JWT_JWKS_FILE?: unknown;
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
      if (env.JWT_JWKS !== undefined && env.JWT_JWKS_FILE !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['JWT_JWKS_FILE'],
          message: 'JWT_JWKS and JWT_JWKS_FILE are two ways to give one key set; set one',
        });
      }
    });
}

export type BaseEnv = z.infer<ReturnType<typeof baseEnvSchema<Record<never, never>>>>;
