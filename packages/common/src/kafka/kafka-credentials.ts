import type { SASLOptions } from '@platformatic/kafka';

/**
 * Kafka credentials (SASL) of a service or tool, from its environment:
 *
 * - `KAFKA_SASL_USERNAME` / `KAFKA_SASL_PASSWORD` (and `KAFKA_SASL_MECHANISM`, default
 *   SCRAM-SHA-512) when set;
 * - otherwise, outside production and only for the development broker that `scripts/infra.sh`
 *   runs at 127.0.0.1:9092 (or KAFKA_DEV_BROKER), that broker's development user of the same
 *   name (its password is public, like the development JWT secret: the broker listens on
 *   127.0.0.1 only);
 * - otherwise none: the client connects without SASL (a throwaway PLAINTEXT broker in a test).
 *
 * Production (NODE_ENV=production) has no development fallback and refuses to start without
 * credentials unless KAFKA_SASL_MECHANISM=none says the broker has no authentication.
 */
export const KAFKA_SASL_MECHANISMS = ['SCRAM-SHA-512', 'SCRAM-SHA-256', 'PLAIN', 'none'] as const;
export type KafkaSaslMechanism = (typeof KAFKA_SASL_MECHANISMS)[number];

/** The development broker's address (scripts/infra.sh, docker-compose.dev.yml). */
export const DEV_KAFKA_BROKERS: readonly string[] = ['127.0.0.1:9092', 'localhost:9092'];

/**
 * The development broker's SCRAM users: the super user and one per service. Mirrored by
 * scripts/infra.sh (KAFKA_USERS) and infra/kafka/compose-entrypoint.sh (both compose files;
 * tests/prod/compose.test.mjs checks all three agree); the ACLs are infra/kafka/acls.conf.
 */
export const DEV_KAFKA_USERS = ['admin', 'order-service', 'inventory-service', 'user-service'];

/** A development user's public password (scripts/infra.sh's default: `<user>-dev-password`). */
export function devKafkaPassword(user: string): string {
  return `${user}-dev-password`;
}

export interface KafkaCredentialsEnv {
  NODE_ENV?: string;
  KAFKA_BROKER: readonly string[];
  /**
   * Where the development broker runs when not at 127.0.0.1:9092 (infra.sh started with another
   * KAFKA_BROKER, e.g. a throwaway secured broker for a test run).
   */
  KAFKA_DEV_BROKER?: string;
  KAFKA_SASL_MECHANISM?: KafkaSaslMechanism;
  KAFKA_SASL_USERNAME?: string;
  KAFKA_SASL_PASSWORD?: string;
}

/** Whether `brokers` is the development broker (and nothing else). */
export function isDevKafkaBroker(brokers: readonly string[], devBroker?: string): boolean {
  const dev = devBroker ? [devBroker] : DEV_KAFKA_BROKERS;
  return brokers.length > 0 && brokers.every((b) => dev.includes(b));
}

/**
 * The SASL options for a client of `env`'s broker, or undefined for none. `devUser` is whose
 * development credentials apply when none are configured (a service's own name; tools and tests
 * that are not a service use `admin`).
 */
export function kafkaSasl(env: KafkaCredentialsEnv, devUser: string): SASLOptions | undefined {
  const mechanism = env.KAFKA_SASL_MECHANISM ?? 'SCRAM-SHA-512';
  if (mechanism === 'none') return undefined;
  if (env.KAFKA_SASL_USERNAME) {
    return {
      mechanism,
      username: env.KAFKA_SASL_USERNAME,
      password: env.KAFKA_SASL_PASSWORD ?? '',
    };
  }
  if (env.NODE_ENV === 'production' || !isDevKafkaBroker(env.KAFKA_BROKER, env.KAFKA_DEV_BROKER)) {
    return undefined;
  }
  const user = DEV_KAFKA_USERS.includes(devUser) ? devUser : 'admin';
  return { mechanism: 'SCRAM-SHA-512', username: user, password: devKafkaPassword(user) };
}

/**
 * The same for a tool or test reading raw environment variables (brokers from KAFKA_BROKER or the
 * given list): explicit credentials, else the development super user on the development broker.
 */
export function toolKafkaSasl(
  brokers: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): SASLOptions | undefined {
  return kafkaSasl(
    {
      NODE_ENV: env.NODE_ENV,
      KAFKA_BROKER: brokers,
      KAFKA_DEV_BROKER: env.KAFKA_DEV_BROKER,
      KAFKA_SASL_MECHANISM: env.KAFKA_SASL_MECHANISM as KafkaSaslMechanism | undefined,
      KAFKA_SASL_USERNAME: env.KAFKA_SASL_USERNAME,
      KAFKA_SASL_PASSWORD: env.KAFKA_SASL_PASSWORD,
    },
    'admin',
  );
}
