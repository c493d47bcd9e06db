import { priceToCents, productIdFromJson } from './original-api.js';

describe('productIdFromJson', () => {
  it('reads a positive safe JSON integer as its decimal string', () => {
    expect(productIdFromJson(1)).toBe('1');
    expect(productIdFromJson(42)).toBe('42');
    expect(productIdFromJson(Number.MAX_SAFE_INTEGER)).toBe('9007199254740991');
  });

  it('leaves everything else for the validators to refuse or accept', () => {
    for (const value of [
      0,
      -5,
      1.5,
      2 ** 53,
      Number.NaN,
      Infinity,
      true,
      null,
      undefined,
      'SKU-1',
    ]) {
      expect(productIdFromJson(value)).toBe(value);
    }
  });
});

describe('priceToCents', () => {
  it.each([
    [199.99, 19_999],
    [249.99, 24_999],
    [999.99, 99_999],
    [1.15, 115],
    [0.1, 10],
    [0.07, 7],
    [100, 10_000],
    [0, 0],
    [4.35, 435],
    [9_999_999_999_999.99, 999_999_999_999_999],
  ])('converts %p exactly to %p cents', (price, cents) => {
    expect(priceToCents(price)).toBe(cents);
  });

  it('converts every two-decimal price of a range exactly (no float arithmetic)', () => {
    for (let cents = 0; cents < 200_000; cents += 7) {
      const literal = `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}`;
      expect(priceToCents(JSON.parse(literal))).toBe(cents);
    }
  });

  it.each([
    ['three decimals', 199.999],
    ['a digit beyond a double', 0.30000000000000004],
    ['a negative price', -1],
    ['a tiny exponent form', 1e-7],
    ['a huge exponent form', 1e21],
    ['more than 13 whole digits', 12_345_678_901_234],
    ['NaN', Number.NaN],
    ['Infinity', Infinity],
    ['a string', '199.99'],
    ['null', null],
  ])('refuses %s', (_label, price) => {
    expect(priceToCents(price)).toBeUndefined();
  });
});
