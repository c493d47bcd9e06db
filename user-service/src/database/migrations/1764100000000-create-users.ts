import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Users. The database, not a read-then-write check, enforces uniqueness, so a race of two
 * registrations ends in one row and one duplicate-key error (named by its index, which tells the
 * service which field was taken).
 *
 * `username` and `email` are ASCII with a case-insensitive collation: `Alice` and `alice` are the
 * same user, `A@x.io` and `a@x.io` the same address. ASCII-only (the API refuses anything else)
 * also keeps accent-folding collations from merging distinct addresses, and means the same on
 * MySQL 8 and MariaDB. The spelling given at registration is kept for display.
 */
export class CreateUsers1764100000000 implements MigrationInterface {
  name = 'CreateUsers1764100000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE users (
        id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
        username VARCHAR(32) CHARACTER SET ascii COLLATE ascii_general_ci NOT NULL,
        email VARCHAR(254) CHARACTER SET ascii COLLATE ascii_general_ci NOT NULL,
        password_hash VARCHAR(255) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
        role ENUM('user', 'admin') NOT NULL DEFAULT 'user',
        created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
        updated_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
        PRIMARY KEY (id),
        UNIQUE KEY uq_users_username (username),
        UNIQUE KEY uq_users_email (email)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci
    `);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE users');
  }
}
