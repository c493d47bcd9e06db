import { createHash } from 'node:crypto';
import { DataSource, MigrationExecutor, type DataSourceOptions, type Migration } from 'typeorm';

/** How long a starting replica waits for another one's migrations before it gives up. */
const DEFAULT_LOCK_TIMEOUT_SECONDS = 120;

/** MySQL and MariaDB refuse lock names longer than 64 characters. */
const MAX_LOCK_NAME = 64;

/**
 * The named lock that serialises one database's migrations: the same for every replica of the
 * service (it names the database), different for two services sharing one server.
 */
export function migrationLockName(database: string): string {
  const name = `migrations:${database}`;
  if (name.length <= MAX_LOCK_NAME) return name;
  return `migrations:${createHash('sha256').update(database).digest('hex').slice(0, 40)}`;
}

/**
 * Runs the pending migrations while holding a MySQL named lock (`GET_LOCK`), so replicas that
 * start together do not race: the first runs them, the others wait, then find nothing pending.
 * The lock belongs to one connection: it is taken, and the migrations run, on one query runner,
 * so this needs a single connection of the pool, and a crash releases the lock with the connection.
 */
export async function runMigrationsLocked(
  dataSource: DataSource,
  timeoutSeconds = DEFAULT_LOCK_TIMEOUT_SECONDS,
): Promise<Migration[]> {
  const database = dataSource.options.database;
  if (typeof database !== 'string' || database === '') {
    throw new Error('runMigrationsLocked: the data source names no database');
  }
  const lock = migrationLockName(database);
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    const [row] = (await runner.query('SELECT GET_LOCK(?, ?) AS got', [lock, timeoutSeconds])) as {
      got: number | string | null;
    }[];
    if (Number(row?.got) !== 1) {
      throw new Error(
        `could not take the migration lock "${lock}" within ${timeoutSeconds} s ` +
          '(another replica is still migrating, or holds it)',
      );
    }
    try {
      const executor = new MigrationExecutor(dataSource, runner);
      executor.transaction = dataSource.options.migrationsTransactionMode ?? 'each';
      return await executor.executePendingMigrations();
    } finally {
      await runner.query('SELECT RELEASE_LOCK(?)', [lock]);
    }
  } finally {
    await runner.release();
  }
}

/**
 * Opens a service's database and brings its schema up to date under the migration lock
 * ({@link runMigrationsLocked}). `options.migrationsRun` must be off (as `databaseOptions` has it):
 * TypeORM would otherwise migrate during `initialize()`, without the lock.
 */
export async function openDatabase(options: DataSourceOptions): Promise<DataSource> {
  if (options.migrationsRun) {
    throw new Error('openDatabase runs the migrations itself: turn migrationsRun off');
  }
  const dataSource = new DataSource(options);
  await dataSource.initialize();
  try {
    await runMigrationsLocked(dataSource);
  } catch (error) {
    await dataSource.destroy().catch(() => undefined);
    throw error;
  }
  return dataSource;
}
