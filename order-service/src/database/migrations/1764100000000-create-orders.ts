import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Orders, which are also the outbox of the order pipeline.
 *
 * - `status` holds the state machine `PENDING -> CONFIRMED | FAILED`, `PENDING | CONFIRMED ->
 *   CANCELLED`; prices are copied from the catalogue at order time.
 * - `next_publish_at` / `publish_attempts`: a PENDING row is (re)published as an
 *   `inventory-request` by the relay once `next_publish_at` has passed (inventory is idempotent
 *   per order id, so a repeat is harmless). The hot path publishes right after the insert and the
 *   row is inserted with `next_publish_at` a few seconds ahead, so the relay only picks up orders
 *   whose first publish was lost (crash, Kafka down) or that stay unanswered.
 * - `stock_release`: `DUE` when the order's Redis units must go back (FAILED, CANCELLED, abandoned
 *   reservation), `DONE` once they did. The give-back itself is once-only in Redis; the column makes
 *   sure it is retried after a crash.
 * - `restore`: `DUE` when inventory-service must put the units back in MySQL (a cancelled order
 *   whose deduction succeeded), `SENT` once the `inventory-restore` message is published.
 * - An idempotency key is unique per user.
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
        failure_reason VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NULL,
        idempotency_key VARCHAR(128) CHARACTER SET ascii COLLATE ascii_bin NULL,
        request_id VARCHAR(128) CHARACTER SET ascii COLLATE ascii_bin NULL,
        next_publish_at DATETIME(3) NULL,
        publish_attempts INT UNSIGNED NOT NULL DEFAULT 0,
        stock_release ENUM('DUE', 'DONE') NULL,
        restore ENUM('DUE', 'SENT') NULL,
        created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
        updated_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
        PRIMARY KEY (id),
        UNIQUE KEY uq_orders_user_idempotency_key (user_id, idempotency_key),
        KEY ix_orders_user_created (user_id, created_at, id),
        KEY ix_orders_status_publish (status, next_publish_at),
        KEY ix_orders_product_status (product_id, status),
        KEY ix_orders_product_updated (product_id, updated_at),
        KEY ix_orders_stock_release (stock_release),
        KEY ix_orders_restore (restore),
        CONSTRAINT ck_orders_quantity CHECK (quantity > 0)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci
    `);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE orders');
  }
}
