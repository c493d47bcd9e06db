import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Orders. The status column holds the state machine `PENDING -> CONFIRMED | FAILED`,
 * `PENDING | CONFIRMED -> CANCELLED`; prices are copied from the catalogue at order time.
 * An idempotency key is unique per user.
 */
export class CreateOrders1764100000000 implements MigrationInterface {
  name = 'CreateOrders1764100000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE orders (
        id CHAR(36) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
        user_id BIGINT UNSIGNED NOT NULL,
        product_id VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
        quantity INT UNSIGNED NOT NULL,
        unit_price_cents BIGINT UNSIGNED NOT NULL,
        total_cents BIGINT UNSIGNED NOT NULL,
        status ENUM('PENDING', 'CONFIRMED', 'FAILED', 'CANCELLED') NOT NULL DEFAULT 'PENDING',
        failure_reason VARCHAR(64) NULL,
        idempotency_key VARCHAR(128) CHARACTER SET ascii COLLATE ascii_bin NULL,
        created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
        updated_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
        PRIMARY KEY (id),
        UNIQUE KEY uq_orders_user_idempotency_key (user_id, idempotency_key),
        KEY ix_orders_user_created (user_id, created_at, id),
        KEY ix_orders_status_created (status, created_at),
        CONSTRAINT ck_orders_quantity CHECK (quantity > 0)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci
    `);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE orders');
  }
}
