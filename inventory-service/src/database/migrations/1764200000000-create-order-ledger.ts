import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What makes the stock of record auditable and the Kafka consumer idempotent:
 *
 * - `processed_orders`: one row per order id ever seen, with the recorded outcome. Its primary key
 *   is what guarantees "one deduction per order": a second transaction for the same order fails
 *   on it and rolls back its deduction. A restore marks the row (`restored_at`), so it is applied
 *   once; a restore that arrives before the request leaves a `CANCELLED` row, so the late request
 *   deducts nothing.
 * - `stock_movements`: the ledger. Every change of `products.stock` writes one row in the same
 *   transaction, so for every product `stock = SUM(delta)` (0 once deleted).
 * - `redis_outbox`: admin changes still to be applied to Redis (`stock:{id}` counter and the
 *   `product:{id}` catalogue hash), written in the transaction and applied after the commit, so a
 *   crash or a Redis outage in between delays the update instead of losing it.
 */
export class CreateOrderLedger1764200000000 implements MigrationInterface {
  name = 'CreateOrderLedger1764200000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE processed_orders (
        order_id CHAR(36) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
        product_id VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
        quantity INT UNSIGNED NOT NULL,
        outcome VARCHAR(16) CHARACTER SET ascii NOT NULL,
        reason VARCHAR(32) CHARACTER SET ascii NULL,
        processed_at DATETIME(3) NOT NULL,
        restored_at DATETIME(3) NULL,
        restored_quantity INT UNSIGNED NULL,
        PRIMARY KEY (order_id),
        KEY ix_processed_orders_product (product_id),
        CONSTRAINT ck_processed_orders_outcome
          CHECK (outcome IN ('DEDUCTED', 'REFUSED', 'CANCELLED')),
        CONSTRAINT ck_processed_orders_reason CHECK ((outcome = 'REFUSED') = (reason IS NOT NULL)),
        CONSTRAINT ck_processed_orders_restore
          CHECK ((restored_at IS NULL) = (restored_quantity IS NULL))
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci
    `);
    await queryRunner.query(`
      CREATE TABLE stock_movements (
        id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
        product_id VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
        kind VARCHAR(24) CHARACTER SET ascii NOT NULL,
        delta INT NOT NULL,
        order_id CHAR(36) CHARACTER SET ascii COLLATE ascii_bin NULL,
        actor_user_id VARCHAR(20) CHARACTER SET ascii NULL,
        created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
        PRIMARY KEY (id),
        KEY ix_stock_movements_product (product_id, id),
        UNIQUE KEY uq_stock_movements_order_kind (order_id, kind),
        CONSTRAINT ck_stock_movements_kind CHECK (kind IN
          ('PRODUCT_CREATED', 'ADMIN_ADJUSTMENT', 'PRODUCT_DELETED', 'ORDER_DEDUCTION', 'ORDER_RESTORATION')),
        CONSTRAINT ck_stock_movements_order
          CHECK ((order_id IS NOT NULL) = (kind IN ('ORDER_DEDUCTION', 'ORDER_RESTORATION')))
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci
    `);
    // Products created before the ledger existed open it with their current stock.
    await queryRunner.query(`
      INSERT INTO stock_movements (product_id, kind, delta)
      SELECT product_id, 'PRODUCT_CREATED', stock FROM products
    `);
    await queryRunner.query(`
      CREATE TABLE redis_outbox (
        id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
        product_id VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
        counter_op VARCHAR(16) CHARACTER SET ascii NOT NULL,
        counter_amount INT NULL,
        catalogue_op VARCHAR(8) CHARACTER SET ascii NOT NULL,
        name VARCHAR(200) NULL,
        price_cents BIGINT UNSIGNED NULL,
        max_per_user INT UNSIGNED NULL,
        created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
        PRIMARY KEY (id),
        CONSTRAINT ck_redis_outbox_counter_op
          CHECK (counter_op IN ('SET', 'SET_IF_MISSING', 'ADJUST', 'REMOVE', 'NONE')),
        CONSTRAINT ck_redis_outbox_catalogue_op CHECK (catalogue_op IN ('PUT', 'REMOVE'))
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci
    `);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE redis_outbox');
    await queryRunner.query('DROP TABLE stock_movements');
    await queryRunner.query('DROP TABLE processed_orders');
  }
}
