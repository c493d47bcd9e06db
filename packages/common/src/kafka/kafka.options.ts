import type { BaseOptions } from '@platformatic/kafka';
import { kafkaSasl, type KafkaCredentialsEnv } from './kafka-credentials.js';

/** Settings of a service's Kafka wiring (see {@link KafkaModule.forRoot}). */
export interface KafkaModuleOptions {
  /** Client id shown by the broker, usually the service name. */
  clientId: string;
  /** Consumer group; one per service, so instances of a service share partitions. */
  groupId: string;
  /**
   * Topics this service makes sure exist at start-up (each with its dead-letter topic). Creating
   * them up front, with several partitions, beats relying on auto-creation with one partition.
   */
  topics: readonly string[];
  /**
   * Where a group without committed offsets starts: `earliest` (default, so nothing published
   * before the first start is missed) or `latest` (tests that must not see older messages).
   */
  startFrom?: 'earliest' | 'latest';
  /** Largest batch handed to a handler at once. */
  maxBatchSize?: number;
  /** Backoff between retries of a failing handler: starts here and doubles... */
  retryInitialDelayMs?: number;
  /** ...up to this. */
  retryMaxDelayMs?: number;
  /** One attempt at a batch (handler + commit) that takes longer counts as failed (30 s). */
  batchAttemptTimeoutMs?: number;
  /**
   * A batch still failing after this long closes the consumer (leaving the group, so its
   * partitions go to a member that can consume them) and a new one is made (30 s).
   */
  restartConsumerAfterMs?: number;
}

export const KAFKA_OPTIONS = Symbol('KAFKA_OPTIONS');

/**
 * How every Kafka client of a service connects (producer, admin, consumer), from the service's
 * configuration: the brokers, the client id and the request limits; connection-level settings
 * such as credentials belong here too, so that each client, and the tests that build their own
 * clients from the same configuration, get them alike.
 */
export function kafkaConnectionOptions(config: KafkaCredentialsEnv, clientId: string): BaseOptions {
  return {
    clientId,
    bootstrapBrokers: [...config.KAFKA_BROKER],
    sasl: kafkaSasl(config, clientId),
    // Fail a single request fast; the callers own the retry policy.
    timeout: 5_000,
    retries: 3,
    retryDelay: 250,
  };
}
