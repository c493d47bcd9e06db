import { Logger } from '@nestjs/common';
import { DomainError } from '@flash-sale/common';
import { ErrorCode } from '@flash-sale/contracts';
import { InMemoryAttemptCounter, strictFake } from '../../test/support/fakes.js';
import type { LoginAttemptCounter } from './login-attempt-counter.js';
import { LoginThrottle, accountKeyOf, networkKeyOf, pairKeyOf } from './login-throttle.js';

const config = {
  LOGIN_MAX_FAILURES_PER_USERNAME: 3,
  LOGIN_MAX_FAILURES_PER_ACCOUNT: 8,
  LOGIN_MAX_FAILURES_PER_IP: 5,
  LOGIN_THROTTLE_WINDOW_SECONDS: 600,
  LOGIN_MAX_BACKOFF_SECONDS: 3_000,
};

function setup() {
  const counter = new InMemoryAttemptCounter();
  return { counter, throttle: new LoginThrottle(counter, config) };
}

async function refusalOf(promise: Promise<unknown>): Promise<DomainError> {
  const error = await promise.then(
    () => new Error('expected a refusal'),
    (e: unknown) => e,
  );
  if (!(error instanceof DomainError)) throw error;
  return error;
}

describe(LoginThrottle.name, () => {
  // The failures these tests provoke are logged on purpose; keep the output readable.
  beforeAll(() => {
    Logger.overrideLogger(false);
  });

  describe('admit', () => {
    it('admits an address up to its limit on an account, then refuses it until the wait ends', async () => {
      const { throttle, counter } = setup();
      for (let i = 0; i < config.LOGIN_MAX_FAILURES_PER_USERNAME; i++) {
        await throttle.failed(await throttle.admit('id:1', '198.51.100.1'));
      }
      counter.nowMs = 100_500;

      const refusal = await refusalOf(throttle.admit('id:1', '198.51.100.1'));

      expect(refusal.code).toBe(ErrorCode.TooManyRequests);
      // Refused until the window that began with the first attempt ends.
      expect(refusal.details.retryAfterSeconds).toBe(500);
    });

    it('doubles the wait with every further attempt, up to the cap', async () => {
      const { throttle } = setup();
      for (let i = 0; i < config.LOGIN_MAX_FAILURES_PER_USERNAME; i++) {
        await throttle.admit('id:1', '198.51.100.1');
      }

      const waits: unknown[] = [];
      for (let i = 0; i < 5; i++) {
        waits.push(
          (await refusalOf(throttle.admit('id:1', '198.51.100.1'))).details.retryAfterSeconds,
        );
      }

      expect(waits).toEqual([600, 1_200, 2_400, 3_000, 3_000]);
    });

    it('does not refuse the account from another address because one address failed', async () => {
      const { throttle } = setup();
      for (let i = 0; i < config.LOGIN_MAX_FAILURES_PER_USERNAME + 5; i++) {
        await throttle.admit('id:1', '198.51.100.1').then(
          (ticket) => throttle.failed(ticket),
          () => undefined,
        );
      }

      await expect(throttle.admit('id:1', '198.51.100.2')).resolves.toBeDefined();
    });

    it('refuses an account that failed from many addresses past its global ceiling', async () => {
      const { throttle } = setup();
      for (let i = 0; i < config.LOGIN_MAX_FAILURES_PER_ACCOUNT; i++) {
        await throttle.failed(await throttle.admit('id:1', `203.0.113.${i + 1}`));
      }

      const refusal = await refusalOf(throttle.admit('id:1', '198.51.100.77'));

      expect(refusal.code).toBe(ErrorCode.TooManyRequests);
      await expect(throttle.admit('id:2', '198.51.100.77')).resolves.toBeDefined();
    });

    it('admits the address again once its wait has ended', async () => {
      const { throttle, counter } = setup();
      for (let i = 0; i <= config.LOGIN_MAX_FAILURES_PER_USERNAME; i++) {
        await throttle.admit('id:1', '198.51.100.1').catch(() => undefined);
      }
      counter.nowMs = config.LOGIN_THROTTLE_WINDOW_SECONDS * 1_000;

      await expect(throttle.admit('id:1', '198.51.100.1')).resolves.toBeDefined();
    });

    it('refuses a network over its limit whatever account it tries', async () => {
      const { throttle } = setup();
      for (let i = 0; i < config.LOGIN_MAX_FAILURES_PER_IP; i++) {
        await throttle.failed(await throttle.admit(`name:guess-${i}`, '198.51.100.1'));
      }

      const refusal = await refusalOf(throttle.admit('name:fresh', '198.51.100.1'));

      expect(refusal.code).toBe(ErrorCode.TooManyRequests);
      await expect(throttle.admit('name:fresh', '198.51.100.9')).resolves.toBeDefined();
    });

    it('counts every address of one IPv6 /64 together', async () => {
      const { throttle } = setup();
      for (let i = 0; i < config.LOGIN_MAX_FAILURES_PER_IP; i++) {
        await throttle.failed(await throttle.admit(`name:guess-${i}`, `2001:db8:1:2::${i + 1}`));
      }

      const refusal = await refusalOf(throttle.admit('name:fresh', '2001:db8:1:2:ffff::1'));

      expect(refusal.code).toBe(ErrorCode.TooManyRequests);
    });

    it('does not count attempts still in flight against the network', async () => {
      const { throttle, counter } = setup();
      // A crowd behind one address, all logging in at once: none has failed yet.
      const admitted = await Promise.all(
        Array.from({ length: config.LOGIN_MAX_FAILURES_PER_IP * 4 }, (_, i) =>
          throttle.admit(`id:${i}`, '198.51.100.1'),
        ),
      );

      expect(admitted).toHaveLength(config.LOGIN_MAX_FAILURES_PER_IP * 4);
      expect(counter.countOf(networkKeyOf('198.51.100.1'))).toBe(0);
    });

    it('refuses logins with SERVICE_UNAVAILABLE when attempts cannot be counted', async () => {
      const counter = strictFake<LoginAttemptCounter>({
        increment: () => Promise.reject(new Error('ECONNREFUSED')),
        current: () => Promise.reject(new Error('ECONNREFUSED')),
      });
      const throttle = new LoginThrottle(counter, config);

      const refusal = await refusalOf(throttle.admit('id:1', '198.51.100.1'));

      expect(refusal.code).toBe(ErrorCode.ServiceUnavailable);
      expect(refusal.details.retryAfterSeconds).toBeGreaterThan(0);
    });
  });

  describe('succeeded and failed', () => {
    it('a success clears the address’s count on the account; failures charge account and network', async () => {
      const { throttle, counter } = setup();
      await throttle.failed(await throttle.admit('id:1', '198.51.100.1'));
      const ticket = await throttle.admit('id:1', '198.51.100.1');

      await throttle.succeeded(ticket);

      expect(counter.countOf(pairKeyOf('id:1', '198.51.100.1'))).toBe(0);
      expect(counter.countOf(accountKeyOf('id:1'))).toBe(1);
      expect(counter.countOf(networkKeyOf('198.51.100.1'))).toBe(1);
    });

    it('does not fail a login whose counters cannot be released or charged', async () => {
      const counter = strictFake<LoginAttemptCounter>({
        reset: () => Promise.reject(new Error('ECONNREFUSED')),
        increment: () => Promise.reject(new Error('ECONNREFUSED')),
      });
      const throttle = new LoginThrottle(counter, config);

      const ticket = { pairKey: 'pair:x', accountKey: 'account:x', networkKey: 'network:y' };
      await expect(throttle.succeeded(ticket)).resolves.toBeUndefined();
      await expect(throttle.failed(ticket)).resolves.toBeUndefined();
    });
  });

  describe('keys', () => {
    it('never puts what was typed into a key', () => {
      expect(accountKeyOf('name:alice@example.com')).toMatch(/^account:[A-Za-z0-9_-]{32}$/);
      expect(pairKeyOf('name:alice@example.com', '198.51.100.1')).toMatch(
        /^pair:[A-Za-z0-9_-]{32}$/,
      );
    });
  });
});
