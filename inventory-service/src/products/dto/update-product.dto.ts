import { ApiPropertyOptional, IntersectionType } from '@nestjs/swagger';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
import type { ProductChanges } from '../product.js';
import {
  canonicalProductFields,
  IfPresent,
  IsPriceCents,
  IsProductName,
  IsStockLevel,
  OriginalProductAliases,
} from './product-fields.js';
import { ProductLimits } from './product-limits.js';

/** Our fields of `PUT /api/inventory/:productId`: any subset; absent ones stay as they are. */
class UpdateProductFields {
  @ApiPropertyOptional({
    example: 'Phone X1',
    minLength: 1,
    maxLength: ProductLimits.nameMaxLength,
  })
  @IfPresent()
  @IsProductName()
  name?: string;

  @ApiPropertyOptional({ example: 44_900, minimum: 0, maximum: ProductLimits.maxPriceCents })
  @IfPresent()
  @IsPriceCents()
  priceCents?: number;

  @ApiPropertyOptional({
    example: 150,
    minimum: 0,
    maximum: ProductLimits.maxStock,
    description:
      'The new stock of record. Redis receives the difference, so orders in flight stay counted.',
  })
  @IfPresent()
  @IsStockLevel()
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

/**
 * `PUT /api/inventory/:productId`: our fields, then the original API's (deprecated aliases), so
 * its body `{quantity: 150, price: 249.99}` is accepted too.
 */
export class UpdateProductDto extends IntersectionType(
  UpdateProductFields,
  OriginalProductAliases,
) {}

/** The changes asked for, under our field names. */
export function productChangesOf(body: UpdateProductDto): ProductChanges {
  return { ...canonicalProductFields(body), maxPerUser: body.maxPerUser };
}
