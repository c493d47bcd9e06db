#!/usr/bin/env node
// Measures how many inventory requests per second inventory-service's Kafka consumer handles.
//
//   npm run build                    # at the repository root: the benchmark runs the built service
//   npm run bench -w inventory-service -- --requests 20000 --products 12 --stock-ratio 1
//
// Two figures:
//   1. backlog drain over Kafka: N requests are published while the service is stopped, then the
//      service starts and works through them (fetch, transaction per batch, publish the answers);
//      measured from its first answer to its last one, so start-up and group join are left out.
//   2. handler only: the same work called directly, batch after batch, without Kafka's fetch.
// --stock-ratio 1 gives every product enough stock for all its requests (the usual case: Redis
// already filtered the orders); 0.1 sells out early, so most requests take the refusal path.
//
// The run uses fresh product ids and its own consumer group. Any other consumer of
// inventory-request (e.g. a service started with `npm run start:dev`) processes the same messages
// against the same database and slows the figures down: stop it for a clean measurement.
import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import {
  Admin,
  Consumer,
  ProduceAcks,
  Producer,
  stringDeserializers,
  stringSerializers,
} from '@platformatic/kafka';
import { createApp, KafkaClient, KafkaConsumerService, toolKafkaSasl } from '@flash-sale/common';
import { Topics } from '@flash-sale/contracts';
import { AppModule } from '../dist/app.module.js';
import { loadInventoryServiceConfig } from '../dist/config.js';
import { OrderStockService } from '../dist/order-stock/order-stock.service.js';
import { ProductsService } from '../dist/products/products.service.js';

const { values: args } = parseArgs({
  options: {
    requests: { type: 'string', default: '20000' },
    products: { type: 'string', default: '12' },
    'stock-ratio': { type: 'string', default: '1' },
    'batch-size': { type: 'string', default: '500' },
  },
});
const N = Number(args.requests);
const PRODUCTS = Number(args.products);
const STOCK_RATIO = Number(args['stock-ratio']);
const BATCH = Number(args['batch-size']);

const config = loadInventoryServiceConfig({
  ...process.env,
  LOG_LEVEL: process.env.LOG_LEVEL ?? 'error',
});
const info = { name: 'inventory-service', version: 'bench' };
const run = randomUUID().slice(0, 8);
const groupId = `inventory-service-bench-${run}`;
const brokers = config.KAFKA_BROKER;

async function startService() {
  const app = await createApp(
    AppModule.register(config, info, {
      kafka: { groupId, startFrom: 'latest', maxBatchSize: BATCH },
    }),
    config,
    { info, description: 'bench' },
  );
  await app.init();
  await app.get(KafkaClient).whenTopicsReady();
  await app.get(KafkaConsumerService).whenConsuming();
  return app;
}

function request(productId) {
  return {
    schemaVersion: 1,
    messageId: randomUUID(),
    orderId: randomUUID(),
    userId: '1',
    productId,
    quantity: 1,
    requestedAt: new Date().toISOString(),
  };
}

async function endOffsets(topic) {
  const consumer = new Consumer({
    clientId: 'bench',
    groupId: `bench-probe-${run}`,
    bootstrapBrokers: brokers,
    sasl: toolKafkaSasl(brokers),
  });
  try {
    return (await consumer.listOffsets({ topics: [topic], timestamp: -1n })).get(topic) ?? [];
  } finally {
    await consumer.close(true);
  }
}

/** Records when each answer for our orders arrives on inventory-response. */
async function recordAnswers(wanted) {
  const topic = Topics.InventoryResponse;
  const offsets = (await endOffsets(topic)).map((offset, partition) => ({
    topic,
    partition,
    offset,
  }));
  const consumer = new Consumer({
    clientId: 'bench-answers',
    groupId: `bench-answers-${run}`,
    bootstrapBrokers: brokers,
    sasl: toolKafkaSasl(brokers),
    deserializers: stringDeserializers,
    maxWaitTime: 100,
  });
  const stream = await consumer.consume({
    topics: [topic],
    mode: 'manual',
    offsets,
    autocommit: false,
  });
  const seen = new Map();
  let successes = 0;
  stream.on('data', (m) => {
    const answer = JSON.parse(m.value);
    if (!wanted.has(answer.orderId) || seen.has(answer.orderId)) return;
    seen.set(answer.orderId, Date.now());
    if (answer.success) successes++;
  });
  return {
    seen,
    successes: () => successes,
    async close() {
      await stream.close();
      await consumer.close(true);
    },
  };
}

