import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
import type { ProductChanges } from '../product.js';
import {
  canonicalProductFields,
  IfPresent,
  IsPriceCents,
  IsProductName,
  IsStockLevel,
  PriceAlias,
  ProductNameAlias,
  StockAlias,
  type OriginalProductFields,
} from './product-fields.js';
import { ProductLimits } from './product-limits.js';

/**
 * `PUT /api/inventory/:productId`: any subset of the fields; absent ones stay as they are. The
 * original API's `{quantity, price, productName}` are accepted as deprecated aliases.
 */
export class UpdateProductDto implements OriginalProductFields {
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

  @ProductNameAlias()
  productName?: string;

  @StockAlias()
  quantity?: number;

  @PriceAlias()
  price?: number;
}

/** The changes asked for, under our field names. */
export function productChangesOf(body: UpdateProductDto): ProductChanges {
  return { ...canonicalProductFields(body), maxPerUser: body.maxPerUser };
}
