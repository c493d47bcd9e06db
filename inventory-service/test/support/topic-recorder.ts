import { randomUUID } from 'node:crypto';
import { Consumer, stringDeserializers, type MessagesStream } from '@platformatic/kafka';
import { toolKafkaSasl } from '@flash-sale/common';
import { eventually } from '@flash-sale/common/testing';

export interface RecordedMessage {
  key: string | null;
  value: string;
  headers: Map<string, string>;
  partition: number;
  offset: bigint;
}

type Stream = MessagesStream<string, string, string, string>;

/**
 * Records what is published on a topic from the moment it starts: it reads each partition's end
 * offset first and consumes from exactly there, so nothing published after `start` resolves is
 * missed. Flowing mode (`on('data')`): pulling with `read()` stalls this client's fetch loop.
 */
export class TopicRecorder {
  readonly messages: RecordedMessage[] = [];

  private constructor(
    private readonly consumer: Consumer<string, string, string, string>,
    private readonly stream: Stream,
  ) {
    stream.on('data', (m) => {
      this.messages.push({
        key: m.key ?? null,
        value: m.value ?? '',
        headers: m.headers,
        partition: m.partition,
        offset: m.offset,
      });
    });
  }

  static async start(topic: string, brokers: string[]): Promise<TopicRecorder> {
    const consumer = new Consumer({
      clientId: 'inventory-test-recorder',
      groupId: `inventory-test-recorder-${randomUUID()}`,
      bootstrapBrokers: brokers,
      sasl: toolKafkaSasl(brokers),
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

  /** The JSON values of the recorded messages that pass `filter`. */
  values<T>(filter: (value: T, message: RecordedMessage) => boolean = () => true): T[] {
    const values: T[] = [];
    for (const message of this.messages) {
      let value: T;
      try {
        value = JSON.parse(message.value) as T;
      } catch {
        continue;
      }
      if (filter(value, message)) values.push(value);
    }
    return values;
  }

  /** Waits until `filter` matches at least `count` messages, and returns them. */
  async waitFor<T>(
    count: number,
    filter: (value: T, message: RecordedMessage) => boolean,
    timeoutMs = 20_000,
  ): Promise<T[]> {
    return eventually(() => {
      const found = this.values(filter);
      return found.length >= count ? found : undefined;
    }, timeoutMs);
  }

  async close(): Promise<void> {
    await this.stream.close();
    await new Promise<void>((resolve, reject) =>
      this.consumer.close(true, (error) => (error ? reject(error) : resolve())),
    );
  }
}
