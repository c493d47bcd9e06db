import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `stock_seq`: the product's Redis reservation sequence the order's reservation got (NULL for
 * rows written before it existed, and for abandoned reservations recorded by the sweeper). The
 * highest value per product is MySQL's proof of how far Redis had gone: a Redis holding less came
 * back from an older snapshot and is not sold from (see order-service's stock/ reconciler). The
 * index makes "highest per product" one index dive per product.
 */
export class AddOrderStockSeq1764300000000 implements MigrationInterface {
  name = 'AddOrderStockSeq1764300000000';

  async up(queryRunner: QueryRunner): Promise<void> {
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
