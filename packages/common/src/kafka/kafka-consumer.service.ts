import { setTimeout as sleep } from 'node:timers/promises';
import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  Optional,
} from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { Consumer, stringDeserializers, type Message } from '@platformatic/kafka';
import { KafkaHeaders, messageSchemas, type Topic } from '@flash-sale/contracts';
import { APP_CONFIG } from '../config/config.module.js';
import type { BaseEnv } from '../config/env.schema.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { ConsumerMetrics } from './consumer-metrics.js';
import { KafkaClient, withTimeout, type DeadLetter } from './kafka-client.service.js';
import { ConsumesTopic, type ConsumedMessage, type KafkaBatchHandler } from './kafka-handler.js';
import { KAFKA_OPTIONS, kafkaConnectionOptions, type KafkaModuleOptions } from './kafka.options.js';

type RawMessage = Message<string, string, string, string>;

/** Longest wait at shutdown for the consumer loop to finish its batch and leave the group. */
const SHUTDOWN_WAIT_MS = 5_000;

/** What this service uses of @platformatic/kafka's Consumer (a seam for unit tests). */
export type KafkaConsumer = Pick<
  Consumer<string, string, string, string>,
  'consume' | 'close' | 'on' | 'connections'
>;

/** How long closing a failed consumer may take before it is abandoned. */
const CLOSE_TIMEOUT_MS = 10_000;

/** Result of checking one raw message against its topic's schema. */
export type ParsedMessage =
  { ok: true; message: ConsumedMessage<unknown> } | { ok: false; letter: DeadLetter };

/** Parses a raw Kafka record as JSON and validates it against its topic's contract. */
export function parseMessage(
  raw: Pick<RawMessage, 'topic' | 'partition' | 'offset' | 'key' | 'value' | 'headers'>,
): ParsedMessage {
  const requestId = raw.headers.get(KafkaHeaders.RequestId) ?? undefined;
  const refuse = (error: string): ParsedMessage => ({
    ok: false,
    letter: {
      sourceTopic: raw.topic,
      partition: raw.partition,
      offset: raw.offset,
      key: raw.key ?? null,
      value: raw.value ?? null,
      error,
      requestId,
    },
  });
  const schema = (messageSchemas as Record<string, (typeof messageSchemas)[Topic]>)[raw.topic];
  if (!schema) return refuse(`no schema for topic ${raw.topic}`);
  let json: unknown;
  try {
    json = JSON.parse(raw.value ?? '');
  } catch (error) {
    return refuse(`value is not JSON: ${(error as Error).message}`);
  }
  const result = schema.safeParse(json);
  if (!result.success) {
    return refuse(
      result.error.issues.map((i) => `${i.path.join('.') || '(message)'}: ${i.message}`).join('; '),
    );
  }
  return {
    ok: true,
    message: {
      topic: raw.topic,
      partition: raw.partition,
      offset: raw.offset,
      key: raw.key ?? null,
      value: result.data,
      requestId,
    },
  };
}

/**
 * Runs the service's consumer group over the topics that have a `@ConsumesTopic` handler.
 *
 * For each fetched batch: invalid messages go to `<topic>.dlq`; valid ones go to their handler;
 * only when both succeeded are the offsets committed. A failing handler is retried with backoff
 * (never skipped), so handlers must be idempotent. On shutdown the batch in hand is finished, its
 * offsets committed, and the group left.
 */
