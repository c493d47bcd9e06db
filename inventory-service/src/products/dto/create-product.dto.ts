import { ApiProperty, ApiPropertyOptional, IntersectionType } from '@nestjs/swagger';
import { IsProductId } from '@flash-sale/common';
import { PRODUCT_ID_PATTERN } from '@flash-sale/contracts';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
import type { NewProduct } from '../product.js';
import {
  canonicalProductFields,
  IsPriceCents,
  IsProductName,
  IsStockLevel,
  RequiredUnless,
  OriginalProductAliases,
} from './product-fields.js';
import { ProductLimits } from './product-limits.js';

/** Our fields of `POST /api/inventory`. */
class CreateProductFields {
  @ApiProperty({
    example: 'SKU-1',
    pattern: PRODUCT_ID_PATTERN.source,
    description:
      'A positive JSON integer (deprecated, the original API) is read as its decimal string',
  })
  @IsProductId()
  productId!: string;

  @ApiProperty({ example: 'Phone X1', minLength: 1, maxLength: ProductLimits.nameMaxLength })
  @RequiredUnless('productName')
  @IsProductName()
  name!: string;

  @ApiProperty({ example: 49_900, minimum: 0, maximum: ProductLimits.maxPriceCents })
  @RequiredUnless('price')
  @IsPriceCents()
  priceCents!: number;

  @ApiProperty({ example: 100, minimum: 0, maximum: ProductLimits.maxStock })
  @RequiredUnless('quantity')
  @IsStockLevel()
  stock!: number;

  @ApiPropertyOptional({
    example: 2,
    minimum: 1,
    maximum: ProductLimits.maxPerUser,
    nullable: true,
    description: 'The most one buyer may order across orders; absent or null for no cap.',
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(ProductLimits.maxPerUser)
  maxPerUser?: number | null;
}

/**
 * `POST /api/inventory`: our fields, then the original API's (deprecated aliases), so its body
 * `{productId: 6, productName, quantity, price: 199.99}` is accepted too.
 */
export class CreateProductDto extends IntersectionType(
  CreateProductFields,
  OriginalProductAliases,
) {}

/** The product to create, under our field names (validation guarantees each is there). */
export function newProductOf(body: CreateProductDto): NewProduct {
  const { name, priceCents, stock } = canonicalProductFields(body);
  return {
    productId: body.productId,
    name: name as string,
    priceCents: priceCents as number,
    stock: stock as number,
    maxPerUser: body.maxPerUser ?? null,
  };
}
