import { QueryFailedError } from 'typeorm';
import { duplicateKeyOf } from './duplicate-key.js';

function failure(driverError: object): QueryFailedError {
  return new QueryFailedError('INSERT ...', [], Object.assign(new Error('failed'), driverError));
}

describe(duplicateKeyOf.name, () => {
  it.each([
    ['MariaDB', "Duplicate entry 'a@x.io' for key 'uq_users_email'", 'uq_users_email'],
    ['MySQL 8', "Duplicate entry 'a@x.io' for key 'users.uq_users_email'", 'uq_users_email'],
    ['either', "Duplicate entry '1' for key 'PRIMARY'", 'PRIMARY'],
    ['an unknown message', 'Duplicate entry', ''],
  ])('names the key of a duplicate-key error (%s)', (_server, sqlMessage, key) => {
    expect(duplicateKeyOf(failure({ code: 'ER_DUP_ENTRY', errno: 1062, sqlMessage }))).toBe(key);
    expect(duplicateKeyOf(failure({ errno: 1062, sqlMessage }))).toBe(key);
  });

  it('answers undefined for any other error', () => {
    expect(duplicateKeyOf(failure({ code: 'ER_LOCK_DEADLOCK', errno: 1213 }))).toBeUndefined();
    expect(duplicateKeyOf(new Error('plain'))).toBeUndefined();
  });
});
