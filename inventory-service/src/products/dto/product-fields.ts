import { applyDecorators } from '@nestjs/common';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsDecimalPrice, NotTogetherWith } from '@flash-sale/common';
import { priceToCents } from '@flash-sale/contracts';
import { IsInt, IsString, Length, Matches, Max, Min, ValidateIf } from 'class-validator';
import { ProductLimits } from './product-limits.js';

/** A product name: 1-200 characters, not blank. */
export const IsProductName = () =>
  applyDecorators(
    IsString(),
    Length(1, ProductLimits.nameMaxLength),
    Matches(/\S/, { message: '$property must not be blank' }),
  );

/** A stock level of record. */
export const IsStockLevel = () => applyDecorators(IsInt(), Min(0), Max(ProductLimits.maxStock));

/** A price in integer cents. */
export const IsPriceCents = () =>
  applyDecorators(IsInt(), Min(0), Max(ProductLimits.maxPriceCents));

/** Validates the field when it is present; `null` is not "absent" and is refused. */
export const IfPresent = () =>
  ValidateIf((_object: unknown, value: unknown) => value !== undefined);

/** Validates the field unless it is absent and its deprecated `alias` stands in for it. */
export const RequiredUnless = (alias: keyof OriginalProductFields) =>
  ValidateIf(
    (object: Record<string, unknown>, value: unknown) =>
      value !== undefined || object[alias] === undefined,
  );

/**
 * The original API's names of product fields, accepted beside ours and shown as deprecated in the
 * OpenAPI document. Each one is refused together with the field it stands for.
 */
export interface OriginalProductFields {
  /** `name`. */
  productName?: string;
  /** `stock`. */
  quantity?: number;
  /** `priceCents`, as a decimal amount (`199.99`). */
  price?: number;
}

const alias = (of: string, example: number | string, description = '') =>
  ApiPropertyOptional({
    example,
    deprecated: true,
    description: `Original API: the same as \`${of}\`${description}. Not together with \`${of}\`.`,
  });

/** `productName`: the original API's `name`. */
export const ProductNameAlias = () =>
  applyDecorators(
    alias('name', 'New Product'),
    IfPresent(),
    IsProductName(),
    NotTogetherWith('name'),
  );

/** `quantity`: the original API's `stock`. */
export const StockAlias = () =>
  applyDecorators(alias('stock', 100), IfPresent(), IsStockLevel(), NotTogetherWith('stock'));

/** `price`: the original API's decimal price, read exactly as `priceCents`. */
export const PriceAlias = () =>
  applyDecorators(
    alias('priceCents', 199.99, ' in units with at most two decimals (199.99 is 19999 cents)'),
    IfPresent(),
    IsDecimalPrice(ProductLimits.maxPriceCents),
    NotTogetherWith('priceCents'),
  );

/**
 * The three aliases as DTO fields, mixed into the create and update DTOs after their own fields
 * (`IntersectionType(Ours, OriginalProductAliases)`), so the OpenAPI document lists ours first.
 */
export class OriginalProductAliases implements OriginalProductFields {
  @ProductNameAlias()
  productName?: string;

  @StockAlias()
  quantity?: number;

  @PriceAlias()
  price?: number;
}

/** Our names of the fields the original API spells differently. */
interface ProductFields {
  name?: string;
  priceCents?: number;
  stock?: number;
}

/**
 * A validated body's fields under our names: an alias, when sent, is read as the field it stands
 * for (validation has already refused both together and a price it cannot read exactly).
 */
export function canonicalProductFields(body: ProductFields & OriginalProductFields): ProductFields {
  return {
    name: body.name ?? body.productName,
    priceCents:
      body.priceCents ?? (body.price === undefined ? undefined : priceToCents(body.price)),
    stock: body.stock ?? body.quantity,
  };
}
