import { randomUUID } from 'node:crypto';
import { baseEnvSchema, KafkaClient, kafkaConnectionOptions } from '@flash-sale/common';
import { eventually } from '@flash-sale/common/testing';
import { Consumer, stringDeserializers, type MessagesStream } from '@platformatic/kafka';

/**
 * Kafka as the services reach it: the same environment variables (KAFKA_BROKER, and whatever else
 * the shared configuration reads for Kafka) and the same connection options
 * (`kafkaConnectionOptions` of @flash-sale/common), so the suites connect however the services do.
 */
export const kafkaConfig = baseEnvSchema({ port: 1, database: 'unused' }).parse(process.env);

/** The services' own producer (schema-checked `publish`, `publishRaw` for anything else). */
export function kafkaProducer(clientId = 'automated-tests'): KafkaClient {
  return new KafkaClient({ clientId, groupId: clientId, topics: [] }, kafkaConfig);
}

export interface RecordedMessage {
  key: string | null;
  value: string;
  headers: Map<string, string>;
}

/**
 * Records what is published on a topic from the moment `start` resolves: it reads each
 * partition's end offset first and consumes from exactly there.
 */
export class TopicRecorder {
  readonly messages: RecordedMessage[] = [];

  private constructor(
    private readonly consumer: Consumer<string, string, string, string>,
    private readonly stream: MessagesStream<string, string, string, string>,
  ) {
    stream.on('data', (m) => {
      this.messages.push({ key: m.key ?? null, value: m.value ?? '', headers: m.headers });
    });
  }

  static async start(topic: string): Promise<TopicRecorder> {
    const consumer = new Consumer({
      ...kafkaConnectionOptions(kafkaConfig, 'automated-tests-recorder'),
      groupId: `automated-tests-recorder-${randomUUID()}`,
      deserializers: stringDeserializers,
      maxWaitTime: 100,
    });
    const ends = await consumer.listOffsets({ topics: [topic], timestamp: -1n });
    const offsets = (ends.get(topic) ?? []).map((offset, partition) => ({
      topic,
      partition,
      offset,
    }));
    const stream = await consumer.consume({
      topics: [topic],
      mode: 'manual',
      offsets,
      autocommit: false,
    });
    return new TopicRecorder(consumer, stream);
  }

  /** Waits for a message that passes `filter`, and returns it. */
  waitFor(filter: (message: RecordedMessage) => boolean, timeoutMs = 20_000) {
    return eventually(() => this.messages.find(filter), timeoutMs, 100);
  }

  async close(): Promise<void> {
    await this.stream.close();
    await new Promise<void>((resolve, reject) =>
      this.consumer.close(true, (error) => (error ? reject(error) : resolve())),
    );
  }
}
