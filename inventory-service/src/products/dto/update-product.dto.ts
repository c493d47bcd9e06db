import { ApiPropertyOptional } from '@nestjs/swagger';
import {
  IsInt,
  IsOptional,
  IsString,
  Length,
  Matches,
  Max,
  Min,
  ValidateIf,
} from 'class-validator';
import { ProductLimits } from './product-limits.js';

/** Validates the field when it is present; `null` is not "absent" and is refused. */
const IfPresent = () => ValidateIf((_object: unknown, value: unknown) => value !== undefined);

/** `PUT /api/inventory/:productId`: any subset of the fields; absent ones stay as they are. */
export class UpdateProductDto {
  @ApiPropertyOptional({
    example: 'Phone X1',
    minLength: 1,
    maxLength: ProductLimits.nameMaxLength,
  })
  @IfPresent()
  @IsString()
  @Length(1, ProductLimits.nameMaxLength)
  @Matches(/\S/, { message: 'name must not be blank' })
  name?: string;

  @ApiPropertyOptional({ example: 44_900, minimum: 0, maximum: ProductLimits.maxPriceCents })
  @IfPresent()
  @IsInt()
  @Min(0)
  @Max(ProductLimits.maxPriceCents)
  priceCents?: number;

  @ApiPropertyOptional({
    example: 150,
    minimum: 0,
    maximum: ProductLimits.maxStock,
    description:
      'The new stock of record. Redis receives the difference, so orders in flight stay counted.',
  })
  @IfPresent()
  @IsInt()
  @Min(0)
  @Max(ProductLimits.maxStock)
  stock?: number;

  @ApiPropertyOptional({
    example: 2,
    minimum: 1,
    maximum: ProductLimits.maxPerUser,
    nullable: true,
    description: 'null removes the cap.',
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(ProductLimits.maxPerUser)
  maxPerUser?: number | null;
}
