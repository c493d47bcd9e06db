import { MAX_JSON_DEPTH, nestsDeeperThan } from './json-body-parser.js';

function nested(depth: number): unknown {
  let value: unknown = 1;
  for (let i = 0; i < depth; i++) value = i % 2 === 0 ? [value] : { inner: value };
  return value;
}

describe(nestsDeeperThan.name, () => {
  it('accepts bodies up to the limit, scalars and empty containers', () => {
    expect(nestsDeeperThan(nested(MAX_JSON_DEPTH), MAX_JSON_DEPTH)).toBe(false);
    expect(nestsDeeperThan({ productId: 'SKU-1', quantity: 2 }, MAX_JSON_DEPTH)).toBe(false);
    expect(nestsDeeperThan('text', 1)).toBe(false);
    expect(nestsDeeperThan(null, 1)).toBe(false);
    expect(nestsDeeperThan([], 1)).toBe(false);
  });

  it('refuses one level more, and depths that would overflow a recursive walk', () => {
    expect(nestsDeeperThan(nested(MAX_JSON_DEPTH + 1), MAX_JSON_DEPTH)).toBe(true);
    expect(nestsDeeperThan(nested(200_000), MAX_JSON_DEPTH)).toBe(true);
  });
});
