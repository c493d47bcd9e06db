import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { IsDecimalPrice, IsProductId, NotTogetherWith } from './field-validators.js';

class Sample {
  @IsProductId()
  productId!: string;

  @IsDecimalPrice(100_000)
  price!: number;

  @NotTogetherWith('productId')
  alias?: string;
}

function check(plain: Record<string, unknown>): { value: Sample; errors: string[] } {
  const value = plainToInstance(Sample, plain);
  const errors = validateSync(value, { skipMissingProperties: false }).flatMap((e) =>
    e.property === 'alias' && plain.alias === undefined ? [] : Object.values(e.constraints ?? {}),
  );
  return { value, errors };
}

describe('field validators', () => {
  describe(IsProductId.name, () => {
    it('accepts a product id string and a positive JSON integer as its decimal string', () => {
      expect(check({ productId: 'SKU-1', price: 1 })).toEqual({
        value: expect.objectContaining({ productId: 'SKU-1' }),
        errors: [],
      });
      expect(check({ productId: 7, price: 1 }).value.productId).toBe('7');
      expect(check({ productId: 7, price: 1 }).errors).toEqual([]);
    });

    it.each([0, -5, 1.5, 2 ** 53])('refuses the number %p with a clear message', (productId) => {
      expect(check({ productId, price: 1 }).errors).toEqual([
        'productId as a number must be a positive whole number below 2^53',
      ]);
    });

    it.each(['', 'a/b', true, null])('refuses %p', (productId) => {
      expect(check({ productId, price: 1 }).errors).toEqual([
        'productId must be 1-64 characters of A-Z a-z 0-9 _ -',
      ]);
    });
  });

  describe(IsDecimalPrice.name, () => {
    it('accepts up to two decimals within the cap', () => {
      expect(check({ productId: 'a', price: 199.99 }).errors).toEqual([]);
      expect(check({ productId: 'a', price: 1000 }).errors).toEqual([]);
    });

    it.each([199.999, -1, 1000.01, '10', null])('refuses %p', (price) => {
      expect(check({ productId: 'a', price }).errors).toEqual([
        'price must be a number from 0 to 1000 with at most two decimals',
      ]);
    });
  });

  describe(NotTogetherWith.name, () => {
    it('refuses the alias beside the field it stands for', () => {
      expect(check({ productId: 'a', price: 1, alias: 'x' }).errors).toEqual([
        'send either productId or alias, not both',
      ]);
    });
  });
});
