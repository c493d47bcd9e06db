/**
 * Driver error codes (mysql2, Node's net) and server errors (MariaDB/MySQL) that say the database
 * could not be reached or the connection died under the query, not that the query was wrong:
 * `KILL CONNECTION`, a restart, a dead pooled socket, a connect or query timeout.
 */
const UNAVAILABLE_CODES = new Set([
  'PROTOCOL_CONNECTION_LOST', // "Connection lost: The server closed the connection."
  'PROTOCOL_SEQUENCE_TIMEOUT', // mysql2's query `timeout` ("Query inactivity timeout")
  'PROTOCOL_ENQUEUE_AFTER_FATAL_ERROR',
  'ECONNRESET',
  'ECONNREFUSED',
  'ETIMEDOUT', // mysql2's connectTimeout
  'EPIPE',
  'ER_CONNECTION_KILLED', // 1927, MariaDB: the query's own connection was killed
  'ER_SERVER_SHUTDOWN', // 1053
  'ER_CON_COUNT_ERROR', // 1040, too many connections
  'CR_SERVER_GONE_ERROR', // 2006
  'CR_SERVER_LOST', // 2013
]);
const UNAVAILABLE_ERRNOS = new Set([1040, 1053, 1927, 2006, 2013]);
/** Raised by mysql2 itself without a code once a connection is dead, or by its pool. */
const UNAVAILABLE_MESSAGES =
  /Connection lost|connection is in closed state|Pool is closed|Queue limit reached|Query inactivity timeout/i;

/**
 * The driver code (or `'UNAVAILABLE'`) when `error` says the database was unavailable, through
 * TypeORM's `QueryFailedError` (`driverError`) and `cause` chains; `undefined` for every other
 * error, e.g. a duplicate key or bad SQL, which must stay what it is.
 */
export function databaseUnavailableCode(error: unknown): string | undefined {
  const seen = new Set<unknown>();
  for (let e: unknown = error; e && typeof e === 'object' && !seen.has(e);) {
    seen.add(e);
    const err = e as {
      code?: unknown;
      errno?: unknown;
      fatal?: unknown;
      message?: unknown;
      driverError?: unknown;
      cause?: unknown;
    };
    if (typeof err.code === 'string' && UNAVAILABLE_CODES.has(err.code)) return err.code;
    if (typeof err.errno === 'number' && UNAVAILABLE_ERRNOS.has(err.errno))
      return typeof err.code === 'string' ? err.code : String(err.errno);
    // mysql2 marks the errors that killed the connection itself as fatal.
    if (err.fatal === true) return typeof err.code === 'string' ? err.code : 'FATAL';
    if (typeof err.message === 'string' && UNAVAILABLE_MESSAGES.test(err.message))
      return typeof err.code === 'string' ? err.code : 'UNAVAILABLE';
    e = err.driverError ?? err.cause;
  }
  return undefined;
}
