import { EventEmitter } from 'node:events';
import { randomUUID } from 'node:crypto';
import { PassThrough } from 'node:stream';
import { jest } from '@jest/globals';
import type { DiscoveryService } from '@nestjs/core';
import { Topics } from '@flash-sale/contracts';
import type { BaseEnv } from '../config/env.schema.js';
import type { KafkaClient } from './kafka-client.service.js';
import { KafkaConsumerService, type KafkaConsumer } from './kafka-consumer.service.js';
import type { ConsumedMessage } from './kafka-handler.js';
import type { KafkaModuleOptions } from './kafka.options.js';

/** A stand-in for @platformatic/kafka's Consumer: an emitter whose stream the test feeds. */
class FakeConsumer extends EventEmitter {
  readonly stream = new PassThrough({ objectMode: true });
  closed = false;
  /** What close() answers: nothing (it worked) or an error (e.g. a LeaveGroup refused). */
  closeError: Error | undefined;
  /** The connection pool: closing it is the last resort for a consumer that did not close. */
  readonly connections = { close: jest.fn(() => Promise.resolve()) };
  readonly commits: bigint[] = [];
  consume(): Promise<PassThrough> {
    return Promise.resolve(this.stream);
  }
  close(_force: boolean, callback: (error?: Error) => void): void {
    this.closed = true;
    this.stream.destroy();
    callback(this.closeError);
  }
  deliver(offset: bigint): void {
    const value = JSON.stringify({
      schemaVersion: 1,
      messageId: randomUUID(),
      orderId: randomUUID(),
      productId: 'SKU-1',
      quantity: 1,
      requestedAt: new Date().toISOString(),
    });
    this.stream.write({
      topic: Topics.InventoryRestore,
      partition: 0,
      offset,
      key: 'SKU-1',
      value,
      headers: new Map(),
      commit: (callback: (error?: Error) => void) => {
        this.commits.push(offset);
        callback();
      },
    });
  }
}

class TestConsumerService extends KafkaConsumerService {
  readonly made: FakeConsumer[] = [];
  protected override createConsumer(): KafkaConsumer {
    const consumer = new FakeConsumer();
    this.made.push(consumer);
    return consumer as unknown as KafkaConsumer;
  }
}

async function until(condition: () => boolean, what: string, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

function start(
  handle: (messages: ConsumedMessage<unknown>[]) => Promise<void>,
  options: Partial<KafkaModuleOptions> = {},
): TestConsumerService {
  const handler = { handle };
  const discovery = {
    getProviders: () => [{ instance: handler }],
    getMetadataByDecorator: () => Topics.InventoryRestore,
  } as unknown as DiscoveryService;
  const client = {
    whenTopicsReady: () => Promise.resolve(),
    deadLetter: () => Promise.resolve(),
  } as unknown as KafkaClient;
  const service = new TestConsumerService(
    {
      clientId: 'test',
      groupId: 'test',
      topics: [Topics.InventoryRestore],
      retryInitialDelayMs: 10,
      retryMaxDelayMs: 20,
      ...options,
    },
    { KAFKA_BROKER: ['127.0.0.1:1'] } as unknown as BaseEnv,
    client,
    discovery,
  );
  service.onApplicationBootstrap();
  return service;
}

describe('KafkaConsumerService recovery', () => {
  let service: TestConsumerService | undefined;
  afterEach(async () => {
    await service?.beforeApplicationShutdown();
    service = undefined;
  });

  it("replaces the consumer when the client emits 'error' (e.g. joinGroup failed), without crashing", async () => {
    const seen: bigint[] = [];
    service = start((messages) => {
      seen.push(...messages.map((m) => m.offset));
      return Promise.resolve();
    });
    await service.whenConsuming();
    const first = service.made[0];
    first.emit('error', new Error('joinGroup failed 4 times.'));
    await until(() => service!.made.length === 2, 'a second consumer');
    expect(first.closed).toBe(true);
    service.made[1].deliver(7n);
    await until(() => seen.includes(7n), 'the new consumer to consume');
    expect(service.made[1].commits).toEqual([7n]);
  });

  it('replaces the consumer when its heartbeats stall or its stream ends', async () => {
    service = start(() => Promise.resolve());
    await service.whenConsuming();
    service.made[0].emit('consumer:heartbeat:stalled', { stalledFor: 20_000 });
    await until(() => service!.made.length === 2, 'a consumer after the stall');
    service.made[1].stream.end();
    await until(() => service!.made.length === 3, 'a consumer after the stream ended');
    expect(service.made[0].closed && service.made[1].closed).toBe(true);
  });

  it('cuts the connections of a consumer whose close failed, so it cannot rejoin the group', async () => {
    service = start(() => Promise.resolve());
    await service.whenConsuming();
    const [first] = service.made;
    first.closeError = new Error('LeaveGroup: This is not the correct coordinator.');
    first.emit('consumer:heartbeat:stalled', { stalledFor: 15_000 });
    await until(() => service!.made.length === 2, 'a consumer after the stall');
    expect(first.connections.close).toHaveBeenCalledTimes(1);
  });

  it('leaves the connections of a consumer that closed normally to its client', async () => {
    service = start(() => Promise.resolve());
    await service.whenConsuming();
    const [first] = service.made;
    first.emit('consumer:heartbeat:stalled', { stalledFor: 15_000 });
    await until(() => service!.made.length === 2, 'a consumer after the stall');
    expect(first.closed).toBe(true);
    expect(first.connections.close).not.toHaveBeenCalled();
  });

  it('leaves the group with a batch that keeps failing instead of retrying it forever there', async () => {
    let failing = true;
    const handled: bigint[] = [];
    service = start(
      (messages) => {
        if (failing) return Promise.reject(new Error('Cannot connect to any broker'));
        handled.push(...messages.map((m) => m.offset));
        return Promise.resolve();
      },
      { restartConsumerAfterMs: 100 },
    );
    await service.whenConsuming();
    service.made[0].deliver(3n);
    await until(() => service!.made[0].closed, 'the failing consumer to be closed');
    expect(service.made[0].commits).toEqual([]);
    failing = false;
    await until(() => service!.made.length === 2, 'a new consumer');
    service.made[1].deliver(3n); // uncommitted: the group delivers it again
    await until(() => handled.includes(3n), 'the batch to be handled by the new consumer');
  });

  it('counts an attempt that never answers as failed and replaces the consumer', async () => {
    const handle = jest.fn<() => Promise<void>>(() => new Promise<void>(() => undefined));
    service = start(handle, { batchAttemptTimeoutMs: 50, restartConsumerAfterMs: 200 });
    await service.whenConsuming();
    service.made[0].deliver(1n);
    await until(() => service!.made.length === 2, 'a new consumer after hung attempts');
    expect(handle.mock.calls.length).toBeGreaterThan(1);
    expect(service.made[0].closed).toBe(true);
  });
});
