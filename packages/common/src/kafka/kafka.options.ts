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
}

export const KAFKA_OPTIONS = Symbol('KAFKA_OPTIONS');
