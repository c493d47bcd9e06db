import { duplicateKeyOf } from '@flash-sale/common';
import type { DataSource, QueryRunner } from 'typeorm';

/** What repositories need from a connection: raw, parameterised SQL. */
export type Sql = Pick<QueryRunner, 'query'>;

/**
 * Runs `work` in one READ COMMITTED transaction on a connection of its own, committing when it
 * resolves and rolling back when it throws. READ COMMITTED avoids InnoDB gap locks: concurrent
 * consumers then meet only on the rows they really share (a product, an order id), and a lost
 * race surfaces as a duplicate key that the caller's retry turns into "already processed".
 */
export async function inTransaction<T>(
  dataSource: DataSource,
  work: (sql: Sql) => Promise<T>,
): Promise<T> {
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    await runner.startTransaction('READ COMMITTED');
    const result = await work(runner);
    await runner.commitTransaction();
    return result;
  } catch (error) {
    if (runner.isTransactionActive) {
      await runner.rollbackTransaction().catch(() => undefined);
    }
    throw error;
  } finally {
    await runner.release();
  }
}

/** True when MySQL refused an insert because the key exists (ER_DUP_ENTRY). */
export function isDuplicateKeyError(error: unknown): boolean {
  return duplicateKeyOf(error) !== undefined;
}

/** Rows an INSERT/UPDATE/DELETE matched (the driver reports found rows, not changed ones). */
export function affectedRows(result: unknown): number {
  const affected = (result as { affectedRows?: unknown } | null)?.affectedRows;
  if (typeof affected !== 'number') throw new Error('the statement reported no affected rows');
  return affected;
}
