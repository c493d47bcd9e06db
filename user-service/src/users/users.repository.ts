import type { Role } from '@flash-sale/contracts';
import type { NewUser, StoredUser } from './user.js';

/** The unique field a new or changed row collided on. */
export type UniqueUserField = 'username' | 'email';

/** The database refused a row because another one already holds its username or email. */
export class UniqueUserViolation extends Error {
  override name = 'UniqueUserViolation';

  constructor(readonly field: UniqueUserField) {
    super(`a user with this ${field} already exists`);
  }
}

/**
 * Storage of users. An abstract class so it doubles as the injection token; the service depends
 * on this, never on TypeORM, and unit tests put a fake in its place.
 *
 * Username and email lookups are case-insensitive, as is uniqueness.
 */
export abstract class UsersRepository {
  /** Inserts a user; throws {@link UniqueUserViolation} when the username or email is taken. */
  abstract insert(user: NewUser): Promise<StoredUser>;

  /**
   * Which field of a would-be user is already taken, if any (`username` first). A cheap early
   * answer only: a concurrent registration can still win, and {@link insert} catches that.
   */
  abstract findTakenField(username: string, email: string): Promise<UniqueUserField | undefined>;

  abstract findById(id: string): Promise<StoredUser | null>;

  abstract findByUsername(username: string): Promise<StoredUser | null>;

  abstract findByEmail(email: string): Promise<StoredUser | null>;

  /** Changes the hash and/or role of an existing user. */
  abstract update(id: string, changes: { passwordHash?: string; role?: Role }): Promise<void>;
}
