import { jest } from '@jest/globals';
import { InvalidTokenError, type AccessTokenService } from '@flash-sale/common';
import type { AccessTokenClaims, Role } from '@flash-sale/contracts';
import type { AccessTokenSigner } from '../../src/tokens/access-token.signer.js';
import type { AttemptCount, LoginAttemptCounter } from '../../src/users/login-attempt-counter.js';
import type { PasswordHasher } from '../../src/users/password-hasher.js';
import type { NewUser, StoredUser } from '../../src/users/user.js';
import {
  UniqueUserViolation,
  type UniqueUserField,
  type UsersRepository,
} from '../../src/users/users.repository.js';

/**
 * A stand-in that only knows the methods it is given: calling any other method fails the test,
 * so a unit test states every collaboration it expects.
 */
export function strictFake<T extends object>(methods: Partial<T> = {}, name = 'fake'): T {
  return new Proxy(methods, {
    get(target, property) {
      if (property in target) return target[property as keyof typeof target];
      // Not a thenable, and invisible to Jest's matchers and printers.
      if (typeof property === 'symbol' || property === 'then' || property === 'asymmetricMatch') {
        return undefined;
      }
      return (...args: unknown[]) => {
        throw new Error(`unexpected call ${name}.${property}(${JSON.stringify(args)})`);
      };
    },
  }) as T;
}

/** Users in a Map, with the database's case-insensitive uniqueness of username and email. */
export class InMemoryUsersRepository implements UsersRepository {
  readonly rows = new Map<string, StoredUser>();
  private nextId = 1;
  /** Makes the next insert fail as a lost race would, after the early check passed. */
  failNextInsertWith?: Error;

  insert = jest.fn((user: NewUser): Promise<StoredUser> => {
    if (this.failNextInsertWith) {
      const error = this.failNextInsertWith;
      this.failNextInsertWith = undefined;
      return Promise.reject(error);
    }
    const taken = this.takenField(user.username, user.email);
    if (taken) return Promise.reject(new UniqueUserViolation(taken));
    const stored = { id: String(this.nextId++), ...user };
    this.rows.set(stored.id, stored);
    return Promise.resolve({ ...stored });
  });

  findTakenField = jest.fn((username: string, email: string) =>
    Promise.resolve(this.takenField(username, email)),
  );

  findById = jest.fn((id: string) => Promise.resolve(this.copy(this.rows.get(id))));

  findByUsername = jest.fn((username: string) =>
    Promise.resolve(this.copy(this.find((u) => same(u.username, username)))),
  );

  findByEmail = jest.fn((email: string) =>
    Promise.resolve(this.copy(this.find((u) => same(u.email, email)))),
  );

  update = jest.fn((id: string, changes: { passwordHash?: string; role?: Role }) => {
    const row = this.rows.get(id);
    if (!row) return Promise.reject(new Error(`no user ${id}`));
    this.rows.set(id, { ...row, ...changes });
    return Promise.resolve();
  });

  /** Adds a row directly, as if registered earlier. */
  seed(user: Partial<NewUser> & Pick<NewUser, 'username'>): StoredUser {
    const stored: StoredUser = {
      id: String(this.nextId++),
      email: `${user.username}@example.com`,
      passwordHash: 'fake-hash:password123',
      role: 'user',
      createdAt: new Date('2026-01-01T00:00:00.000Z'),
      ...user,
    };
    this.rows.set(stored.id, stored);
    return { ...stored };
  }

  private takenField(username: string, email: string): UniqueUserField | undefined {
    if (this.find((u) => same(u.username, username))) return 'username';
    if (this.find((u) => same(u.email, email))) return 'email';
    return undefined;
  }

  private find(match: (user: StoredUser) => boolean): StoredUser | undefined {
    return [...this.rows.values()].find(match);
  }

  private copy(user: StoredUser | undefined): StoredUser | null {
    return user ? { ...user } : null;
  }
}

const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

/** A transparent "hash" (`fake-hash:<password>`), with weak hashes marked `weak-hash:`. */
export class FakePasswordHasher implements PasswordHasher {
  hash = jest.fn((password: string) => Promise.resolve(`fake-hash:${password}`));
  verify = jest.fn((hash: string, password: string) =>
    Promise.resolve(hash.replace(/^(fake|weak)-hash:/, '') === password),
  );
  verifyAgainstDummy = jest.fn((_password: string) => Promise.resolve(false as const));
  needsRehash = jest.fn((hash: string) => !hash.startsWith('fake-hash:'));
}

/** Windowed counters in memory, on a clock the test moves. */
export class InMemoryAttemptCounter implements LoginAttemptCounter {
  nowMs = 0;
  readonly windows = new Map<string, { count: number; endsAtMs: number }>();

  increment = jest.fn((key: string, windowSeconds: number): Promise<AttemptCount> => {
    const window = this.live(key) ?? { count: 0, endsAtMs: this.nowMs + windowSeconds * 1_000 };
    window.count += 1;
    this.windows.set(key, window);
    return Promise.resolve({ count: window.count, resetInMs: window.endsAtMs - this.nowMs });
  });

  current = jest.fn((key: string): Promise<AttemptCount> => {
    const window = this.live(key);
    return Promise.resolve({
      count: window?.count ?? 0,
      resetInMs: window ? window.endsAtMs - this.nowMs : 0,
    });
  });

  extend = jest.fn((key: string, seconds: number) => {
    const window = this.live(key);
    if (window) window.endsAtMs = Math.max(window.endsAtMs, this.nowMs + seconds * 1_000);
    return Promise.resolve();
  });

  reset = jest.fn((key: string) => {
    this.windows.delete(key);
    return Promise.resolve();
  });

  countOf(key: string): number {
    return this.live(key)?.count ?? 0;
  }

  private live(key: string) {
    const window = this.windows.get(key);
    return window && window.endsAtMs > this.nowMs ? window : undefined;
  }
}

/** Tokens that are readable JSON, "signed" by a prefix; anything else fails verification. */
export class FakeAccessTokens
  implements Pick<AccessTokenService, 'verify'>, Pick<AccessTokenSigner, 'sign'>
{
  static readonly PREFIX = 'fake-token.';

  sign = jest.fn((claims: AccessTokenClaims) => {
    const iat = 1_767_225_600;
    return Promise.resolve(
      FakeAccessTokens.PREFIX + JSON.stringify({ ...claims, iat, exp: iat + 900 }),
    );
  });

  verify = jest.fn((token: string) => {
    if (!token.startsWith(FakeAccessTokens.PREFIX)) {
      return Promise.reject(new InvalidTokenError('not signed'));
    }
    return Promise.resolve(
      JSON.parse(token.slice(FakeAccessTokens.PREFIX.length)) as AccessTokenClaims & {
        iat: number;
        exp: number;
      },
    );
  });
}
