import { setTimeout as sleep } from 'node:timers/promises';
import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  OnApplicationShutdown,
  OnModuleInit,
} from '@nestjs/common';
import {
  Admin,
  ProduceAcks,
  Producer,
  stringSerializers,
  type BaseOptions,
  type MessageToProduce,
} from '@platformatic/kafka';
import {
  deadLetterTopicOf,
  KafkaHeaders,
  messageSchemas,
  type MessageOf,
  type Topic,
} from '@flash-sale/contracts';
import { APP_CONFIG } from '../config/config.module.js';
import type { BaseEnv } from '../config/env.schema.js';
import { KAFKA_OPTIONS, kafkaConnectionOptions, type KafkaModuleOptions } from './kafka.options.js';

/** A message to publish: the value is checked against the topic's schema before it is sent. */
export interface OutgoingMessage<T extends Topic> {
  key: string;
  value: MessageOf<T>;
  requestId?: string;
}

/** A raw message for the dead-letter topic: what was received and why it was refused. */
export interface DeadLetter {
  sourceTopic: string;
  partition: number;
  offset: bigint;
  key: string | null;
  value: string | null;
  error: string;
  requestId?: string;
}

const TOPIC_ALREADY_EXISTS = 36;
const MAX_MESSAGES_PER_SEND = 2_000;
/**
 * Most messages waiting behind the send in flight. While the broker does not answer (a pause, a
 * network partition) a send can hang for its whole timeout and retries; without a bound every
 * publish meanwhile would wait in memory. Beyond it, publishing fails at once with
 * {@link KafkaBackedUpError}: callers whose messages are also recorded elsewhere (order-service's
 * orders table is its outbox) let their relay send them once Kafka answers again.
 */
const MAX_QUEUED_MESSAGES = 10_000;

/**
 * At shutdown, how long a send still waiting for the broker gets before it is given up (its
 * callers see an error; what the orders table or an uncommitted offset holds is sent again by
 * the next process). A frozen broker would otherwise hold the shutdown for a send's full timeout
 * and retries (~20 s), and a restart with it.
 */
const SHUTDOWN_SEND_GRACE_MS = 3_000;
/** At shutdown, how long closing the producer and admin connections may take. */
const SHUTDOWN_CLOSE_MS = 2_000;

/** Kafka is not keeping up (or not answering): the message was not queued, nothing was sent. */
export class KafkaBackedUpError extends Error {
  constructor(queued: number) {
    super(`Kafka is backed up (${queued} messages waiting for the broker); not queued`);
    this.name = 'KafkaBackedUpError';
  }
}

/**
 * Longest wait for one send or one start-up admin request. The client's own timeouts and retries
 * end almost every request, but after a broker kill -9 and restart a request was seen never to
 * answer; one such send held every later one behind it (and the consumer handler waiting on it).
 */
const REQUEST_DEADLINE_MS = 30_000;

type OutgoingRecord = MessageToProduce<string, string, string, string>;

interface PendingSend {
  messages: OutgoingRecord[];
  resolve: () => void;
  reject: (error: Error) => void;
}

function isTopicExistsError(error: unknown): boolean {
  const seen = new Set<unknown>();
  const visit = (e: unknown): boolean => {
    if (!e || typeof e !== 'object' || seen.has(e)) return false;
    seen.add(e);
    const err = e as {
      errorCode?: number;
      apiCode?: number;
      errors?: unknown[];
      response?: unknown;
      message?: string;
    };
    if (err.apiCode === TOPIC_ALREADY_EXISTS || err.errorCode === TOPIC_ALREADY_EXISTS) return true;
    if (typeof err.message === 'string' && /already exists/i.test(err.message)) return true;
    return (err.errors ?? []).some(visit) || visit(err.response);
  };
  return visit(error);
}

/**
 * The service's connection to Kafka: an idempotent producer (acks=all, keyed) and an admin client
 * that creates the service's topics at start-up. Start-up does not wait for Kafka: topics are
 * ensured in the background, with retries, and health reports Kafka down meanwhile.
 */
@Injectable()
export class KafkaClient implements OnModuleInit, BeforeApplicationShutdown, OnApplicationShutdown {
  private readonly logger = new Logger(KafkaClient.name);
  private readonly connection: BaseOptions;
  private producer: Producer<string, string, string, string>;
  /** Sends waiting for the one in flight; see {@link send}. */
  private readonly sendQueue: PendingSend[] = [];
  /** Messages in {@link sendQueue} (not counting the send in flight). */
  private queuedMessages = 0;
  private sending = false;
  private readonly admin: Admin;
  private topicsReady: Promise<void> | undefined;
  private closed = false;
  private shuttingDown = false;
  /** Rejects SHUTDOWN_SEND_GRACE_MS after the shutdown began: every send still waiting fails. */
  private readonly sendsAbandoned: Promise<never>;
  private abandonSends!: (error: Error) => void;

