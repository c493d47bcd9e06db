import { DomainError } from '@flash-sale/common';
import { ErrorCode } from '@flash-sale/contracts';

/** 404 PRODUCT_NOT_FOUND. */
export function productNotFound(productId: string): DomainError {
  return new DomainError(ErrorCode.ProductNotFound, `Product ${productId} does not exist`);
}

/** 409 PRODUCT_EXISTS. */
export function productExists(productId: string): DomainError {
  return new DomainError(ErrorCode.ProductExists, `Product ${productId} already exists`);
}
