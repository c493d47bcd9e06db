import { ApiProperty } from '@nestjs/swagger';
import type { BreachCode } from '@flash-sale/common';
import type { AuditedSale } from './sale-audit.service.js';

const BREACH_CODES: BreachCode[] = [
  'OVERSOLD',
  'CONFIRMED_WITHOUT_DEDUCTION',
  'DEDUCTION_MISMATCH',
  'CONFIRMED_RESTORED',
  'CANCELLED_NOT_RESTORED',
  'RESTORE_WITHOUT_DEDUCTION',
  'FAILED_BUT_DEDUCTED',
  'UNKNOWN_ORDER_IN_LEDGER',
  'STOCK_NOT_LEDGER',
  'NEGATIVE_STOCK',
  'REDIS_DISAGREES',
  'NOT_QUIET',
];

export class BreachResponse {
  @ApiProperty({ enum: BREACH_CODES })
  code!: BreachCode;

  @ApiProperty({ example: 'CONFIRMED orders with no deduction in the ledger: 0197a1c2-…' })
  message!: string;

  @ApiProperty({ description: 'May clear once the sale is quiet: ask again.' })
  transient!: boolean;
}

export class AuditedStockResponse {
  @ApiProperty({ description: 'PRODUCT_CREATED units' })
  initial!: number;
  @ApiProperty({ description: 'Admin adjustments upwards' })
  restocks!: number;
  @ApiProperty({ description: 'Admin adjustments downwards, as a positive number' })
  reductions!: number;
  @ApiProperty({ description: 'ORDER_DEDUCTION units' })
  deductions!: number;
  @ApiProperty({ description: 'ORDER_RESTORATION units' })
  restores!: number;
  @ApiProperty({ description: 'Units removed with the product' })
  deleted!: number;
  @ApiProperty({
    description: 'initial + restocks - reductions - deductions + restores - deleted',
  })
  expected!: number;
  @ApiProperty({ type: Number, nullable: true, description: 'MySQL stock; null once deleted' })
  actual!: number | null;
  @ApiProperty({ description: 'initial + restocks: every unit ever put on sale' })
  everAdded!: number;
  @ApiProperty()
  confirmedUnits!: number;
  @ApiProperty({ type: Number, nullable: true, description: 'The Redis counter; null if missing' })
  redis!: number | null;
}

export class StatusCountResponse {
  @ApiProperty()
  orders!: number;
  @ApiProperty()
  units!: number;
}

export class OrdersByStatusResponse {
  @ApiProperty({ type: StatusCountResponse })
  PENDING!: StatusCountResponse;
  @ApiProperty({ type: StatusCountResponse })
  CONFIRMED!: StatusCountResponse;
  @ApiProperty({ type: StatusCountResponse })
  FAILED!: StatusCountResponse;
  @ApiProperty({ type: StatusCountResponse })
  CANCELLED!: StatusCountResponse;
}

export class AuditedOrdersResponse {
  @ApiProperty({ description: 'Stored orders (each was answered 201)' })
  accepted!: number;
  @ApiProperty({ type: OrdersByStatusResponse })
  byStatus!: OrdersByStatusResponse;
  @ApiProperty({ type: String, nullable: true, example: '2026-01-01T10:00:00.000Z' })
  firstOrderAt!: string | null;
  @ApiProperty({ type: String, nullable: true, example: '2026-01-01T10:00:01.250Z' })
  lastConfirmedOrderAt!: string | null;
  @ApiProperty()
  soldOut!: boolean;
}

export class OrdersPerUserResponse {
  @ApiProperty({ description: 'Orders per buyer' })
  orders!: number;
  @ApiProperty({ description: 'Buyers who placed that many' })
  users!: number;
}

export class AuditedBuyersResponse {
  @ApiProperty()
  users!: number;
  @ApiProperty()
  maxOrders!: number;
  @ApiProperty({ type: [OrdersPerUserResponse] })
  distribution!: OrdersPerUserResponse[];
}

/**
 * `GET /api/stock/:productId/audit`. A breach is a finding, not a failed request: it answers 200
 * with `ok: false` and the breaches.
 */
export class SaleAuditResponse {
  @ApiProperty({ example: 'SKU-1' })
  productId!: string;

  @ApiProperty({ description: 'true when every invariant holds (no breach, transient or not)' })
  ok!: boolean;

  @ApiProperty({ description: 'No PENDING order, no give-back or restore still due' })
  quiet!: boolean;

  @ApiProperty({ type: [BreachResponse] })
  breaches!: BreachResponse[];

  @ApiProperty({ type: AuditedStockResponse, description: 'The stock equation and its terms' })
  stock!: AuditedStockResponse;

  @ApiProperty({ type: AuditedOrdersResponse })
  orders!: AuditedOrdersResponse;

  @ApiProperty({ type: AuditedBuyersResponse })
  perUser!: AuditedBuyersResponse;

  @ApiProperty({ description: 'The one-page plain-text report of `npm run audit`' })
  report!: string;
}

export function toSaleAuditResponse({ audit, report }: AuditedSale): SaleAuditResponse {
  return {
    ...audit,
    orders: {
      ...audit.orders,
      firstOrderAt: audit.orders.firstOrderAt?.toISOString() ?? null,
      lastConfirmedOrderAt: audit.orders.lastConfirmedOrderAt?.toISOString() ?? null,
    },
    report,
  };
}
