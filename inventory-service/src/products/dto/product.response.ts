import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { Product } from '../product.js';

/** A product as the API shows it. */
export class ProductResponse {
  @ApiProperty({ example: 'SKU-1' })
  productId!: string;

  @ApiProperty({ example: 'Phone X1' })
  name!: string;

  @ApiProperty({ example: 49_900 })
  priceCents!: number;

  @ApiProperty({ example: 100, description: 'The stock of record (MySQL).' })
  stock!: number;

  @ApiPropertyOptional({ example: 2, description: 'Absent when there is no per-user cap.' })
  maxPerUser?: number;

  @ApiProperty({ example: '2026-01-01T12:00:00.000Z' })
  updatedAt!: string;
}

/** `POST /api/inventory/initialize`. */
export class InitializeCatalogueResponse {
  @ApiProperty({ type: [String], description: 'Products created by this call (none when re-run).' })
  created!: string[];

  @ApiProperty({ type: [ProductResponse], description: 'Every demo product as it is now.' })
  products!: ProductResponse[];
}

export function toProductResponse(product: Product): ProductResponse {
  return {
    productId: product.productId,
    name: product.name,
    priceCents: product.priceCents,
    stock: product.stock,
    ...(product.maxPerUser === null ? {} : { maxPerUser: product.maxPerUser }),
    updatedAt: product.updatedAt.toISOString(),
  };
}
