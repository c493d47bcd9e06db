import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from '@jest/globals';
import {
  Admin,
  Consumer,
  Producer,
  stringDeserializers,
  stringSerializers,
  type SASLOptions,
} from '@platformatic/kafka';
import { devKafkaPassword } from '@flash-sale/common';

/**
 * Kafka's credentials and ACLs (issue 14, part 4), on the broker the services use: KAFKA_BROKER,
 * by default the development broker of scripts/infra.sh at 127.0.0.1:9092. Each principal's
 * password is found as infra.sh sets it: KAFKA_<USER>_PASSWORD, else the public development
 * password. The broker must be secured: a PLAINTEXT broker fails this suite, it is not skipped.
 * Every write attempted here is one the broker must refuse, so nothing lands on the live topics.
 */
const BROKERS = (process.env.KAFKA_BROKER ?? '127.0.0.1:9092').split(',').map((b) => b.trim());
const TOPIC_AUTHORIZATION_FAILED = 29;

type Principal = 'order-service' | 'inventory-service' | 'user-service' | 'admin';

function sasl(user: Principal, password = passwordOf(user)): SASLOptions {
  return { mechanism: 'SCRAM-SHA-512', username: user, password };
}

function passwordOf(user: Principal): string {
  const variable = `KAFKA_${user.toUpperCase().replaceAll('-', '_')}_PASSWORD`;
  return process.env[variable] ?? devKafkaPassword(user);
}

const base = {
  clientId: 'security-kafka-e2e',
  bootstrapBrokers: BROKERS,
  timeout: 5_000,
  retries: 1,
};
const closers: (() => Promise<unknown>)[] = [];

afterAll(async () => {
  await Promise.allSettled(closers.map((close) => close()));
});

function producer(credentials?: SASLOptions) {
  const p = new Producer({ ...base, sasl: credentials, serializers: stringSerializers });
  closers.push(() => p.close(true));
  return p;
}

/** The broker's error codes anywhere in a (nested) client error. */
function apiCodesOf(error: unknown): number[] {
  const codes: number[] = [];
  const visit = (e: unknown): void => {
    if (!e || typeof e !== 'object') return;
    const err = e as { apiCode?: number; errors?: unknown[]; cause?: unknown };
    if (typeof err.apiCode === 'number') codes.push(err.apiCode);
    (err.errors ?? []).forEach(visit);
    visit(err.cause);
  };
  visit(error);
  return codes;
}

/** Resolves to the error `action` fails with; fails the test when it succeeds. */
async function failureOf(action: () => Promise<unknown>, what: string): Promise<unknown> {
  try {
    await action();
  } catch (error) {
    return error;
  }
  throw new Error(`${what} succeeded, but the broker at ${BROKERS.join(',')} must refuse it`);
}

/** A forged message: it must never be accepted (valid JSON, so no consumer would choke on it). */
const forged = () => ({ key: 'forged', value: JSON.stringify({ forgedBy: 'security-kafka-e2e' }) });

async function expectWriteRefused(user: Principal, topic: string): Promise<void> {
  const error = await failureOf(
    () => producer(sasl(user)).send({ messages: [{ topic, ...forged() }] }),
    `${user} producing to ${topic}`,
  );
  expect(apiCodesOf(error)).toContain(TOPIC_AUTHORIZATION_FAILED);
}

async function expectReadRefused(user: Principal, topic: string): Promise<void> {
  const consumer = new Consumer({
    ...base,
    sasl: sasl(user),
    // A group the principal may use, so that only the topic's ACL decides.
    groupId: `${user === 'admin' ? 'security' : user}-security-e2e-${randomUUID()}`,
    deserializers: stringDeserializers,
    maxWaitTime: 100,
  });
  closers.push(() => consumer.close(true));
  const error = await failureOf(async () => {
    const stream = await consumer.consume({
      topics: [topic],
      mode: 'manual',
      offsets: [{ topic, partition: 0, offset: 0n }],
      autocommit: false,
    });
    // Allowed: a message, or an empty fetch that simply waits. Refused: the stream's error.
    await new Promise<void>((resolve, reject) => {
      stream.once('error', reject);
      stream.once('data', () => resolve());
      setTimeout(resolve, 5_000).unref();
    });
  }, `${user} reading ${topic}`);
  expect(apiCodesOf(error)).toContain(TOPIC_AUTHORIZATION_FAILED);
}

/**
 * Fails, with what to do, when the broker answers a client without credentials (a PLAINTEXT
 * broker), before anything could be produced to it.
 */
async function expectSecuredBroker(): Promise<void> {
  const admin = new Admin({ ...base, retries: 0 });
  closers.push(() => admin.close());
  let plaintext = false;
  try {
    await admin.metadata({ topics: [] });
    plaintext = true;
  } catch {
    // expected: the SASL listener drops a connection that does not authenticate first
  }
  if (plaintext) {
    throw new Error(
      `The Kafka broker at ${BROKERS.join(',')} answers clients without credentials: it is not secured. ` +
        'Start it with scripts/infra.sh up (which restarts a broker it started before SASL), or point KAFKA_BROKER at a secured one.',
    );
  }
}

describe('Kafka credentials and ACLs', () => {
  it('is a secured broker: a client without credentials gets no answer at all', async () => {
    await expectSecuredBroker();
  });

  it('a client without credentials cannot produce to inventory-request', async () => {
    await expectSecuredBroker();
    const error = await failureOf(
      () => producer(undefined).send({ messages: [{ topic: 'inventory-request', ...forged() }] }),
      'an unauthenticated produce to inventory-request',
    );
    expect(error).toBeInstanceOf(Error);
  });

  it('a wrong password is refused', async () => {
    const admin = new Admin({ ...base, retries: 0, sasl: sasl('order-service', 'wrong-password') });
    closers.push(() => admin.close());
    await failureOf(() => admin.metadata({ topics: [] }), 'a login with a wrong password');
  });

  it('each service logs in with its own credentials and sees its topics', async () => {
    for (const [user, topic] of [
      ['order-service', 'inventory-request'],
      ['inventory-service', 'inventory-response'],
    ] as const) {
      const admin = new Admin({ ...base, sasl: sasl(user) });
      closers.push(() => admin.close());
      const metadata = await admin.metadata({ topics: [topic] });
      expect(metadata.topics.has(topic)).toBe(true);
    }
  });

  it('order-service cannot forge answers nor read the requests', async () => {
    await expectWriteRefused('order-service', 'inventory-response');
    await expectReadRefused('order-service', 'inventory-request');
  });

  it('inventory-service cannot ask for deductions or restores, nor read the answers', async () => {
    await expectWriteRefused('inventory-service', 'inventory-request');
    await expectWriteRefused('inventory-service', 'inventory-restore');
    await expectReadRefused('inventory-service', 'inventory-response');
  });

  it('user-service may neither write nor read the order topics', async () => {
    await expectWriteRefused('user-service', 'inventory-request');
    await expectWriteRefused('user-service', 'inventory-response');
  });
});
