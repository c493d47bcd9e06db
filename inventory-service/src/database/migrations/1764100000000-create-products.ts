import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Products: the stock of record. The CHECK is the last line of defence against overselling;
 * deductions are conditional updates (`... WHERE stock >= q`) long before it could fire.
 */
export class CreateProducts1764100000000 implements MigrationInterface {
  name = 'CreateProducts1764100000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE products (
        product_id VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
        name VARCHAR(200) NOT NULL,
        price_cents BIGINT UNSIGNED NOT NULL,
        stock INT NOT NULL,
        max_per_user INT UNSIGNED NULL,
        created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
        updated_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
        PRIMARY KEY (product_id),
        CONSTRAINT ck_products_stock_not_negative CHECK (stock >= 0)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci
    `);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE products');
  }
}