@Injectable()
export class KafkaConsumerService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(KafkaConsumerService.name);
  private readonly handlers = new Map<string, KafkaBatchHandler<Topic>>();
  private consumer: KafkaConsumer | undefined;
  /** The error that condemned the current consumer, if any. */
  private failure: () => Error | undefined = () => undefined;
  private running = false;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private markStopped!: () => void;
  private readonly stopped = new Promise<void>((resolve) => (this.markStopped = resolve));
  private markConsuming!: () => void;
  private readonly consuming = new Promise<void>((resolve) => (this.markConsuming = resolve));
  private metrics: ConsumerMetrics | undefined;
  private consumersMade = 0;

  constructor(
    @Inject(KAFKA_OPTIONS) private readonly options: KafkaModuleOptions,
    @Inject(APP_CONFIG) private readonly config: BaseEnv,
    private readonly client: KafkaClient,
    private readonly discovery: DiscoveryService,
    @Optional() private readonly metricsService?: MetricsService,
  ) {}

  onApplicationBootstrap(): void {
    for (const wrapper of this.discovery.getProviders({ metadataKey: ConsumesTopic.KEY })) {
      const topic = this.discovery.getMetadataByDecorator(ConsumesTopic, wrapper);
      const instance = wrapper.instance as KafkaBatchHandler<Topic> | undefined;
      if (!topic || !instance) continue;
      if (this.handlers.has(topic)) throw new Error(`two handlers for topic ${topic}`);
      this.handlers.set(topic, instance);
    }
    if (this.handlers.size === 0) return;
    if (this.metricsService)
      this.metrics = new ConsumerMetrics(this.metricsService.registry, this.topics);
    this.running = true;
    this.loop = this.runForever();
  }

  /** Resolves once the group is joined and the stream is open (first time only). */
  whenConsuming(): Promise<void> {
    return this.consuming;
  }

  /** Topics this service consumes. */
  get topics(): string[] {
    return [...this.handlers.keys()];
  }

  async beforeApplicationShutdown(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.markStopped();
    this.wake?.();
    // Finishing the batch in hand and leaving the group normally take well under a second; a
    // broker that does not answer (frozen, cut off) would hold the shutdown for its timeouts.
    // Past this, the group's session timeout hands the partitions on, and a batch whose offsets
    // were not committed is redelivered (the handlers are idempotent).
    await Promise.race([this.loop, sleep(SHUTDOWN_WAIT_MS)]);
  }

  private async runForever(): Promise<void> {
    let delay = 500;
    while (this.running) {
      try {
        // Kafka may be unreachable since start: waiting for it must not hold up a shutdown.
        await Promise.race([this.client.whenTopicsReady(), this.stopped]);
        if (!this.running) break;
        await this.consumeUntilStopped();
        delay = 500;
      } catch (error) {
        if (!this.running) break;
        this.logger.error({ err: error }, `consumer failed; restarting in ${delay} ms`);
        await this.interruptibleSleep(delay);
        delay = Math.min(delay * 2, 10_000);
      } finally {
        await this.closeConsumer();
      }
    }
  }

  /** Makes the group's consumer; a seam for the unit tests, which hand in a fake. */
  protected createConsumer(): KafkaConsumer {
    return new Consumer({
      ...kafkaConnectionOptions(this.config, this.options.clientId),
      groupId: this.options.groupId,
      deserializers: stringDeserializers,
      autocommit: false,
      sessionTimeout: 10_000,
      heartbeatInterval: 1_000,
      rebalanceTimeout: 15_000,
      maxWaitTime: 200,
      timeout: 5_000,
    });
  }

  /**
   * Consumes until shutdown, or until the consumer can no longer be trusted: then it throws and
   * {@link runForever} closes it (leaving the group) and makes a new one. That is when the client
   * emits 'error' (a rejoin that failed after its retries: unhandled, it killed the process), when
   * its heartbeats stall, when the stream errors or ends, and when a batch keeps failing.
   */
  private async consumeUntilStopped(): Promise<void> {
    const consumer = this.createConsumer();
    const seq = ++this.consumersMade;
    this.consumer = consumer;
    consumer.on('consumer:group:join', (joined: { memberId: string; generationId: number }) => {
      if (this.consumer === consumer) {
        this.logger.log(
          `consumer #${seq} joined group ${this.options.groupId} as ${joined.memberId} (generation ${joined.generationId})`,
        );
      } else {
        // Cannot happen once its connections are cut (see closeConsumer); said loudly if it does.
        this.logger.warn(
          `consumer #${seq}, given up, joined group ${this.options.groupId} again as ${joined.memberId} (generation ${joined.generationId})`,
        );
      }
    });
    let failure: Error | undefined;
    let notify: (() => void) | undefined;
    const signal = () => {
      const resolve = notify;
      notify = undefined;
      resolve?.();
    };
    const fail = (error: Error) => {
      failure ??= error;
      signal();
    };
    consumer.on('error', (error: Error) => fail(error));
    consumer.on(
      'consumer:heartbeat:stalled',
      (payload: { lastError?: Error; stalledFor: number }) =>
        fail(
          new Error(`consumer heartbeats stalled for ${payload.stalledFor} ms`, {
            cause: payload.lastError,
          }),
        ),
    );
    this.failure = () => failure;

    const stream = await consumer.consume({
      topics: this.topics,
      mode: 'committed',
      fallbackMode: this.options.startFrom ?? 'earliest',
      autocommit: false,
    });
    this.markConsuming();
    this.metrics?.track(consumer as Consumer<string, string, string, string>);
    this.logger.log(`consuming ${this.topics.join(', ')} as group ${this.options.groupId}`);

    // Flowing mode with pause/resume: messages are buffered as they arrive and handed over in
    // batches of what is there. (Pulling with read() until null stalled the client's fetch loop.)
    const max = this.options.maxBatchSize ?? 500;
    const buffer: RawMessage[] = [];
    stream.on('data', (message: RawMessage) => {
      buffer.push(message);
      if (buffer.length >= max) stream.pause();
      signal();
    });
    stream.on('error', fail);
    const ended = () => {
      if (this.running) fail(new Error('consumer stream ended'));
    };
    stream.on('end', ended);
    stream.on('close', ended);

    while (this.running) {
      if (failure) throw failure;
      if (buffer.length === 0) {
        if (stream.destroyed || stream.readableEnded) throw new Error('consumer stream closed');
        await new Promise<void>((resolve) => {
          notify = resolve;
          this.wake = signal;
        });
        continue;
      }
      const batch = buffer.splice(0, max);
      if (stream.isPaused()) stream.resume();
      await this.processWithRetry(batch);
    }
  }

  /**
   * Dead-letters invalid messages, hands valid ones to their handler, then commits. A failure is
   * retried with backoff, but not forever in the same consumer: when the consumer has failed, or
   * the batch still fails after `restartConsumerAfterMs`, this throws so that the consumer is
   * replaced (the batch is not committed: it is delivered again). An attempt that hangs (a request
   * that never answers after a broker restart) fails after `batchAttemptTimeoutMs`.
   */
  private async processWithRetry(batch: RawMessage[]): Promise<void> {
    let delay = this.options.retryInitialDelayMs ?? 100;
    const maxDelay = this.options.retryMaxDelayMs ?? 5_000;
    const attemptTimeout = this.options.batchAttemptTimeoutMs ?? 30_000;
    const giveUpAt = Date.now() + (this.options.restartConsumerAfterMs ?? 30_000);
    for (let attempt = 1; ; attempt++) {
      try {
        await withTimeout(
          this.process(batch).then(() => commitLastOfEachPartition(batch)),
          attemptTimeout,
          `batch attempt took more than ${attemptTimeout} ms`,
        );
        return;
      } catch (error) {
        // Not committing on shutdown is safe: the batch is redelivered to whoever owns it next.
        if (!this.running) throw error;
        const consumerFailure = this.failure();
        if (consumerFailure) throw consumerFailure;
        if (Date.now() + delay > giveUpAt) {
          throw new Error(
            `batch of ${batch.length} still failing after ${attempt} attempts; replacing the consumer`,
            { cause: error },
          );
        }
        this.logger.error(
          { err: error },
          `batch of ${batch.length} failed (attempt ${attempt}); retrying in ${delay} ms`,
        );
        await this.interruptibleSleep(delay);
        delay = Math.min(delay * 2, maxDelay);
      }
    }
  }

  private async process(batch: RawMessage[]): Promise<void> {
    const letters: DeadLetter[] = [];
    const byTopic = new Map<string, ConsumedMessage<unknown>[]>();
    for (const raw of batch) {
      const parsed = parseMessage(raw);
      if (!parsed.ok) {
        letters.push(parsed.letter);
        continue;
      }
      const list = byTopic.get(raw.topic) ?? [];
      list.push(parsed.message);
      byTopic.set(raw.topic, list);
    }
    if (letters.length > 0) {
      await this.client.deadLetter(letters);
      for (const l of letters) {
        this.metrics?.deadLetters(l.sourceTopic, 1);
        this.logger.warn(`dead-lettered ${l.sourceTopic}[${l.partition}]@${l.offset}: ${l.error}`);
      }
    }
    for (const [topic, messages] of byTopic) {
      const handler = this.handlers.get(topic);
      if (!handler) throw new Error(`no handler for topic ${topic}`);
      await handler.handle(messages as Parameters<typeof handler.handle>[0]);
    }
  }

  private async interruptibleSleep(ms: number): Promise<void> {
    await Promise.race([sleep(ms), new Promise<void>((resolve) => (this.wake = resolve))]);
  }

  private async closeConsumer(): Promise<void> {
    const consumer = this.consumer;
    this.consumer = undefined;
    this.failure = () => undefined;
    this.metrics?.track(undefined);
    if (!consumer) return;
    try {
      // A consumer wrecked by a broker restart may never answer: do not wait for it forever.
      await withTimeout(
        new Promise<void>((resolve, reject) =>
          consumer.close(true, (error) => (error ? reject(error) : resolve())),
        ),
        CLOSE_TIMEOUT_MS,
        `close took more than ${CLOSE_TIMEOUT_MS} ms`,
      );
    } catch (error) {
      this.logger.warn(
        `closing the consumer: ${(error as Error).message}; cutting its connections instead`,
      );
      // A consumer whose close failed or is still waiting for the broker is not gone: the client
      // (@platformatic/kafka 2.12) reopens a consumer whose LeaveGroup failed, and a rejoin that
      // its heartbeat had started goes on whatever close() does. After a 46 s broker
      // pause the chaos suite saw one join the group again next to its replacement: a member that
      // heartbeats and is assigned partitions, but whose stream is closed, so those partitions
      // were never read and nothing settled until the process restarted. A closed connection pool
      // never reopens: without connections it can neither heartbeat nor join, and the group drops
      // it after the session timeout (10 s).
      consumer.connections.close().catch(() => undefined);
    }
  }
}

/** Committing a message commits its offset + 1 for its partition, so the last one is enough. */
async function commitLastOfEachPartition(batch: RawMessage[]): Promise<void> {
  const last = new Map<string, RawMessage>();
  for (const message of batch) last.set(`${message.topic}:${message.partition}`, message);
  await Promise.all(
    [...last.values()].map(
      (m) =>
        new Promise<void>((resolve, reject) => {
          // With a callback, commit returns nothing; the callback settles the promise.
          void m.commit((error) => (error ? reject(error) : resolve()));
        }),
    ),
  );
}
