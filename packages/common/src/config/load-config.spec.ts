import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { TestTokenIssuer } from '../testing/token-issuer.js';
import { baseEnvSchema } from './env.schema.js';
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
    ['REDIS_CLUSTER_NODES', ''],
    ['REDIS_CLUSTER_NODES', '127.0.0.1'],
    ['REDIS_CLUSTER_NODES', '127.0.0.1:7000,,127.0.0.1:7001'],
    ['REDIS_CLUSTER_NODES', '127.0.0.1:70000'],
    ['REDIS_CLUSTER_NODES', 'redis://127.0.0.1:7000'],
    ['DB_HOST', ''],
    ['NODE_ENV', 'staging'],
    ['JWT_JWKS', 'not json'],
    ['JWT_JWKS', '{"keys":[]}'],
    ['JWT_JWKS_FILE', '/nonexistent/jwks.json'],
    ['JWT_JWKS_URL', 'not a url'],
  ])('refuses %s=%j and names the variable', (name, value) => {
    const problems = problemsOf({ [name]: value });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(new RegExp(`^${name}: `));
  });

  it('takes WEB_CONCURRENCY as 1-64 worker processes, 1 when unset', () => {
    expect(loadConfig(schema, { env: {} }).WEB_CONCURRENCY).toBe(1);
    expect(loadConfig(schema, { env: { WEB_CONCURRENCY: '2' } }).WEB_CONCURRENCY).toBe(2);
    for (const bad of ['0', '65', '1.5', 'two', '']) {
      expect(problemsOf({ WEB_CONCURRENCY: bad })).toEqual([
        `WEB_CONCURRENCY: must be a whole number of worker processes, 1-64 (got ${JSON.stringify(bad)})`,
      ]);
    }
  });

  it('reads REDIS_CLUSTER_NODES as the seed nodes of a Redis Cluster (unset: stand-alone Redis)', () => {
    expect(loadConfig(schema, { env: {} }).REDIS_CLUSTER_NODES).toBeUndefined();
    expect(
      loadConfig(schema, {
        env: { REDIS_CLUSTER_NODES: '127.0.0.1:7000, redis-0.redis:6379,[::1]:7002' },
      }).REDIS_CLUSTER_NODES,
    ).toEqual([
      { host: '127.0.0.1', port: 7000 },
      { host: 'redis-0.redis', port: 6379 },
      { host: '::1', port: 7002 },
    ]);
  });

  it('lists every bad variable at once', () => {
    const problems = problemsOf({ PORT: 'abc', DB_PORT: '-1', KAFKA_BROKER: '' });
    expect(problems.map((p) => p.split(':')[0]).sort()).toEqual([
      'DB_PORT',
      'KAFKA_BROKER',
      'PORT',
    ]);
  });

  it('never echoes a key set back', () => {
    const [problem] = problemsOf({ JWT_JWKS: '{"keys":[{"d":"hunter2"}]}' });
    expect(problem).not.toContain('hunter2');
  });

  describe('the keys access tokens are verified with', () => {
    const issuer = new TestTokenIssuer();

    it("default to user-service's published set (no key is needed to start)", () => {
      const config = loadConfig(schema, {
        env: { NODE_ENV: 'production', KAFKA_SASL_MECHANISM: 'none' },
      });
      expect(config).toMatchObject({ USER_SERVICE_URL: 'http://127.0.0.1:3001' });
      expect(config.JWT_JWKS).toBeUndefined();
      expect(config.JWT_JWKS_FILE).toBeUndefined();
    });

    it('are read from JWT_JWKS or from the file JWT_JWKS_FILE names', () => {
      const file = join(mkdtempSync(join(tmpdir(), 'jwks-')), 'jwks.json');
      writeFileSync(file, issuer.jwksJson);
      expect(loadConfig(schema, { env: { JWT_JWKS: issuer.jwksJson } }).JWT_JWKS).toEqual(
        issuer.jwks,
      );
      expect(loadConfig(schema, { env: { JWT_JWKS_FILE: file } }).JWT_JWKS_FILE).toEqual(
        issuer.jwks,
      );
      expect(problemsOf({ JWT_JWKS: issuer.jwksJson, JWT_JWKS_FILE: file })).toEqual([
        expect.stringMatching(/^JWT_JWKS_FILE: .*set one/),
      ]);
    });

    it('are refused when a key is private: a verifier holds no signing key', () => {
      expect(problemsOf({ JWT_JWKS: JSON.stringify(issuer.privateJwkSet) })).toEqual([
        expect.stringMatching(/^JWT_JWKS: .*private member "d"/),
      ]);
    });

    it.each([
      ['an RSA key', { kty: 'RSA', n: 'AQAB', e: 'AQAB', kid: 'r' }, /not an Ed25519 key/],
      ['an HMAC secret', { kty: 'oct', k: 'c2VjcmV0', kid: 's' }, /not an Ed25519 key/],
      ['a key without kid', { ...issuer.jwks.keys[0], kid: undefined }, /no "kid"/],
    ])('are refused with %s', (_label, key, message) => {
      expect(problemsOf({ JWT_JWKS: JSON.stringify({ keys: [key] }) })).toEqual([
        expect.stringMatching(message),
      ]);
    });
  });

  it('requires Kafka credentials in production, unless KAFKA_SASL_MECHANISM=none', () => {
    const production = { NODE_ENV: 'production' };
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
