import { createHash } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { InjectConfig } from '@flash-sale/common';
import type { UserServiceConfig } from '../config.js';
import { clientNetworkOf } from './client-network.js';
import { LoginAttemptCounter, type AttemptCount } from './login-attempt-counter.js';
import { UsersErrors } from './users.errors.js';

/** The counters one login attempt was charged to. */
export interface LoginTicket {
  accountKey: string;
  networkKey: string;
}

export type LoginThrottleConfig = Pick<
  UserServiceConfig,
  'LOGIN_MAX_FAILURES_PER_USERNAME' | 'LOGIN_MAX_FAILURES_PER_IP' | 'LOGIN_THROTTLE_WINDOW_SECONDS'
>;

/**
 * Counter key of an account: `id:<user id>` for a known user (so its username and its email share
 * one budget), `name:<what was typed>` otherwise. Hashed, so no address sits in Redis.
 */
export function accountKeyOf(account: string): string {
  return `account:${createHash('sha256').update(account).digest('base64url').slice(0, 32)}`;
}

/** Counter key of the client's network (see {@link clientNetworkOf}). */
export function networkKeyOf(clientIp: string): string {
  return `network:${clientNetworkOf(clientIp)}`;
}

/**
 * Brute-force protection for login, per account and per client network.
 *
 * An account's attempt is charged *before* the password is checked, so a burst of parallel
 * guesses at one account is counted in full rather than all slipping past a check-then-count; a
 * correct password then clears the account's count. A network is charged only for failures: were
 * it charged in advance too, a flash sale's buyers logging in at once from one address (a NAT, a
 * proxy) would count against its limit while their logins are in flight, and be refused. The cost
 * is that parallel guesses spread over many accounts may pass a network's limit by the size of
 * the burst; each account's own limit still holds. Once a count is over its limit, attempts are
 * refused with 429 until the window ends, whatever the password.
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
    const ticket = { accountKey: accountKeyOf(account), networkKey: networkKeyOf(clientIp) };
    const window = this.config.LOGIN_THROTTLE_WINDOW_SECONDS;
    let counts: [AttemptCount, AttemptCount];
    try {
      counts = await Promise.all([
        this.counter.increment(ticket.accountKey, window),
        this.counter.current(ticket.networkKey),
      ]);
    } catch (error) {
      // Without the counters, guessing would be unlimited: refuse logins rather than fail open.
      this.logger.error({ err: error }, 'login attempt counters are unavailable');
      throw UsersErrors.loginUnavailable();
    }
    const [accountCount, networkCount] = counts;
    const blocked = [
      accountCount.count > this.config.LOGIN_MAX_FAILURES_PER_USERNAME ? accountCount : undefined,
      networkCount.count >= this.config.LOGIN_MAX_FAILURES_PER_IP ? networkCount : undefined,
    ].filter((count) => count !== undefined);
    if (blocked.length > 0) {
      const waitMs = Math.max(...blocked.map((count) => count.resetInMs));
      throw UsersErrors.tooManyLoginAttempts(Math.max(1, Math.ceil(waitMs / 1_000)));
    }
    return ticket;
  }

  /** The password was right: forget the account's failures. */
  async succeeded(ticket: LoginTicket): Promise<void> {
    try {
      await this.counter.reset(ticket.accountKey);
    } catch (error) {
      // The login itself is sound; a count left behind only expires with its window.
      this.logger.warn({ err: error }, 'could not release login attempt counters');
    }
  }

  /** The password was wrong (or the account unknown): charge the network one failure. */
  async failed(ticket: LoginTicket): Promise<void> {
    try {
      await this.counter.increment(ticket.networkKey, this.config.LOGIN_THROTTLE_WINDOW_SECONDS);
    } catch (error) {
      // The account was charged in advance; the answer to this attempt is 401 either way.
      this.logger.warn({ err: error }, 'could not count a failed login against its network');
    }
  }
}
