import { ApiProperty } from '@nestjs/swagger';
import type { InventorySaleFacts } from '@flash-sale/common';
import { StockMovementKind } from './stock-movement.js';

export class StockOfRecordResponse {
  @ApiProperty({ example: 3, description: 'The stock of record (MySQL).' })
  stock!: number;
}

export class LedgerEntryResponse {
  @ApiProperty({ enum: Object.values(StockMovementKind) })
  kind!: StockMovementKind;

  @ApiProperty({ example: -1, description: 'Units added (+) or taken (-).' })
  delta!: number;

  @ApiProperty({
    type: String,
    nullable: true,
    example: '0197a1c2-7d3e-7000-8000-000000000001',
    description: 'The order of an ORDER_DEDUCTION / ORDER_RESTORATION; null for admin changes.',
  })
  orderId!: string | null;
}

/** `GET /api/inventory/:productId/ledger`: inventory-service's half of a sale audit. */
export class StockLedgerResponse {
  @ApiProperty({ example: 'SKU-1' })
  productId!: string;

  @ApiProperty({
    type: StockOfRecordResponse,
    nullable: true,
    description: 'null when the product was deleted (its ledger stays).',
  })
  product!: StockOfRecordResponse | null;

  @ApiProperty({ type: [LedgerEntryResponse], description: 'Every stock movement, oldest first.' })
  ledger!: LedgerEntryResponse[];
}

export function toStockLedgerResponse(
  productId: string,
  facts: InventorySaleFacts,
): StockLedgerResponse {
  return {
    productId,
    product: facts.product,
    ledger: facts.ledger.map((e) => ({ kind: e.kind, delta: e.delta, orderId: e.orderId })),
  };
}
