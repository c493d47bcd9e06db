import { randomUUID } from 'node:crypto';
import { KafkaHeaders, Topics } from '@flash-sale/contracts';
import { parseMessage } from './kafka-consumer.service.js';

function raw(topic: string, value: string | undefined, headers = new Map<string, string>()) {
  return { topic, partition: 2, offset: 41n, key: 'SKU-1', value: value as string, headers };
}

describe(parseMessage.name, () => {
  const restore = {
    schemaVersion: 1,
    messageId: randomUUID(),
    orderId: randomUUID(),
    productId: 'SKU-1',
    quantity: 2,
    requestedAt: new Date().toISOString(),
  };

  it('returns the parsed value with its position and request id', () => {
    const parsed = parseMessage(
      raw(
        Topics.InventoryRestore,
        JSON.stringify(restore),
        new Map([[KafkaHeaders.RequestId, 'r-1']]),
      ),
    );
    expect(parsed).toEqual({
      ok: true,
      message: {
        topic: Topics.InventoryRestore,
        partition: 2,
        offset: 41n,
        key: 'SKU-1',
        value: restore,
        requestId: 'r-1',
      },
    });
  });

  it.each([
    ['a value that is not JSON', Topics.InventoryRestore, '{oops', /not JSON/],
    ['a missing value', Topics.InventoryRestore, undefined, /not JSON/],
    [
      'a schema violation',
      Topics.InventoryRestore,
      JSON.stringify({ ...restore, quantity: 0 }),
      /quantity/,
    ],
    ['a topic without contract', 'unknown-topic', JSON.stringify(restore), /no schema/],
  ])('dead-letters %s with the reason and the original bytes', (_label, topic, value, reason) => {
    const parsed = parseMessage(raw(topic, value));
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.letter).toMatchObject({
      sourceTopic: topic,
      partition: 2,
      offset: 41n,
      key: 'SKU-1',
    });
    expect(parsed.letter.error).toMatch(reason);
    expect(parsed.letter.value).toBe(value ?? null);
  });
});
