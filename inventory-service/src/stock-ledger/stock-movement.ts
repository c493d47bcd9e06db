import type { Sql } from '../database/transaction.js';

/** Why the stock of record changed. Each kind's delta sign is fixed, see the comments. */
export const StockMovementKind = {
  /** A product was created with its opening stock (>= 0). */
  ProductCreated: 'PRODUCT_CREATED',
  /** An admin set a new stock (either sign). */
  AdminAdjustment: 'ADMIN_ADJUSTMENT',
  /** A product was deleted: its remaining stock leaves the ledger (<= 0). */
  ProductDeleted: 'PRODUCT_DELETED',
  /** An order's deduction (< 0). */
  OrderDeduction: 'ORDER_DEDUCTION',
  /** A cancelled order's units came back (> 0). */
  OrderRestoration: 'ORDER_RESTORATION',
} as const;
export type StockMovementKind = (typeof StockMovementKind)[keyof typeof StockMovementKind];

/** One ledger row: for every product, `stock = SUM(delta)` over its movements. */
export interface StockMovement {
  productId: string;
  kind: StockMovementKind;
  delta: number;
  /** Set for order movements, null for admin ones. */
  orderId: string | null;
  /** The admin who made the change (the token's `sub`), null for order movements. */
  actorUserId: string | null;
}

/** Appends ledger rows in one statement, inside the caller's transaction. */
export async function insertStockMovements(sql: Sql, movements: StockMovement[]): Promise<void> {
  if (movements.length === 0) return;
  await sql.query(
    'INSERT INTO stock_movements (product_id, kind, delta, order_id, actor_user_id) VALUES ?',
    [movements.map((m) => [m.productId, m.kind, m.delta, m.orderId, m.actorUserId])],
  );
}
