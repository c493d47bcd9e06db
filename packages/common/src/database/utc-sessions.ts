import mysql2 from 'mysql2';

/** Run first on every new database connection: see {@link utcSessions}. */
export const UTC_SESSION_SQL = "SET time_zone = '+00:00'";

interface PooledConnection {
  query(sql: string, callback: (error: Error | null) => void): unknown;
  destroy(): void;
}

/** What {@link utcSessions} needs of a mysql2 pool (callback or promise API alike). */
interface ConnectionEvents {
  on(event: 'connection', listener: (connection: PooledConnection) => void): unknown;
}

/**
 * Makes every connection of a mysql2 pool run in UTC (`time_zone = '+00:00'`), whatever the
 * server's default time zone.
 *
 * DATETIME columns hold UTC: the driver writes and reads Dates as UTC (`timezone: 'Z'`). But
 * `NOW(3)` and `CURRENT_TIMESTAMP(3)` (defaults, `ON UPDATE`) are the session's local time, so on a
 * server whose default zone is not UTC the relay's and the sweeper's comparisons with `NOW(3)`
 * would be off by hours. The pool emits `connection` once per new connection, before handing it
 * to the first caller; a query queued from the listener runs before any of that caller's, so no
 * statement ever runs in another zone. If the statement fails the connection is destroyed, and so
 * is whatever its first caller runs on it (an error, retried like any other), rather than running
 * in the wrong zone.
 */
export function utcSessions<P extends ConnectionEvents>(pool: P): P {
  pool.on('connection', (connection) => {
    connection.query(UTC_SESSION_SQL, (error) => {
      if (error) connection.destroy();
    });
  });
  return pool;
}

/**
 * mysql2 for TypeORM's `driver` option: the same module, with pools whose connections run in UTC.
 * TypeORM opens its first connection inside `createPool`, so the listener has to be there before
 * that; attaching it to `driver.pool` after `initialize()` would miss that connection.
 */
export const mysql2WithUtcSessions: typeof mysql2 = {
  ...mysql2,
  createPool: ((options: mysql2.PoolOptions) =>
    utcSessions(mysql2.createPool(options))) as typeof mysql2.createPool,
};
