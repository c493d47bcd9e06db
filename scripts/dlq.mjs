#!/usr/bin/env node
// Inspect and replay dead-lettered Kafka messages.
//
//   node scripts/dlq.mjs list   <topic>            print what sits in <topic>.dlq (read-only)
//   node scripts/dlq.mjs replay <topic> [--dry-run] publish <topic>.dlq's messages back to <topic>
//
// `replay` reads as consumer group `dlq-replay-<topic>` and commits what it has re-published, so
// running it twice does not replay a message twice. Replay after fixing whatever refused them:
// a message that is still invalid simply lands in the DLQ again.
// KAFKA_BROKER (default 127.0.0.1:9092) says where the broker is; KAFKA_SASL_USERNAME /
// KAFKA_SASL_PASSWORD (KAFKA_SASL_MECHANISM) how to log in, by default the development broker's
// super user (see packages/common/src/kafka/kafka-credentials.ts). Needs `npm run build`.
import { toolKafkaSasl } from '@flash-sale/common';
import { Consumer, Producer, stringDeserializers, stringSerializers } from '@platformatic/kafka';
import { randomUUID } from 'node:crypto';

const [command, topic, flag] = process.argv.slice(2);
const brokers = (process.env.KAFKA_BROKER ?? '127.0.0.1:9092').split(',').map((b) => b.trim());
const IDLE_MS = 2_000;

if (!['list', 'replay'].includes(command) || !topic) {
  console.error('usage: node scripts/dlq.mjs list|replay <topic> [--dry-run]');
  process.exit(2);
}
const dlq = `${topic}.dlq`;
const replay = command === 'replay';
const dryRun = flag === '--dry-run';

const consumer = new Consumer({
  clientId: 'dlq-tool',
  groupId: replay && !dryRun ? `dlq-replay-${topic}` : `dlq-inspect-${randomUUID()}`,
  bootstrapBrokers: brokers,
  sasl: toolKafkaSasl(brokers),
  deserializers: stringDeserializers,
  maxWaitTime: 500,
});
const producer =
  replay && !dryRun
    ? new Producer({
        clientId: 'dlq-tool',
        bootstrapBrokers: brokers,
        sasl: toolKafkaSasl(brokers),
        serializers: stringSerializers,
        idempotent: true,
      })
    : undefined;

const stream = await consumer.consume({
  topics: [dlq],
  mode: replay && !dryRun ? 'committed' : 'earliest',
  fallbackMode: 'earliest',
  autocommit: false,
});

let count = 0;
let idle;
const done = new Promise((resolve) => {
  const arm = () => {
    clearTimeout(idle);
    idle = setTimeout(resolve, IDLE_MS);
  };
  arm();
  stream.on('data', (message) => {
    stream.pause();
    arm();
    void (async () => {
      count += 1;
      const headers = Object.fromEntries(message.headers);
      console.log(
        JSON.stringify({
          dlqOffset: message.offset.toString(),
          partition: message.partition,
          key: message.key,
          error: headers['x-dlq-error'],
          source: `${headers['x-dlq-source-topic']}[${headers['x-dlq-source-partition']}]@${headers['x-dlq-source-offset']}`,
          value: message.value,
        }),
      );
      if (producer) {
        const requestId = headers['x-request-id'];
        await producer.send({
          messages: [
            {
              topic,
              key: message.key ?? undefined,
              value: message.value ?? '',
              headers: requestId ? { 'x-request-id': requestId } : {},
            },
          ],
        });
        await message.commit();
      }
      stream.resume();
    })().catch((error) => {
      console.error(`replay failed: ${error.message}`);
      process.exitCode = 1;
      clearTimeout(idle);
      idle = setTimeout(resolve, 0);
    });
  });
});

await done;
await stream.close();
await consumer.close(true);
await producer?.close();
console.error(
  `${count} message(s) ${replay ? (dryRun ? 'would be replayed' : 'replayed') : 'in'} ${replay ? `to ${topic}` : dlq}`,
);
