/**
 * Request bodies a careless or hostile client sends. Each must get a 4xx in the error shape, never
 * a 500 (the contract: "Never a 500 for bad input"). Raw JSON text, so each reaches the server as is.
 */
export const HOSTILE_BODIES: Array<[label: string, raw: string]> = [
  ['JSON null', 'null'],
  ['a JSON string', '"just a string"'],
  ['a JSON number', '12345'],
  ['an array of objects', '[{"a": 1}]'],
  ['an operator object in a field', '{"productId": {"$gt": ""}, "username": {"$ne": null}}'],
  ['a __proto__ key', '{"__proto__": {"role": "admin"}, "quantity": 1}'],
  ['a constructor.prototype key', '{"constructor": {"prototype": {"role": "admin"}}}'],
  ['a number beyond 2^53', '{"quantity": 9007199254740993, "password": 9007199254740993}'],
  ['a number overflowing a double', '{"quantity": 1e400, "priceCents": 1e400}'],
  ['deeply nested arrays', `{"quantity": ${'['.repeat(2_000)}${']'.repeat(2_000)}}`],
  ['a lone surrogate in a string', '{"productId": "\\ud800", "username": "\\ud800"}'],
  ['a NUL character in a string', '{"productId": "a\\u0000b", "username": "a\\u0000b"}'],
  ['an empty body', ''],
];
