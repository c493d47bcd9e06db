import { applyDecorators } from '@nestjs/common';
import { PRODUCT_ID_PATTERN, priceToCents, productIdFromJson } from '@flash-sale/contracts';
import { Transform } from 'class-transformer';
import { ValidateBy, type ValidationArguments } from 'class-validator';

/**
 * A product id: 1-64 characters of `A-Z a-z 0-9 _ -`, or (the original API's shape) a positive
 * safe JSON integer, read as its decimal string before validation. A zero, negative, fractional
 * or unsafe number is refused with the field named.
 */
export function IsProductId(): PropertyDecorator {
  return applyDecorators(
    Transform(({ value }: { value: unknown }) => productIdFromJson(value)),
    ValidateBy({
      name: 'isProductId',
      validator: {
        validate: (value: unknown) => typeof value === 'string' && PRODUCT_ID_PATTERN.test(value),
        defaultMessage: (args?: ValidationArguments) =>
          typeof args?.value === 'number'
            ? `${args.property} as a number must be a positive whole number below 2^53`
            : `${args?.property ?? 'productId'} must be 1-64 characters of A-Z a-z 0-9 _ -`,
      },
    }),
  );
}

/**
 * A decimal price of the original API (`199.99`): a JSON number, at least 0, at most two
 * decimals, at most `maxCents` once in cents. Read with {@link priceToCents}, never through float
 * arithmetic.
 */
export function IsDecimalPrice(maxCents: number): PropertyDecorator {
  return ValidateBy({
    name: 'isDecimalPrice',
    constraints: [maxCents],
    validator: {
      validate: (value: unknown) => {
        const cents = priceToCents(value);
        return cents !== undefined && cents <= maxCents;
      },
      defaultMessage: (args?: ValidationArguments) =>
        `${args?.property ?? 'price'} must be a number from 0 to ${maxCents / 100} with at most two decimals`,
    },
  });
}

/** Refuses the property when `other` is given too (an alias and the field it stands for). */
export function NotTogetherWith(other: string): PropertyDecorator {
  return ValidateBy({
    name: 'notTogetherWith',
    constraints: [other],
    validator: {
      validate: (_value: unknown, args?: ValidationArguments) =>
        (args?.object as Record<string, unknown> | undefined)?.[other] === undefined,
      defaultMessage: (args?: ValidationArguments) =>
        `send either ${other} or ${args?.property ?? 'this field'}, not both`,
    },
  });
}
