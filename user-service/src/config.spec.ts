import { ConfigValidationError } from '@flash-sale/common';
import { loadUserServiceConfig } from './config.js';

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadUserServiceConfig(env);
  } catch (error) {
    if (error instanceof ConfigValidationError) return error.problems;
    throw error;
  }
  throw new Error('expected the configuration to be refused');
}

describe(loadUserServiceConfig.name, () => {
  it('starts with no environment: 15-minute tokens, no admin, throttling on', () => {
    expect(loadUserServiceConfig({})).toMatchObject({
      PORT: 3001,
      DB_DATABASE: 'user_service',
      JWT_EXPIRES_IN_SECONDS: 900,
      LOGIN_MAX_FAILURES_PER_USERNAME: 5,
      LOGIN_MAX_FAILURES_PER_IP: 100,
      LOGIN_MAX_FAILURES_PER_ACCOUNT: 100,
      LOGIN_THROTTLE_WINDOW_SECONDS: 900,
      LOGIN_MAX_BACKOFF_SECONDS: 86_400,
      ARGON2_MAX_CONCURRENCY: 4,
      ARGON2_MAX_QUEUE: 1_000,
    });
    expect(loadUserServiceConfig({}).ADMIN_USERNAME).toBeUndefined();
  });

  it('reads the admin and the limits', () => {
    const config = loadUserServiceConfig({
      ADMIN_USERNAME: 'root',
      ADMIN_PASSWORD: 'admin-pass-1',
      LOGIN_MAX_FAILURES_PER_USERNAME: '10',
      LOGIN_THROTTLE_WINDOW_SECONDS: '60',
    });
    expect(config).toMatchObject({
      ADMIN_USERNAME: 'root',
      ADMIN_PASSWORD: 'admin-pass-1',
      LOGIN_MAX_FAILURES_PER_USERNAME: 10,
      LOGIN_THROTTLE_WINDOW_SECONDS: 60,
    });
  });

  it.each([
    ['JWT_EXPIRES_IN_SECONDS', '30'],
    ['LOGIN_MAX_FAILURES_PER_USERNAME', '0'],
    ['LOGIN_MAX_FAILURES_PER_IP', 'many'],
    ['LOGIN_THROTTLE_WINDOW_SECONDS', '1.5'],
    ['LOGIN_MAX_FAILURES_PER_ACCOUNT', 'many'],
    ['LOGIN_MAX_BACKOFF_SECONDS', 'soon'],
    ['ARGON2_MAX_CONCURRENCY', '0'],
    ['ARGON2_MAX_QUEUE', 'lots'],
    ['ADMIN_EMAIL', 'not-an-email'],
  ])('refuses %s=%j and names it', (name, value) => {
    expect(problemsOf({ [name]: value })).toEqual([
      expect.stringMatching(new RegExp(`^${name}: `)),
    ]);
  });

  it.each([
    [
      'a global account ceiling below the per-address limit',
      { LOGIN_MAX_FAILURES_PER_USERNAME: '10', LOGIN_MAX_FAILURES_PER_ACCOUNT: '5' },
      'LOGIN_MAX_FAILURES_PER_ACCOUNT',
    ],
    [
      'a backoff cap shorter than the window',
      { LOGIN_THROTTLE_WINDOW_SECONDS: '900', LOGIN_MAX_BACKOFF_SECONDS: '60' },
      'LOGIN_MAX_BACKOFF_SECONDS',
    ],
  ])('refuses %s', (_label, env, name) => {
    expect(problemsOf(env)).toEqual([expect.stringMatching(new RegExp(`^${name}: `))]);
  });

  it.each([
    [
      'a username with a space',
      { ADMIN_USERNAME: 'the admin', ADMIN_PASSWORD: 'admin-pass-1' },
      'ADMIN_USERNAME',
    ],
    ['a short password', { ADMIN_USERNAME: 'root', ADMIN_PASSWORD: 'short' }, 'ADMIN_PASSWORD'],
    ['a username without a password', { ADMIN_USERNAME: 'root' }, 'ADMIN_PASSWORD'],
    ['a password without a username', { ADMIN_PASSWORD: 'admin-pass-1' }, 'ADMIN_USERNAME'],
  ])('refuses an admin with %s', (_label, env, name) => {
    const problems = problemsOf(env);
    expect(problems).toEqual([expect.stringMatching(new RegExp(`^${name}: `))]);
    expect(problems.join()).not.toContain('admin-pass-1');
  });
});