  constructor(
    @Inject(KAFKA_OPTIONS) private readonly options: KafkaModuleOptions,
    @Inject(APP_CONFIG) private readonly config: BaseEnv,
  ) {
    this.connection = kafkaConnectionOptions(config, options.clientId);
    this.producer = this.createProducer();
    this.admin = new Admin(this.connection);
    this.sendsAbandoned = new Promise<never>((_, reject) => (this.abandonSends = reject));
    this.sendsAbandoned.catch(() => undefined);
    // An 'error' event without a listener kills the process; the requests' own errors are handled
    // where they are made, so this only logs what the client reports on its own.
    this.admin.on('error', (error: Error) =>
      this.logger.warn(`Kafka admin client error: ${error.message}`),
    );
  }

  onModuleInit(): void {
    this.topicsReady = this.ensureTopicsWithRetry();
    // Errors are retried inside; this only guards against an unhandled rejection.
    this.topicsReady.catch(() => undefined);
  }

  /** Resolves once the service's topics exist (retrying while Kafka is unreachable). */
  whenTopicsReady(): Promise<void> {
    return this.topicsReady ?? Promise.resolve();
  }

  /** The broker list this client talks to. */
  get brokers(): string[] {
    return this.config.KAFKA_BROKER;
  }

  /**
   * Publishes messages to `topic`, keyed, with the request id as a header. Each value is validated
   * against the topic's schema first: an invalid message is a bug and is never sent.
   */
  async publish<T extends Topic>(topic: T, messages: OutgoingMessage<T>[]): Promise<void> {
    if (messages.length === 0) return;
    // Before any serialising: during an outage this is refused many times a second.
    this.refuseWhenBackedUp(messages.length);
    const schema = messageSchemas[topic];
    await this.send(
      messages.map((m) => ({
        topic,
        key: m.key,
        value: JSON.stringify(schema.parse(m.value)),
        headers: requestIdHeader(m.requestId),
      })),
    );
  }

  /** Sends refused messages to their topic's dead-letter topic, with the reason in headers. */
  async deadLetter(letters: DeadLetter[]): Promise<void> {
    if (letters.length === 0) return;
    await this.send(
      letters.map((l) => ({
        topic: deadLetterTopicOf(l.sourceTopic),
        key: l.key ?? undefined,
        value: l.value ?? '',
        headers: {
          [KafkaHeaders.DeadLetterError]: l.error.slice(0, 4_000),
          [KafkaHeaders.DeadLetterSourceTopic]: l.sourceTopic,
          [KafkaHeaders.DeadLetterSourcePartition]: String(l.partition),
          [KafkaHeaders.DeadLetterSourceOffset]: l.offset.toString(),
          ...requestIdHeader(l.requestId),
        },
      })),
    );
  }

  /** Publishes a raw string value, bypassing validation. For tests and the DLQ replay tool only. */
  async publishRaw(
    topic: string,
    key: string | undefined,
    value: string,
    headers: Record<string, string> = {},
  ): Promise<void> {
    await this.send([{ topic, key, value, headers }]);
  }

  /** Fetches cluster metadata within `timeoutMs`; throws when the broker does not answer. */
  async ping(timeoutMs = 2_000): Promise<{ brokers: number }> {
    const metadata = await withTimeout(
      this.admin.metadata({ topics: [], forceUpdate: true }),
      timeoutMs,
      `Kafka did not answer within ${timeoutMs} ms`,
    );
    return { brokers: metadata.brokers.size };
  }

  /**
   * Sends through the idempotent producer with at most one request in flight: concurrent callers
   * queue here and whatever queued while a send was in flight goes out together in the next one.
   * Since @platformatic/kafka 2 this is for speed, not correctness: 1.35 lost messages when
   * idempotent sends overlapped (upstream #326), 2.x reserves each send's sequence numbers and
   * loses none (the concurrent-publish integration test passes without this queue). But an
   * idempotent producer has one request in flight per broker anyway, so N overlapping sends are N
   * round trips in a row: 200 of them took ~400 ms on the local broker, one merged send ~20 ms.
   */
  private send(messages: OutgoingRecord[]): Promise<void> {
    return new Promise((resolve, reject) => {
      this.refuseWhenBackedUp(messages.length);
      this.queuedMessages += messages.length;
      this.sendQueue.push({ messages, resolve, reject });
      if (!this.sending) void this.drainSendQueue();
    });
  }

