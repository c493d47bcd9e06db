import { QueryFailedError } from 'typeorm';
import { duplicateFieldOf } from './typeorm-users.repository.js';

function duplicate(sqlMessage: string) {
  return new QueryFailedError(
    'INSERT ...',
    [],
    Object.assign(new Error(sqlMessage), {
      code: 'ER_DUP_ENTRY',
      errno: 1062,
      sqlMessage,
    }),
  );
}

describe(duplicateFieldOf.name, () => {
  it.each([
    ['MariaDB', "Duplicate entry 'alice' for key 'uq_users_username'", 'username'],
    ['MySQL 8', "Duplicate entry 'alice' for key 'users.uq_users_username'", 'username'],
    ['MariaDB', "Duplicate entry 'a@x.io' for key 'uq_users_email'", 'email'],
    ['MySQL 8', "Duplicate entry 'a@x.io' for key 'users.uq_users_email'", 'email'],
  ])('reads the field from the index name (%s)', (_server, message, field) => {
    expect(duplicateFieldOf(duplicate(message))).toBe(field);
  });

  it('ignores a duplicate on any other index, and other errors', () => {
    expect(duplicateFieldOf(duplicate("Duplicate entry '1' for key 'PRIMARY'"))).toBeUndefined();
    expect(
      duplicateFieldOf(
        new QueryFailedError(
          'SELECT 1',
          [],
          Object.assign(new Error('gone'), { code: 'ECONNRESET' }),
        ),
      ),
    ).toBeUndefined();
    expect(duplicateFieldOf(new Error('plain'))).toBeUndefined();
  });
});
