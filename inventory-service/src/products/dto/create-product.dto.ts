import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { PRODUCT_ID_PATTERN } from '@flash-sale/contracts';
import { IsInt, IsOptional, IsString, Length, Matches, Max, Min } from 'class-validator';
import { PRODUCT_ID_MESSAGE, ProductLimits } from './product-limits.js';

/** `POST /api/inventory`. */
export class CreateProductDto {
  @ApiProperty({ example: 'SKU-1', pattern: PRODUCT_ID_PATTERN.source })
  @IsString()
  @Matches(PRODUCT_ID_PATTERN, { message: PRODUCT_ID_MESSAGE })
  productId!: string;

  @ApiProperty({ example: 'Phone X1', minLength: 1, maxLength: ProductLimits.nameMaxLength })
  @IsString()
  @Length(1, ProductLimits.nameMaxLength)
  @Matches(/\S/, { message: 'name must not be blank' })
  name!: string;

  @ApiProperty({ example: 49_900, minimum: 0, maximum: ProductLimits.maxPriceCents })
  @IsInt()
  @Min(0)
  @Max(ProductLimits.maxPriceCents)
  priceCents!: number;

  @ApiProperty({ example: 100, minimum: 0, maximum: ProductLimits.maxStock })
  @IsInt()
  @Min(0)
  @Max(ProductLimits.maxStock)
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
