import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, IsArray, IsOptional, IsString, Matches, ValidateIf } from 'class-validator';

/** Order ids as order-service writes them (UUIDs); anything else cannot be in the ledger. */
const ORDER_ID_PATTERN = /^[A-Za-z0-9-]{1,64}$/;

/** The body of `POST /api/inventory-sync/snapshot`. */
export class ReconcileSnapshotDto {
  @ApiProperty({
    type: [String],
    description: 'Orders whose ledger rows are wanted (order-service sends them in chunks)',
    maxItems: 2_000,
  })
  @IsArray()
  @ArrayMaxSize(2_000)
  @IsString({ each: true })
  @Matches(ORDER_ID_PATTERN, { each: true, message: 'orderIds: invalid order id' })
  orderIds!: string[];

  @ApiPropertyOptional({
    type: String,
    nullable: true,
    example: '1024',
    description:
      "Also list the order ledger rows above this ledger id (with their orders' other rows)",
  })
  @IsOptional()
  @ValidateIf((_, value) => value !== null)
  @IsString()
  @Matches(/^[0-9]{1,20}$/, { message: 'since: a ledger id (decimal digits)' })
  since?: string | null;
}
