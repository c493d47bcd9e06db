import { ProduceAcks, Producer, stringSerializers } from '@platformatic/kafka';
import { toolKafkaSasl } from '@flash-sale/common';
import { messageSchemas, type MessageOf, type Topic } from '@flash-sale/contracts';

/**
 * Publishes test messages with a producer of its own, as another service would. Not idempotent
 * on purpose: @platformatic/kafka 1.35's idempotent producer loses messages when sends overlap
 * (all acknowledged with one offset), and the tests publish 200 requests at once.
 */
export class TestPublisher {
  private readonly producer: Producer<string, string, string, string>;

  constructor(brokers: string[]) {
    this.producer = new Producer({
      clientId: 'inventory-test-publisher',
      bootstrapBrokers: brokers,
      sasl: toolKafkaSasl(brokers),
      acks: ProduceAcks.ALL,
      serializers: stringSerializers,
      autocreateTopics: false,
    });
  }

  /** Publishes schema-checked messages keyed by product id, in one produce request. */
  async publish<T extends Topic>(
    topic: T,
    values: (MessageOf<T> & { productId: string })[],
    requestIdOf: (value: MessageOf<T>) => string | undefined = () => undefined,
  ): Promise<void> {
    const schema = messageSchemas[topic];
    await this.producer.send({
      messages: values.map((value) => {
        const requestId = requestIdOf(value);
        const headers: Record<string, string> = requestId ? { 'x-request-id': requestId } : {};
        return {
          topic,
          key: value.productId,
          value: JSON.stringify(schema.parse(value)),
          headers,
        };
      }),
    });
  }

  /** Publishes a value as is, valid or not. */
  async publishRaw(topic: string, key: string, value: string): Promise<void> {
    await this.producer.send({ messages: [{ topic, key, value }] });
  }

  async close(): Promise<void> {
    await this.producer.close();
  }
}
