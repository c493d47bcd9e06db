import { DynamicModule, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import type { MixedList } from 'typeorm';
import { APP_CONFIG } from '../config/config.module.js';
import type { BaseEnv } from '../config/env.schema.js';

export interface DatabaseModuleOptions {
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type -- TypeORM's own type
  entities: MixedList<Function>;
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type -- TypeORM's own type
  migrations: MixedList<Function>;
}

/**
 * The service's own MySQL/MariaDB database through TypeORM. The schema is owned by migrations,
 * run at start-up; `synchronize` stays off so no start ever alters tables on its own.
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
            type: 'mysql',
            host: config.DB_HOST,
            port: config.DB_PORT,
            username: config.DB_USERNAME,
            password: config.DB_PASSWORD,
            database: config.DB_DATABASE,
            entities: options.entities,
            migrations: options.migrations,
            migrationsRun: true,
            migrationsTransactionMode: 'each',
            synchronize: false,
            timezone: 'Z',
            charset: 'utf8mb4_unicode_ci',
            poolSize: config.DB_POOL_SIZE,
            retryAttempts: 10,
            retryDelay: 1_000,
            // Not 'error': TypeORM would print failed queries with their parameters (password
            // hashes, for one). Query errors reach the error filter, which logs them without.
            logging: ['migration'],
          }),
        }),
      ],
    };
  }
}
