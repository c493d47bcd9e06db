import { randomBytes } from 'node:crypto';
import { databaseOptions, migrationLockName, openDatabase } from '@flash-sale/common';
import { eventually } from '@flash-sale/common/testing';
import mysql from 'mysql2/promise';
import type { DataSource } from 'typeorm';
import { loadOrderServiceConfig } from '../src/config.js';
import { migrations } from '../src/database/migrations/index.js';

/**
 * Migrations run under a MySQL named lock: replicas that open an empty database at the same time
 * all come up, and the migrations run once (real MariaDB, a database of this test's own).
 */
const infra = loadOrderServiceConfig({ ...process.env });

describe('migrations under a named lock (real MariaDB)', () => {
  const database = `fleet_migrate_${randomBytes(4).toString('hex')}`;
  const opened: DataSource[] = [];
  let admin: mysql.Connection;

  const options = () =>
    databaseOptions(
      {
        DB_HOST: infra.DB_HOST,
        DB_PORT: infra.DB_PORT,
        DB_USERNAME: 'root',
        DB_PASSWORD: '',
        DB_DATABASE: database,
        DB_POOL_SIZE: 2,
      },
      { entities: [], migrations },
    );

  beforeAll(async () => {
    admin = await mysql.createConnection({
      host: infra.DB_HOST,
      port: infra.DB_PORT,
      user: 'root',
      password: '',
    });
    await admin.query(`CREATE DATABASE ${database}`);
  });

  afterAll(async () => {
    await Promise.all(opened.map((d) => d.destroy()));
    await admin?.query(`DROP DATABASE IF EXISTS ${database}`);
    await admin?.end();
  });

  it('waits for the lock, then three replicas started at once migrate the empty database once', async () => {
    // Someone (a replica mid-migration) holds the lock: nobody may migrate meanwhile.
    const holder = await mysql.createConnection({
      host: infra.DB_HOST,
      port: infra.DB_PORT,
      user: 'root',
      password: '',
    });
    const [[got]] = await holder.query<mysql.RowDataPacket[]>('SELECT GET_LOCK(?, 0) AS got', [
      migrationLockName(database),
    ]);
    expect(Number(got.got)).toBe(1);

    const replicas = Promise.all([
      openDatabase(options()),
      openDatabase(options()),
      openDatabase(options()),
    ]);
    // All three are waiting on the lock (MariaDB shows the state "User lock"), and the database is
    // still empty.
    await eventually(async () => {
      const [rows] = await admin.query<mysql.RowDataPacket[]>(
        `SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST
          WHERE STATE = 'User lock' AND INFO LIKE 'SELECT GET_LOCK(%'`,
      );
      return Number(rows[0].n) >= 3 ? true : undefined;
    }, 20_000);
    const [tables] = await admin.query<mysql.RowDataPacket[]>(
      'SELECT COUNT(*) AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA = ?',
      [database],
    );
    expect(Number(tables[0].n)).toBe(0);

    await holder.query('SELECT RELEASE_LOCK(?)', [migrationLockName(database)]);
    await holder.end();
    opened.push(...(await replicas));

    const [ran] = await admin.query<mysql.RowDataPacket[]>(
      `SELECT name, COUNT(*) AS n FROM ${database}.migrations GROUP BY name ORDER BY name`,
    );
    expect(ran.map((r): [string, number] => [String(r.name), Number(r.n)])).toEqual(
      migrations.map((m): [string, number] => [m.name, 1]).sort(([a], [b]) => a.localeCompare(b)),
    );
    // And the schema is there: every replica can use the table.
    for (const d of opened) {
      const [row] = await d.query<{ n: number | string }[]>('SELECT COUNT(*) AS n FROM orders');
      expect(Number(row.n)).toBe(0);
    }
  }, 60_000);
});
