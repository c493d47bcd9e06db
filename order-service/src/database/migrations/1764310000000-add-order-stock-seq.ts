import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `stock_seq`: the product's Redis reservation sequence the order's reservation got (NULL for
 * rows written before it existed, and for abandoned reservations recorded by the sweeper). The
 * highest value per product is MySQL's proof of how far Redis had gone: a Redis holding less came
 * back from an older snapshot and is not sold from (see order-service's stock/ reconciler). The
 * index makes "highest per product" one index dive per product.
 */
export class AddOrderStockSeq1764310000000 implements MigrationInterface {
  name = 'AddOrderStockSeq1764310000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    // Portable "IF NOT EXISTS" (MySQL 8 has none for columns): a database that ran this change
    // under an earlier name keeps its column.
    const [{ n }] = (await queryRunner.query(
      `SELECT COUNT(*) AS n FROM information_schema.COLUMNS
        WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'orders' AND COLUMN_NAME = 'stock_seq'`,
    )) as [{ n: number | string }];
    if (Number(n) > 0) return;
    await queryRunner.query(`
      ALTER TABLE orders
        ADD COLUMN stock_seq BIGINT UNSIGNED NULL,
        ADD KEY ix_orders_product_stock_seq (product_id, stock_seq)
    `);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      'ALTER TABLE orders DROP KEY ix_orders_product_stock_seq, DROP COLUMN stock_seq',
    );
  }
}
