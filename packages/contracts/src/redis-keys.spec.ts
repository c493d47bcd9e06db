import { RedisKeys } from './redis-keys.js';

describe('RedisKeys', () => {
  it('puts every key of a product in the same hash tag', () => {
    expect(RedisKeys.stock('SKU-1')).toBe('stock:{SKU-1}');
    expect(RedisKeys.product('SKU-1')).toBe('product:{SKU-1}');
  });
});
