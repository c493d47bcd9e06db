import { ApiProperty } from '@nestjs/swagger';
import { PRODUCT_ID_PATTERN } from '@flash-sale/contracts';
import { Transform } from 'class-transformer';
import { IsInt, IsString, Matches, Min, ValidateBy } from 'class-validator';

let maxOrderQuantity = 10;

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

export class CreateOrderDto {
  @ApiProperty({
    example: 'SKU-1',
    description: '1-64 of A-Z a-z 0-9 _ -; a positive JSON integer is read as its decimal string',
    pattern: PRODUCT_ID_PATTERN.source,
  })
  @Transform(({ value }: { value: unknown }) =>
    typeof value === 'number' && Number.isSafeInteger(value) && value > 0 ? String(value) : value,
  )
  @IsString()
  @Matches(PRODUCT_ID_PATTERN, { message: 'productId must be 1-64 characters of A-Z a-z 0-9 _ -' })
  productId!: string;

  @ApiProperty({ example: 1, minimum: 1, description: 'At most ORDER_MAX_QUANTITY (10)' })
  @IsInt()
  @Min(1)
  @IsWithinOrderMaximum()
  quantity!: number;
}
