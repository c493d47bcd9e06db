import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsDecimalPrice, IsProductId } from '@flash-sale/common';
import { PRODUCT_ID_PATTERN } from '@flash-sale/contracts';
import { IsInt, IsOptional, IsString, MaxLength, Min, ValidateBy } from 'class-validator';

let maxOrderQuantity = 10;

/** A client's (ignored) price is still refused when it is not a price at all. */
const MAX_IGNORED_PRICE_CENTS = 1_000_000_000_000;

/** Sets the largest quantity of one order (ORDER_MAX_QUANTITY), once at start-up. */
export function setMaxOrderQuantity(max: number): void {
  maxOrderQuantity = max;
}

/** quantity <= ORDER_MAX_QUANTITY, read when validating (decorators are evaluated at import). */
function IsWithinOrderMaximum(): PropertyDecorator {
  return ValidateBy({
    name: 'isWithinOrderMaximum',
    validator: {
      validate: (value: unknown) => typeof value !== 'number' || value <= maxOrderQuantity,
      defaultMessage: () => `quantity must not be greater than ${maxOrderQuantity}`,
    },
  });
}

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

  @ApiProperty({ example: 1, minimum: 1, description: 'At most ORDER_MAX_QUANTITY (10)' })
  @IsInt()
  @Min(1)
  @IsWithinOrderMaximum()
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
