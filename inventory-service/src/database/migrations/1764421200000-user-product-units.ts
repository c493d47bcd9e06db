import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The per-user cap at the stock of record (the backstop of the cap Redis enforces first):
 *
 * - `user_product_units`: per (product, user), the units deducted for that user's orders and not
 *   restored since. A deduction of a capped product raises it by a conditional update inside the
 *   deduction's transaction (with the row locked, so one user's concurrent deductions queue on
 *   it), a restore of a counted deduction lowers it. Whatever Redis loses, this row decides.
 * - `processed_orders.user_id`: the buyer, and `user_counted`: whether the deduction raised that
 *   user's row (only deductions of a capped product do), so a restore lowers exactly what was
 *   raised. Rows recorded before this migration have no user and count for nobody.
 */
export class UserProductUnits1764421200000 implements MigrationInterface {
  name = 'UserProductUnits1764421200000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE user_product_units (
        product_id VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
        user_id VARCHAR(20) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
        units INT UNSIGNED NOT NULL DEFAULT 0,
        updated_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
        PRIMARY KEY (product_id, user_id)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci
    `);
    await queryRunner.query(`
      ALTER TABLE processed_orders
        ADD COLUMN user_id VARCHAR(20) CHARACTER SET ascii COLLATE ascii_bin NULL,
        ADD COLUMN user_counted BOOLEAN NOT NULL DEFAULT FALSE
    `);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      'ALTER TABLE processed_orders DROP COLUMN user_counted, DROP COLUMN user_id',
    );
    await queryRunner.query('DROP TABLE user_product_units');
  }
}
