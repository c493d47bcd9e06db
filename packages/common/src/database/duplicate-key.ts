import { QueryFailedError } from 'typeorm';

/**
 * The unique key a MySQL/MariaDB duplicate-key error (ER_DUP_ENTRY, 1062) names, read from the
 * server's message: `... for key 'uq_users_email'` on MariaDB, `'users.uq_users_email'` on
 * MySQL 8 (the table prefix is dropped), `'PRIMARY'` for the primary key. `''` when the message
 * names none; `undefined` when the error is not a duplicate-key error at all.
 */
export function duplicateKeyOf(error: unknown): string | undefined {
  if (!(error instanceof QueryFailedError)) return undefined;
  const driverError = error.driverError as
    { code?: string; errno?: number; sqlMessage?: string } | undefined;
  if (driverError?.code !== 'ER_DUP_ENTRY' && driverError?.errno !== 1062) return undefined;
  return /for key '(?:[^'.]+\.)?([^']+)'/.exec(driverError.sqlMessage ?? '')?.[1] ?? '';
}
