import { createHash } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { clientNetworkOf, InjectConfig } from '@flash-sale/common';
import type { UserServiceConfig } from '../config.js';
import { LoginAttemptCounter, type AttemptCount } from './login-attempt-counter.js';
import { UsersErrors } from './users.errors.js';

/** The counters one login attempt was charged to. */
export interface LoginTicket {
  /** Failures of this account from this client network: the one that backs off. */
  pairKey: string;
  /** Failures of this account from anywhere: the global ceiling. */
  accountKey: string;
  networkKey: string;
}

export type LoginThrottleConfig = Pick<
  UserServiceConfig,
  | 'LOGIN_MAX_FAILURES_PER_USERNAME'
  | 'LOGIN_MAX_FAILURES_PER_ACCOUNT'
  | 'LOGIN_MAX_FAILURES_PER_IP'
  | 'LOGIN_THROTTLE_WINDOW_SECONDS'
  | 'LOGIN_MAX_BACKOFF_SECONDS'
>;

const hashed = (value: string) =>
  createHash('sha256').update(value).digest('base64url').slice(0, 32);

/**
 * Counter key of an account: `id:<user id>` for a known user (so its username and its email share
 * one budget), `name:<what was typed>` otherwise. Hashed, so no address sits in Redis.
 */
export function accountKeyOf(account: string): string {
  return `account:${hashed(account)}`;
}

/** Counter key of one account tried from one client network (see {@link clientNetworkOf}). */
export function pairKeyOf(account: string, clientIp: string): string {
  return `pair:${hashed(`${account}|${clientNetworkOf(clientIp)}`)}`;
}

/** Counter key of the client's network (see {@link clientNetworkOf}). */
export function networkKeyOf(clientIp: string): string {
  return `network:${clientNetworkOf(clientIp)}`;
}

/**
 * Brute-force protection for login that a stranger cannot turn against an account's owner.
 *
 * - Per (account, client network): `LOGIN_MAX_FAILURES_PER_USERNAME` attempts per window, then a
 *   backoff that doubles with every further attempt (up to `LOGIN_MAX_BACKOFF_SECONDS`). Charged
 *   *before* the password is checked, so a burst of parallel guesses is counted in full; a correct
 *   password clears it. Failures from one address never refuse the owner at another.
 * - Per account, from anywhere: `LOGIN_MAX_FAILURES_PER_ACCOUNT` failures per window, a ceiling
 *   far above what one address can reach, against guessing spread over many addresses.
 * - Per client network, whatever the account: `LOGIN_MAX_FAILURES_PER_IP` failures per window.
 *
 * The account and network counts are charged only for failures: were they charged in advance,
 * a flash sale's buyers logging in at once from one address (a NAT, a proxy) would count against
 * its limit while their logins are in flight, and be refused. The cost is that parallel guesses
 * may pass those limits by the size of the burst; the per-pair limit still holds.
 */
@Injectable()
export class LoginThrottle {
  private readonly logger = new Logger(LoginThrottle.name);

  constructor(
    private readonly counter: LoginAttemptCounter,
    @InjectConfig() private readonly config: LoginThrottleConfig,
  ) {}

  /** Charges one attempt; throws TOO_MANY_REQUESTS (with the wait) when over a limit. */
  async admit(account: string, clientIp: string): Promise<LoginTicket> {
    const ticket: LoginTicket = {
      pairKey: pairKeyOf(account, clientIp),
      accountKey: accountKeyOf(account),
      networkKey: networkKeyOf(clientIp),
    };
    let counts: [AttemptCount, AttemptCount, AttemptCount];
    try {
      counts = await Promise.all([
        this.counter.increment(ticket.pairKey, this.config.LOGIN_THROTTLE_WINDOW_SECONDS),
        this.counter.current(ticket.accountKey),
        this.counter.current(ticket.networkKey),
      ]);
      counts[0] = await this.backOff(ticket.pairKey, counts[0]);
    } catch (error) {
      // Without the counters, guessing would be unlimited: refuse logins rather than fail open.
      this.logger.error({ err: error }, 'login attempt counters are unavailable');
      throw UsersErrors.loginUnavailable();
    }
    const [pairCount, accountCount, networkCount] = counts;
    const blocked = [
      pairCount.count > this.config.LOGIN_MAX_FAILURES_PER_USERNAME ? pairCount : undefined,
      accountCount.count >= this.config.LOGIN_MAX_FAILURES_PER_ACCOUNT ? accountCount : undefined,
      networkCount.count >= this.config.LOGIN_MAX_FAILURES_PER_IP ? networkCount : undefined,
    ].filter((count) => count !== undefined);
    if (blocked.length > 0) {
      const waitMs = Math.max(...blocked.map((count) => count.resetInMs));
      throw UsersErrors.tooManyLoginAttempts(Math.max(1, Math.ceil(waitMs / 1_000)));
    }
    return ticket;
  }

  /** The password was right: forget this address's failures on the account. */
  async succeeded(ticket: LoginTicket): Promise<void> {
    try {
      await this.counter.reset(ticket.pairKey);
    } catch (error) {
      // The login itself is sound; a count left behind only expires with its window.
      this.logger.warn({ err: error }, 'could not release login attempt counters');
    }
  }

  /** The password was wrong (or the account unknown): charge the account and the network. */
  async failed(ticket: LoginTicket): Promise<void> {
    const window = this.config.LOGIN_THROTTLE_WINDOW_SECONDS;
    try {
      await Promise.all([
        this.counter.increment(ticket.accountKey, window),
        this.counter.increment(ticket.networkKey, window),
      ]);
    } catch (error) {
      // The pair was charged in advance; the answer to this attempt is 401 either way.
      this.logger.warn({ err: error }, 'could not count a failed login against its account');
    }
  }

  /**
   * Past the pair's limit, the first refusal waits for the window to end; every further attempt
   * doubles the wait: twice the window, four times, ... up to `LOGIN_MAX_BACKOFF_SECONDS`.
   */
  private async backOff(pairKey: string, count: AttemptCount): Promise<AttemptCount> {
    const over = count.count - this.config.LOGIN_MAX_FAILURES_PER_USERNAME;
    if (over <= 1) return count;
    const backoffSeconds = Math.min(
      this.config.LOGIN_THROTTLE_WINDOW_SECONDS * 2 ** Math.min(over - 1, 30),
      this.config.LOGIN_MAX_BACKOFF_SECONDS,
    );
    if (backoffSeconds * 1_000 <= count.resetInMs) return count;
    await this.counter.extend(pairKey, backoffSeconds);
    return { count: count.count, resetInMs: backoffSeconds * 1_000 };
  }
}
