import { randomUUID } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import { Topics } from '@flash-sale/contracts';
import type { BaseEnv } from '../config/env.schema.js';
import { KafkaBackedUpError, KafkaClient } from './kafka-client.service.js';

/** A "broker" that accepts connections and never answers: a frozen (SIGSTOPped) Kafka. */
async function frozenBroker(): Promise<{ server: Server; port: number; sockets: Socket[] }> {
  const sockets: Socket[] = [];
  const server = createServer((socket) => sockets.push(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return { server, port: typeof address === 'object' && address ? address.port : 0, sockets };
}

function restore() {
  return {
    key: 'SKU-1',
    value: {
      schemaVersion: 1 as const,
      messageId: randomUUID(),
      orderId: randomUUID(),
      productId: 'SKU-1',
      quantity: 1,
      requestedAt: new Date().toISOString(),
    },
  };
}

describe(KafkaClient.name, () => {
  it('refuses at once past 10,000 waiting messages while the broker does not answer, and gives up at shutdown', async () => {
    const broker = await frozenBroker();
    const client = new KafkaClient({ clientId: 'spec', groupId: 'spec', topics: [] }, {
      KAFKA_BROKER: [`127.0.0.1:${broker.port}`],
      KAFKA_TOPIC_PARTITIONS: 1,
    } as BaseEnv);
    try {
      // The first send goes out and hangs; what follows waits behind it, up to the bound.
      const inFlight = client.publish(Topics.InventoryRestore, [restore()]);
      inFlight.catch(() => undefined);
      const queued = client.publish(
        Topics.InventoryRestore,
        Array.from({ length: 10_000 }, () => restore()),
      );
      queued.catch(() => undefined);
      const startedAt = Date.now();
      await expect(client.publish(Topics.InventoryRestore, [restore()])).rejects.toBeInstanceOf(
        KafkaBackedUpError,
      );
      expect(Date.now() - startedAt).toBeLessThan(1_000);

      // Shutdown abandons what still waits for the frozen broker instead of its timeouts.
      const shutdownAt = Date.now();
      client.beforeApplicationShutdown();
      await client.onApplicationShutdown();
      await expect(inFlight).rejects.toThrow(/shutting down|closed/);
      await expect(queued).rejects.toThrow(/shutting down|closed/);
      expect(Date.now() - shutdownAt).toBeLessThan(4_000);
    } finally {
      for (const socket of broker.sockets) socket.destroy();
      broker.server.close();
    }
  }, 20_000);
});
