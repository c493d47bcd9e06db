import { ApiProperty } from '@nestjs/swagger';
import { PRODUCT_ID_PATTERN } from '@flash-sale/contracts';
import { Matches } from 'class-validator';

export class SaleQuery {
  @ApiProperty({ example: 'SKU-1', pattern: PRODUCT_ID_PATTERN.source })
  @Matches(PRODUCT_ID_PATTERN, { message: 'productId must be 1-64 characters of A-Z a-z 0-9 _ -' })
  productId!: string;
}
