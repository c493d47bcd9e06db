import { DynamicModule, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import type { DataSourceOptions, MixedList } from 'typeorm';
import { APP_CONFIG } from '../config/config.module.js';
import type { BaseEnv } from '../config/env.schema.js';
import { openDatabase } from './locked-migrations.js';
import { mysql2WithUtcSessions } from './utc-sessions.js';

export interface DatabaseModuleOptions {
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type -- TypeORM's own type
  entities: MixedList<Function>;
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type -- TypeORM's own type
  migrations: MixedList<Function>;
}

/** The settings the database is opened with (exported so tests open it the same way). */
export type DatabaseSettings = Pick<
  BaseEnv,
  'DB_HOST' | 'DB_PORT' | 'DB_USERNAME' | 'DB_PASSWORD' | 'DB_DATABASE' | 'DB_POOL_SIZE'
>;

/**
 * TypeORM options of a service's database. Every pooled connection runs in UTC (see
 * `utc-sessions.ts`), like the driver's conversion of Dates (`timezone: 'Z'`).
 */
export function databaseOptions(
  config: DatabaseSettings,
  options: DatabaseModuleOptions,
): DataSourceOptions {
  return {
    type: 'mysql',
    driver: mysql2WithUtcSessions,
    host: config.DB_HOST,
    port: config.DB_PORT,
    username: config.DB_USERNAME,
    password: config.DB_PASSWORD,
    database: config.DB_DATABASE,
    entities: options.entities,
    migrations: options.migrations,
    // Run by openDatabase() under a MySQL named lock instead, so replicas that start together
    // do not race (see locked-migrations.ts).
    migrationsRun: false,
    migrationsTransactionMode: 'each',
    synchronize: false,
    timezone: 'Z',
    charset: 'utf8mb4_unicode_ci',
    poolSize: config.DB_POOL_SIZE,
    // A connection that cannot be opened fails in 5 s (mysql2's default is 10 s), so a request
    // waiting on one answers 503 DATABASE_UNAVAILABLE in time rather than stalling.
    connectTimeout: 5_000,
    // TCP keep-alive finds a pooled connection whose peer is gone (a dropped link, a dead server)
    // instead of handing it out; idle connections are closed after a minute.
    extra: { enableKeepAlive: true, keepAliveInitialDelay: 10_000, idleTimeout: 60_000 },
    // Not 'error': TypeORM would print failed queries with their parameters (password
    // hashes, for one). Query errors reach the error filter, which logs them without.
    logging: ['migration'],
  };
}

/**
 * The service's own MySQL/MariaDB database through TypeORM. The schema is owned by migrations,
 * run at start-up under a named lock (one replica migrates, the others wait for it);
 * `synchronize` stays off so no start ever alters tables on its own.
 */
@Module({})
export class DatabaseModule {
  static forRoot(options: DatabaseModuleOptions): DynamicModule {
    return {
      module: DatabaseModule,
      imports: [
        TypeOrmModule.forRootAsync({
          inject: [APP_CONFIG],
          useFactory: (config: BaseEnv) => ({
            ...databaseOptions(config, options),
            retryAttempts: 10,
            retryDelay: 1_000,
          }),
          dataSourceFactory: (dataSourceOptions) => {
            if (!dataSourceOptions) throw new Error('no database options');
            return openDatabase(dataSourceOptions);
          },
        }),
      ],
    };
  }
}