async function waitUntil(check, timeoutMs, what) {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function createProducts(app, label, stockEach) {
  const ids = Array.from({ length: PRODUCTS }, (_, i) => `BENCH-${run}-${label}-${i}`);
  for (const productId of ids) {
    await app.get(ProductsService).create(
      {
        productId,
        name: `bench ${productId}`,
        priceCents: 100,
        stock: stockEach,
        maxPerUser: null,
      },
      { userId: '1' },
    );
  }
  return ids;
}

async function removeProducts(app, ids) {
  for (const id of ids) await app.get(ProductsService).remove(id, { userId: '1' });
}

async function backlogDrain() {
  const stockEach = Math.ceil((N / PRODUCTS) * STOCK_RATIO);
  // Products first, with the service up; then stop it so the requests pile up.
  let app = await startService();
  const ids = await createProducts(app, 'kafka', stockEach);
  await app.close();

  const requests = Array.from({ length: N }, (_, i) => request(ids[i % ids.length]));
  const wanted = new Set(requests.map((r) => r.orderId));
  const answers = await recordAnswers(wanted);
  const start = (await endOffsets(Topics.InventoryRequest)).map((offset, partition) => ({
    partition,
    offset,
  }));

  const producer = new Producer({
    clientId: 'bench-producer',
    bootstrapBrokers: brokers,
    sasl: toolKafkaSasl(brokers),
    acks: ProduceAcks.ALL,
    serializers: stringSerializers,
    autocreateTopics: false,
  });
  const producedAt = Date.now();
  for (let i = 0; i < N; i += 1_000) {
    await producer.send({
      messages: requests.slice(i, i + 1_000).map((value) => ({
        topic: Topics.InventoryRequest,
        key: value.productId,
        value: JSON.stringify(value),
      })),
    });
  }
  const produceMs = Date.now() - producedAt;
  await producer.close();

  // The group starts where the topic ended before our requests: they are its backlog.
  const admin = new Admin({
    clientId: 'bench-admin',
    bootstrapBrokers: brokers,
    sasl: toolKafkaSasl(brokers),
  });
  await admin.alterConsumerGroupOffsets({
    groupId,
    topics: [{ name: Topics.InventoryRequest, partitionOffsets: start }],
  });
  await admin.close();

  const startedAt = Date.now();
  app = await startService();
  await waitUntil(() => answers.seen.size === N, 300_000, `${N} answers`);
  const times = [...answers.seen.values()];
  const first = Math.min(...times);
  const last = Math.max(...times);
  const successes = answers.successes();
  await answers.close();
  await removeProducts(app, ids);
  await app.close();
  return {
    produceMs,
    startToLastMs: last - startedAt,
    drainMs: last - first,
    perSecond: Math.round((N - 1) / ((last - first) / 1_000)),
    successes,
  };
}

async function handlerOnly() {
  const stockEach = Math.ceil((N / PRODUCTS) * STOCK_RATIO);
  const app = await startService();
  const ids = await createProducts(app, 'handler', stockEach);
  const service = app.get(OrderStockService);
  const requests = Array.from({ length: N }, (_, i) => request(ids[i % ids.length]));
  const startedAt = Date.now();
  let successes = 0;
  for (let i = 0; i < N; i += BATCH) {
    const batch = requests.slice(i, i + BATCH).map((value) => ({ value, requestId: undefined }));
    successes += (await service.applyRequests(batch)).filter((r) => r.success).length;
  }
  const ms = Date.now() - startedAt;
  await removeProducts(app, ids);
  await app.close();
  return {
    ms,
    perSecond: Math.round(N / (ms / 1_000)),
    msPerBatch: +(ms / Math.ceil(N / BATCH)).toFixed(1),
    successes,
  };
}

console.log(
  `inventory-service consumer benchmark: ${N} requests over ${PRODUCTS} products, ` +
    `stock ratio ${STOCK_RATIO}, batches of up to ${BATCH}`,
);
const drain = await backlogDrain();
console.log(
  `backlog drain over Kafka: ${drain.perSecond} requests/s ` +
    `(${N} answered in ${drain.drainMs} ms from first to last answer; ` +
    `${drain.startToLastMs} ms from service start; ${drain.successes} successes; produced in ${drain.produceMs} ms)`,
);
const handler = await handlerOnly();
console.log(
  `handler only (transaction + publish per batch): ${handler.perSecond} requests/s ` +
    `(${handler.ms} ms, ${handler.msPerBatch} ms per batch, ${handler.successes} successes)`,
);
process.exit(0);
