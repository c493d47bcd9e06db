import { randomUUID } from 'node:crypto';
import { Injectable, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import type { INestApplicationContext } from '@nestjs/common';
import {
  Consumer,
  ProduceAcks,
  Producer,
  stringDeserializers,
  stringSerializers,
} from '@platformatic/kafka';
import {
  deadLetterTopicOf,
  KafkaHeaders,
  Topics,
  type InventoryRestore,
} from '@flash-sale/contracts';
import {
  AppConfigModule,
  baseEnvSchema,
  ConsumesTopic,
  KafkaClient,
  KafkaConsumerService,
  KafkaModule,
  loadConfig,
  type ConsumedMessage,
  type KafkaBatchHandler,
} from '../src/index.js';
import { toolKafkaSasl } from '../src/kafka/kafka-credentials.js';
import { eventually } from '../src/testing/index.js';

/**
 * Runs the shared Kafka wiring against the real broker (scripts/infra.sh up). The handler under
 * test consumes `inventory-restore` in a fresh consumer group that starts at the latest offset,
 * so it only sees what this test publishes.
 */
const config = loadConfig(baseEnvSchema({ port: 0, database: 'unused' }), { env: process.env });

@ConsumesTopic(Topics.InventoryRestore)
@Injectable()
class RecordingHandler implements KafkaBatchHandler<typeof Topics.InventoryRestore> {
  readonly seen: ConsumedMessage<InventoryRestore>[] = [];
  /** Order ids whose first delivery should fail once. */
  readonly failOnce = new Set<string>();

  handle(batch: ConsumedMessage<InventoryRestore>[]): Promise<void> {
    this.seen.push(...batch);
    for (const message of batch) {
      if (this.failOnce.delete(message.value.orderId)) {
        return Promise.reject(new Error(`simulated failure for ${message.value.orderId}`));
      }
    }
    return Promise.resolve();
  }
}

@Module({ providers: [RecordingHandler] })
class HandlerModule {}

function restoreMessage(orderId = randomUUID()): InventoryRestore {
  return {
    schemaVersion: 1,
    messageId: randomUUID(),
    orderId,
    productId: 'SKU-KAFKA-TEST',
    quantity: 1,
    requestedAt: new Date().toISOString(),
  };
}

describe('Kafka wiring (real broker)', () => {
  let app: INestApplicationContext;
  let kafka: KafkaClient;
  let handler: RecordingHandler;

  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [
        AppConfigModule.forRoot(config),
        KafkaModule.forRoot({
          clientId: 'common-kafka-test',
          groupId: `common-kafka-test-${randomUUID()}`,
          topics: Object.values(Topics),
          startFrom: 'latest',
          retryInitialDelayMs: 50,
        }),
        HandlerModule,
      ],
    }).compile();
    app = await moduleRef.init();
    kafka = app.get(KafkaClient);
    handler = app.get(RecordingHandler);
    await kafka.whenTopicsReady();
    await app.get(KafkaConsumerService).whenConsuming();
  }, 60_000);

  afterAll(async () => {
    await app?.close();
  });

  it('creates the topics with several partitions and their dead-letter topics', async () => {
    const admin = (await import('@platformatic/kafka')).Admin;
    const client = new admin({
      clientId: 'common-kafka-test-admin',
      bootstrapBrokers: config.KAFKA_BROKER,
      sasl: toolKafkaSasl(config.KAFKA_BROKER),
    });
    try {
      const metadata = await client.metadata({
        topics: [Topics.InventoryRestore, deadLetterTopicOf(Topics.InventoryRestore)],
      });
      expect(metadata.topics.get(Topics.InventoryRestore)?.partitionsCount).toBeGreaterThan(1);
      expect(metadata.topics.has(deadLetterTopicOf(Topics.InventoryRestore))).toBe(true);
    } finally {
      await client.close();
    }
  });

  it('delivers a published message, keyed, with its request id', async () => {
    const message = restoreMessage();
    const requestId = `req-${randomUUID()}`;
    await kafka.publish(Topics.InventoryRestore, [
      { key: message.productId, value: message, requestId },
    ]);

    const received = await eventually(() =>
      handler.seen.find((m) => m.value.orderId === message.orderId),
    );
    expect(received.value).toEqual(message);
    expect(received.key).toBe(message.productId);
    expect(received.requestId).toBe(requestId);
  });

  /** Waits until the consumer has handled every one of `messages` (by order id). */
  async function allConsumed(messages: { orderId: string }[]): Promise<void> {
    const ids = new Set(messages.map((m) => m.orderId));
    await eventually(() => {
      const seen = new Set(
        handler.seen.filter((m) => ids.has(m.value.orderId)).map((m) => m.value.orderId),
      );
      return seen.size === ids.size ? true : undefined;
    });
  }

  it('delivers every message of concurrent publishes (one idempotent send in flight)', async () => {
    const messages = Array.from({ length: 40 }, () => restoreMessage());
    await Promise.all(
      messages.map((value) =>
        kafka.publish(Topics.InventoryRestore, [{ key: value.productId, value }]),
      ),
    );
    await allConsumed(messages);
  }, 30_000);

  it('the idempotent producer itself keeps every message of overlapping sends (upstream #326)', async () => {
    // KafkaClient never overlaps sends (it merges them, for speed); this pins down that the
    // library would not lose messages if it did, as @platformatic/kafka 1.35 did.
    const producer = new Producer({
      clientId: 'common-kafka-test-raw',
      bootstrapBrokers: config.KAFKA_BROKER,
      sasl: toolKafkaSasl(config.KAFKA_BROKER),
      idempotent: true,
      acks: ProduceAcks.ALL,
      serializers: stringSerializers,
      autocreateTopics: false,
    });
    const messages = Array.from({ length: 40 }, () => restoreMessage());
    try {
      await Promise.all(
        messages.map((value) =>
          producer.send({
            messages: [
              {
                topic: Topics.InventoryRestore,
                key: value.productId,
                value: JSON.stringify(value),
              },
            ],
          }),
        ),
      );
    } finally {
      await producer.close();
    }
    await allConsumed(messages);
  }, 30_000);

  it('refuses to publish a message that breaks the contract', async () => {
    const invalid = { ...restoreMessage(), quantity: 0 };
    await expect(
      kafka.publish(Topics.InventoryRestore, [{ key: 'x', value: invalid }]),
    ).rejects.toThrow();
  });

  it('dead-letters an invalid message with the error and goes on with the next valid one', async () => {
    const poisonKey = `poison-${randomUUID()}`;
    const next = restoreMessage();
    await kafka.publishRaw(
      Topics.InventoryRestore,
      poisonKey,
      '{"schemaVersion":1,"orderId":"not-a-uuid"',
    );
    await kafka.publishRaw(
      Topics.InventoryRestore,
      poisonKey,
      JSON.stringify({ ...restoreMessage(), quantity: -3 }),
    );
    await kafka.publish(Topics.InventoryRestore, [{ key: poisonKey, value: next }]);

    await eventually(() => handler.seen.find((m) => m.value.orderId === next.orderId));
    expect(handler.seen.filter((m) => m.key === poisonKey)).toHaveLength(1);

    // Any other consumer group of this topic (a running service) dead-letters them too, so
    // letters are told apart by the offset they came from.
    const letters = await readDeadLetters(deadLetterTopicOf(Topics.InventoryRestore), poisonKey, 2);
    expect(letters.map((l) => l.headers.get(KafkaHeaders.DeadLetterSourceTopic))).toEqual([
      Topics.InventoryRestore,
      Topics.InventoryRestore,
    ]);
    expect(letters[0]?.headers.get(KafkaHeaders.DeadLetterError)).toMatch(/not JSON/);
    expect(letters[1]?.headers.get(KafkaHeaders.DeadLetterError)).toMatch(/quantity/);
    expect(letters[1]?.value).toContain('"quantity":-3');
  }, 30_000);

  it('hands a message whose handler threw to the handler again', async () => {
    const message = restoreMessage();
    handler.failOnce.add(message.orderId);
    await kafka.publish(Topics.InventoryRestore, [{ key: message.productId, value: message }]);

    const deliveries = await eventually(() => {
      const seen = handler.seen.filter((m) => m.value.orderId === message.orderId);
      return seen.length >= 2 ? seen : undefined;
    });
    expect(deliveries[0]?.offset).toBe(deliveries[1]?.offset);
    expect(handler.failOnce.has(message.orderId)).toBe(false);
  }, 30_000);
});

