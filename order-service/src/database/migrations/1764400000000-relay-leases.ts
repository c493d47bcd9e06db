import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Leases of the outbox relay, so that N order-service instances share the backlog instead of each
 * republishing all of it:
 *
 * - `relay_owner`: the relay instance that claimed the row (host, pid and a random part), NULL
 *   when nobody holds it.
 * - `relay_lease_until`: until when the claim holds. A relay claims due rows with
 *   `SELECT … FOR UPDATE SKIP LOCKED` and stamps both columns in the same short transaction; other
 *   relays skip rows whose lease has not expired. The owner clears both once it has done the work
 *   (publish, give-back, restore); if it dies instead, the row is taken over once the lease expires.
 *
 * No index: the relay finds due rows through the existing indexes (status + next_publish_at,
 * stock_release, restore) and checks the lease on those few rows.
 */
export class RelayLeases1764400000000 implements MigrationInterface {
  name = 'RelayLeases1764400000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE orders
        ADD COLUMN relay_owner VARCHAR(100) CHARACTER SET ascii COLLATE ascii_bin NULL,
        ADD COLUMN relay_lease_until DATETIME(3) NULL
    `);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      'ALTER TABLE orders DROP COLUMN relay_lease_until, DROP COLUMN relay_owner',
    );
  }
}
