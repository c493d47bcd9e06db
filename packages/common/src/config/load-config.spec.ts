import { z } from 'zod';
import { baseEnvSchema, DEVELOPMENT_JWT_SECRET } from './env.schema.js';
import { ConfigValidationError, loadConfig } from './load-config.js';

const schema = baseEnvSchema({ port: 3001, database: 'user_service' });

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(schema, { env });
  } catch (error) {
    if (error instanceof ConfigValidationError) return error.problems;
    throw error;
  }
  throw new Error('expected the configuration to be refused');
}

describe(loadConfig.name, () => {
  it('starts with no environment at all, on localhost defaults', () => {
    const config = loadConfig(schema, { env: {} });
    expect(config).toMatchObject({
      PORT: 3001,
      DB_HOST: '127.0.0.1',
      DB_PORT: 3306,
      DB_DATABASE: 'user_service',
      REDIS_PORT: 6379,
      KAFKA_BROKER: ['127.0.0.1:9092'],
      NODE_ENV: 'development',
    });
  });

  it('coerces numbers and splits the broker list', () => {
    const config = loadConfig(schema, {
      env: { PORT: '4000', DB_PORT: '3307', KAFKA_BROKER: 'a:9092, b:9093' },
    });
    expect(config.PORT).toBe(4000);
    expect(config.DB_PORT).toBe(3307);
    expect(config.KAFKA_BROKER).toEqual(['a:9092', 'b:9093']);
  });

  it.each([
    ['PORT', 'abc'],
    ['PORT', '70000'],
    ['DB_PORT', '-1'],
    ['KAFKA_BROKER', ''],
    ['KAFKA_BROKER', 'no-port'],
    ['REDIS_PORT', '1.5'],
    ['DB_HOST', ''],
    ['NODE_ENV', 'staging'],
    ['JWT_SECRET', 'short'],
  ])('refuses %s=%j and names the variable', (name, value) => {
    const problems = problemsOf({ [name]: value });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(new RegExp(`^${name}: `));
  });

  it('lists every bad variable at once', () => {
    const problems = problemsOf({ PORT: 'abc', DB_PORT: '-1', KAFKA_BROKER: '' });
    expect(problems.map((p) => p.split(':')[0]).sort()).toEqual([
      'DB_PORT',
      'KAFKA_BROKER',
      'PORT',
    ]);
  });

  it('never echoes a secret back', () => {
    const [problem] = problemsOf({ JWT_SECRET: 'hunter2' });
    expect(problem).not.toContain('hunter2');
  });

  it('refuses the development secret in production', () => {
    const kafka = { KAFKA_SASL_USERNAME: 'order-service', KAFKA_SASL_PASSWORD: 'secret' };
    expect(problemsOf({ NODE_ENV: 'production', ...kafka })).toEqual([
      expect.stringMatching(/^JWT_SECRET: .*NODE_ENV=production/),
    ]);
    const secret = 'x'.repeat(40);
    expect(
      loadConfig(schema, { env: { NODE_ENV: 'production', JWT_SECRET: secret, ...kafka } })
        .JWT_SECRET,
    ).toBe(secret);
    expect(DEVELOPMENT_JWT_SECRET.length).toBeGreaterThanOrEqual(32);
  });

  it('requires Kafka credentials in production, unless KAFKA_SASL_MECHANISM=none', () => {
    const production = { NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(40) };
    expect(problemsOf(production)).toEqual([
      expect.stringMatching(/^KAFKA_SASL_USERNAME: .*NODE_ENV=production/),
    ]);
    expect(problemsOf({ ...production, KAFKA_SASL_USERNAME: 'order-service' })).toEqual([
      expect.stringMatching(/^KAFKA_SASL_PASSWORD: /),
    ]);
    expect(
      loadConfig(schema, { env: { ...production, KAFKA_SASL_MECHANISM: 'none' } })
        .KAFKA_SASL_MECHANISM,
    ).toBe('none');
    expect(problemsOf({ KAFKA_SASL_MECHANISM: 'GSSAPI' })).toEqual([
      expect.stringMatching(/^KAFKA_SASL_MECHANISM: /),
    ]);
    // Development needs nothing: the development broker's users are the fallback.
    expect(loadConfig(schema, { env: {} }).KAFKA_SASL_USERNAME).toBeUndefined();
  });

  it("defaults to the service's own MySQL user with its development password", () => {
    const config = loadConfig(schema, { env: {} });
    expect(config.DB_USERNAME).toBe(config.DB_DATABASE);
    expect(config.DB_PASSWORD).toBe(`${config.DB_DATABASE}-dev-password`);
  });

  it('lets a service extend the schema with its own variables', () => {
    const extended = baseEnvSchema(
      { port: 3002, database: 'order_service' },
      { USER_SERVICE_URL: z.url().default('http://localhost:3001') },
    );
    expect(loadConfig(extended, { env: {} }).USER_SERVICE_URL).toBe('http://localhost:3001');
  });
});