  /** Throws {@link KafkaBackedUpError} when `count` more messages would exceed the bound. */
  private refuseWhenBackedUp(count: number): void {
    // An empty queue always takes one call, however large, so nothing is refused forever.
    if (this.queuedMessages > 0 && this.queuedMessages + count > MAX_QUEUED_MESSAGES) {
      throw new KafkaBackedUpError(this.queuedMessages);
    }
  }

  private async drainSendQueue(): Promise<void> {
    this.sending = true;
    while (this.sendQueue.length > 0) {
      const batch = this.takeSendBatch();
      try {
        await Promise.race([
          withTimeout(
            this.producer.send({ messages: batch.flatMap((b) => b.messages) }),
            REQUEST_DEADLINE_MS,
            `Kafka send did not finish within ${REQUEST_DEADLINE_MS} ms`,
          ),
          this.sendsAbandoned,
        ]);
        for (const pending of batch) pending.resolve();
      } catch (error) {
        for (const pending of batch) pending.reject(error as Error);
        // A new producer gets a new producer id and starts clean. (1.35 could stay stuck on "out of
        // order sequence number" after a failure, upstream #309; 2.x resets itself, this is cheap.)
        if (!this.shuttingDown) this.replaceProducer();
      }
    }
    this.sending = false;
  }

  /** Takes queued sends up to about MAX_MESSAGES_PER_SEND messages (always at least one). */
  private takeSendBatch(): PendingSend[] {
    let count = 0;
    let taken = 0;
    while (taken < this.sendQueue.length) {
      const size = this.sendQueue[taken]?.messages.length ?? 0;
      if (taken > 0 && count + size > MAX_MESSAGES_PER_SEND) break;
      count += size;
      taken += 1;
    }
    this.queuedMessages -= count;
    return this.sendQueue.splice(0, taken);
  }

  private createProducer(): Producer<string, string, string, string> {
    const producer = new Producer({
      ...this.connection,
      idempotent: true,
      acks: ProduceAcks.ALL,
      serializers: stringSerializers,
      autocreateTopics: false,
    });
    // Unhandled, an 'error' event would kill the process; a failed send replaces the producer.
    producer.on('error', (error: Error) =>
      this.logger.warn(`Kafka producer error: ${error.message}`),
    );
    return producer;
  }

  private replaceProducer(): void {
    const old = this.producer;
    this.producer = this.createProducer();
    // Not awaited: closing talks to the broker, and one that does not answer (paused, cut off)
    // would hold every send queued behind it until the close timed out.
    void old.close().catch(() => undefined);
  }

  beforeApplicationShutdown(): void {
    this.shuttingDown = true;
    setTimeout(
      () => this.abandonSends(new Error('shutting down: send to Kafka abandoned')),
      SHUTDOWN_SEND_GRACE_MS,
    ).unref();
  }

  async onApplicationShutdown(): Promise<void> {
    this.closed = true;
    this.abandonSends(new Error('shutting down: send to Kafka abandoned'));
    await Promise.race([
      Promise.allSettled([this.producer.close(), this.admin.close()]),
      sleep(SHUTDOWN_CLOSE_MS),
    ]);
  }

  private async ensureTopicsWithRetry(): Promise<void> {
    let delay = 500;
    for (;;) {
      try {
        await withTimeout(
          this.ensureTopics(),
          REQUEST_DEADLINE_MS,
          `no answer within ${REQUEST_DEADLINE_MS} ms`,
        );
        return;
      } catch (error) {
        if (this.closed) return;
        this.logger.warn(
          `Kafka topics not ready yet (${(error as Error).message}); retrying in ${delay} ms`,
        );
        await sleep(delay);
        delay = Math.min(delay * 2, 10_000);
      }
    }
  }

  private async ensureTopics(): Promise<void> {
    const wanted = this.options.topics.flatMap((t) => [t, deadLetterTopicOf(t)]);
    const metadata = await this.admin.metadata({ topics: [], forceUpdate: true });
    const existing = new Set(await this.admin.listTopics());
    const missing = wanted.filter((t) => !existing.has(t));
    for (const topic of missing) {
      try {
        await this.admin.createTopics({
          topics: [topic],
          partitions: this.config.KAFKA_TOPIC_PARTITIONS,
          replicas: Math.min(3, metadata.brokers.size),
        });
        this.logger.log(
          `created topic ${topic} (${this.config.KAFKA_TOPIC_PARTITIONS} partitions)`,
        );
      } catch (error) {
        // Another instance may have created it between our listing and our request.
        if (!isTopicExistsError(error)) throw error;
      }
    }
  }
}

function requestIdHeader(requestId: string | undefined): Record<string, string> {
  return requestId ? { [KafkaHeaders.RequestId]: requestId } : {};
}

export async function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(message)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
