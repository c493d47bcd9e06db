import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { duplicateKeyOf } from '@flash-sale/common';
import type { Role } from '@flash-sale/contracts';
import type { Repository } from 'typeorm';
import type { NewUser, StoredUser } from './user.js';
import { UserEntity } from './user.entity.js';
import { UniqueUserViolation, UsersRepository, type UniqueUserField } from './users.repository.js';

/** Unique index name -> the field it guards (names as in the migration). */
const UNIQUE_INDEXES: Record<string, UniqueUserField> = {
  uq_users_username: 'username',
  uq_users_email: 'email',
};

const DECIMAL_ID = /^[1-9][0-9]{0,19}$/;

/**
 * Usernames and emails are stored as ASCII. Anything else cannot match, and comparing it with an
 * ASCII column is an error ("illegal mix of collations"), so such lookups do not reach the server.
 */
// eslint-disable-next-line no-control-regex -- the whole ASCII range, control characters included
const ASCII = /^[\x00-\x7f]*$/;

/**
 * The field behind a duplicate-key error, read from the index name in the server's message
 * (`... for key 'uq_users_email'` on MariaDB, `'users.uq_users_email'` on MySQL 8).
 */
export function duplicateFieldOf(error: unknown): UniqueUserField | undefined {
  const key = duplicateKeyOf(error);
  return key === undefined ? undefined : UNIQUE_INDEXES[key];
}

/** {@link UsersRepository} on MySQL/MariaDB through TypeORM. */
@Injectable()
export class TypeOrmUsersRepository extends UsersRepository {
  constructor(@InjectRepository(UserEntity) private readonly rows: Repository<UserEntity>) {
    super();
  }

  async insert(user: NewUser): Promise<StoredUser> {
    try {
      const result = await this.rows.insert(user);
      const id = (result.identifiers[0] as { id: string | number }).id;
      return { id: String(id), ...user };
    } catch (error) {
      const field = duplicateFieldOf(error);
      if (field) throw new UniqueUserViolation(field);
      throw error;
    }
  }

  async findTakenField(username: string, email: string): Promise<UniqueUserField | undefined> {
    if (!ASCII.test(username) || !ASCII.test(email)) return undefined;
    // The comparisons use the columns' case-insensitive collation, like the unique indexes.
    const [row] = await this.rows
      .createQueryBuilder('u')
      .select('MAX(u.username = :username)', 'usernameTaken')
      .addSelect('MAX(u.email = :email)', 'emailTaken')
      .where('u.username = :username OR u.email = :email', { username, email })
      .getRawMany<{ usernameTaken: number | string | null; emailTaken: number | string | null }>();
    if (Number(row?.usernameTaken) === 1) return 'username';
    if (Number(row?.emailTaken) === 1) return 'email';
    return undefined;
  }

  async findById(id: string): Promise<StoredUser | null> {
    // Anything but a decimal id cannot match; don't let the driver coerce it.
    if (!DECIMAL_ID.test(id)) return null;
    return this.toUser(await this.rows.findOneBy({ id }));
  }

  async findByUsername(username: string): Promise<StoredUser | null> {
    if (!ASCII.test(username)) return null;
    return this.toUser(await this.rows.findOneBy({ username }));
  }

  async findByEmail(email: string): Promise<StoredUser | null> {
    if (!ASCII.test(email)) return null;
    return this.toUser(await this.rows.findOneBy({ email }));
  }

  async update(id: string, changes: { passwordHash?: string; role?: Role }): Promise<void> {
    await this.rows.update({ id }, changes);
  }

  private toUser(row: UserEntity | null): StoredUser | null {
    if (!row) return null;
    const { id, username, email, passwordHash, role, createdAt } = row;
    return { id: String(id), username, email, passwordHash, role, createdAt };
  }
}
