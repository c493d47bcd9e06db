import { describe, expect, it } from '@jest/globals';
import { devKafkaPassword, kafkaSasl, toolKafkaSasl } from './kafka-credentials.js';

const DEV = ['127.0.0.1:9092'];

describe(kafkaSasl.name, () => {
  it('uses the configured credentials, with SCRAM-SHA-512 unless told otherwise', () => {
    expect(
      kafkaSasl(
        { KAFKA_BROKER: ['kafka:9092'], KAFKA_SASL_USERNAME: 'orders', KAFKA_SASL_PASSWORD: 'p' },
        'order-service',
      ),
    ).toEqual({ mechanism: 'SCRAM-SHA-512', username: 'orders', password: 'p' });
    expect(
      kafkaSasl(
        {
          KAFKA_BROKER: DEV,
          KAFKA_SASL_MECHANISM: 'PLAIN',
          KAFKA_SASL_USERNAME: 'u',
          KAFKA_SASL_PASSWORD: 'p',
        },
        'order-service',
      )?.mechanism,
    ).toBe('PLAIN');
  });

  it('falls back to the service’s development user on the development broker only', () => {
    expect(kafkaSasl({ KAFKA_BROKER: DEV }, 'inventory-service')).toEqual({
      mechanism: 'SCRAM-SHA-512',
      username: 'inventory-service',
      password: devKafkaPassword('inventory-service'),
    });
    expect(kafkaSasl({ KAFKA_BROKER: ['localhost:9092'] }, 'order-service')?.username).toBe(
      'order-service',
    );
    // A throwaway PLAINTEXT broker elsewhere: no SASL.
    expect(kafkaSasl({ KAFKA_BROKER: ['127.0.0.1:19092'] }, 'order-service')).toBeUndefined();
    expect(
      kafkaSasl({ KAFKA_BROKER: ['127.0.0.1:9092', 'other:9092'] }, 'order-service'),
    ).toBeUndefined();
    // infra.sh's broker elsewhere (KAFKA_BROKER=127.0.0.1:19392 for it): named by KAFKA_DEV_BROKER.
    const moved = { KAFKA_BROKER: ['127.0.0.1:19392'], KAFKA_DEV_BROKER: '127.0.0.1:19392' };
    expect(kafkaSasl(moved, 'order-service')?.username).toBe('order-service');
    expect(
      toolKafkaSasl(['127.0.0.1:19392'], { KAFKA_DEV_BROKER: '127.0.0.1:19392' })?.username,
    ).toBe('admin');
  });

  it('has no development fallback in production, and none at all with mechanism none', () => {
    expect(kafkaSasl({ NODE_ENV: 'production', KAFKA_BROKER: DEV }, 'order-service')).toBe(
      undefined,
    );
    expect(
      kafkaSasl(
        { KAFKA_BROKER: DEV, KAFKA_SASL_MECHANISM: 'none', KAFKA_SASL_USERNAME: 'u' },
        'order-service',
      ),
    ).toBeUndefined();
  });

  it('gives tools and tests that are no service the development super user', () => {
    expect(kafkaSasl({ KAFKA_BROKER: DEV }, 'common-kafka-test')?.username).toBe('admin');
    expect(toolKafkaSasl(DEV, {})?.username).toBe('admin');
    expect(toolKafkaSasl(DEV, { KAFKA_SASL_USERNAME: 'x', KAFKA_SASL_PASSWORD: 'y' })).toEqual({
      mechanism: 'SCRAM-SHA-512',
      username: 'x',
      password: 'y',
    });
  });
});
