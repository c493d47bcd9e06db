import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Restores are confirmed by inventory-service (`inventory-restore-response`) instead of being done
 * once the producer acks:
 *
 * - `restore` gains `DONE`: `DUE` (to send) -> `SENT` (published, not yet answered; resent at
 *   `next_restore_at`) -> `DONE` (inventory answered: restored, or nothing to give back).
 * - `next_restore_at` / `restore_attempts`: when a `SENT` restore is resent, backing off like
 *   unanswered requests. A `SENT` row without `next_restore_at` (sent by an earlier version, which
 *   never heard back) is resent at once; inventory-service applies a restore once per order, so a
 *   resend only fetches the answer.
 * - Orders cancelled while PENDING by an earlier version have `restore` NULL until their success
 *   answer arrives; if it never does, they never got a restore. They become `DUE` here: a restore
 *   is now sent for every cancelled order, and inventory-service, which knows whether it deducted,
 *   gives back or answers that there was nothing to give back.
 */
export class ConfirmedRestores1764300000000 implements MigrationInterface {
  name = 'ConfirmedRestores1764300000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE orders
        MODIFY restore ENUM('DUE', 'SENT', 'DONE') NULL,
        ADD COLUMN next_restore_at DATETIME(3) NULL,
        ADD COLUMN restore_attempts INT UNSIGNED NOT NULL DEFAULT 0
    `);
    await queryRunner.query(
      "UPDATE orders SET restore = 'DUE' WHERE status = 'CANCELLED' AND restore IS NULL",
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query("UPDATE orders SET restore = 'SENT' WHERE restore = 'DONE'");
    await queryRunner.query(`
      ALTER TABLE orders
        DROP COLUMN restore_attempts,
        DROP COLUMN next_restore_at,
        MODIFY restore ENUM('DUE', 'SENT') NULL
    `);
  }
}