/**
 * Reads a dead-letter topic from the start until letters with `key` from `count` distinct source
 * offsets are found; returns one letter per source offset, in offset order.
 */
async function readDeadLetters(topic: string, key: string, count: number) {
  const consumer = new Consumer({
    clientId: 'common-kafka-test-dlq',
    groupId: `common-kafka-test-dlq-${randomUUID()}`,
    bootstrapBrokers: config.KAFKA_BROKER,
    sasl: toolKafkaSasl(config.KAFKA_BROKER),
    deserializers: stringDeserializers,
    maxWaitTime: 200,
  });
  const stream = await consumer.consume({ topics: [topic], mode: 'earliest', autocommit: false });
  const bySourceOffset = new Map<string, { value: string; headers: Map<string, string> }>();
  stream.on('data', (m: { key: string; value: string; headers: Map<string, string> }) => {
    const source = m.headers.get(KafkaHeaders.DeadLetterSourceOffset) ?? '';
    if (m.key === key && !bySourceOffset.has(source))
      bySourceOffset.set(source, { value: m.value, headers: m.headers });
  });
  try {
    await eventually(() => (bySourceOffset.size >= count ? true : undefined), 20_000, 100);
    return [...bySourceOffset.entries()]
      .sort(([a], [b]) => Number(BigInt(a) - BigInt(b)))
      .map(([, letter]) => letter);
  } finally {
    await stream.close();
    await new Promise<void>((resolve, reject) =>
      consumer.close(true, (error) => (error ? reject(error) : resolve())),
    );
  }
}
