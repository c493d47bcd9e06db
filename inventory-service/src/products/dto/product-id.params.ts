import { ApiProperty } from '@nestjs/swagger';
import { PRODUCT_ID_PATTERN } from '@flash-sale/contracts';
import { IsString, Matches } from 'class-validator';
import { PRODUCT_ID_MESSAGE } from './product-limits.js';

/** The `:productId` route parameter. */
export class ProductIdParams {
  @ApiProperty({ example: 'SKU-1', pattern: PRODUCT_ID_PATTERN.source })
  @IsString()
  @Matches(PRODUCT_ID_PATTERN, { message: PRODUCT_ID_MESSAGE })
  productId!: string;
}
