import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsDecimalPrice, IsProductId } from '@flash-sale/common';
import { PRODUCT_ID_PATTERN } from '@flash-sale/contracts';
import { IsInt, IsOptional, IsString, MaxLength, Min } from 'class-validator';

/** A client's (ignored) price is still refused when it is not a price at all. */
const MAX_IGNORED_PRICE_CENTS = 1_000_000_000_000;

/**
 * `POST /api/orders`. The original API's body `{productId: 1, productName, price, quantity}` is
 * accepted too: `productName` and `price` are checked for shape and then ignored, since an order is
 * always charged the catalogue's price (the controller passes on productId and quantity only).
 */
export class CreateOrderDto {
  @ApiProperty({
    example: 'SKU-1',
    description: '1-64 of A-Z a-z 0-9 _ -; a positive JSON integer is read as its decimal string',
    pattern: PRODUCT_ID_PATTERN.source,
  })
  @IsProductId()
  productId!: string;

  @ApiProperty({
    example: 1,
    minimum: 1,
    description: 'At most ORDER_MAX_QUANTITY (10; checked by OrderQuantityLimitPipe)',
  })
  @IsInt()
  @Min(1)
  quantity!: number;

  @ApiPropertyOptional({
    example: 'iPhone 15',
    deprecated: true,
    description: 'Original API: accepted and ignored (the catalogue names the product)',
  })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  productName?: string;

  @ApiPropertyOptional({
    example: 999.99,
    deprecated: true,
    description: 'Original API: accepted and ignored; the catalogue price is charged',
  })
  @IsOptional()
  @IsDecimalPrice(MAX_IGNORED_PRICE_CENTS)
  price?: number;
}
