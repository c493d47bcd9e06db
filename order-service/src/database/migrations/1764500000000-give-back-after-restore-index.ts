import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A cancelled order's Redis give-back now waits for inventory-service's answer to its restore: the
 * relay claims give-backs with `stock_release = 'DUE' AND (restore IS NULL OR restore = 'DONE')`.
 * While Kafka or inventory-service is down, every cancellation waits as `DUE` with its restore
 * `DUE`/`SENT`; on `stock_release` alone the relay would read (and briefly lock) all of them at
 * every pass to find the few that are ready. `ix_orders_stock_release` becomes
 * `(stock_release, restore)`, which still serves every query on `stock_release` alone.
 */
export class GiveBackAfterRestoreIndex1764500000000 implements MigrationInterface {
  name = 'GiveBackAfterRestoreIndex1764500000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE orders
        DROP INDEX ix_orders_stock_release,
        ADD INDEX ix_orders_stock_release (stock_release, restore)
    `);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE orders
        DROP INDEX ix_orders_stock_release,
        ADD INDEX ix_orders_stock_release (stock_release)
    `);
  }
}
