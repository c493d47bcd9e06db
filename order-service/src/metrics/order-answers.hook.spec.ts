import { describe, expect, it } from '@jest/globals';
import { placementResultOf } from './order-answers.hook.js';
import { PlacementResult } from './order-metrics.js';

const error = (code: string) => JSON.stringify({ statusCode: 409, code });

describe(placementResultOf.name, () => {
  it.each([
    [201, '{}', PlacementResult.Accepted],
    [409, error('OUT_OF_STOCK'), PlacementResult.OutOfStock],
    [409, error('PURCHASE_LIMIT_EXCEEDED'), PlacementResult.Limit],
    [429, error('TOO_MANY_REQUESTS'), PlacementResult.RateLimited],
    [503, error('STOCK_UNAVAILABLE'), PlacementResult.Unavailable],
    [500, error('INTERNAL_ERROR'), PlacementResult.Unavailable],
    [400, error('VALIDATION_FAILED'), PlacementResult.Invalid],
    [413, error('PAYLOAD_TOO_LARGE'), PlacementResult.Invalid],
    [404, error('PRODUCT_NOT_FOUND'), PlacementResult.Invalid],
    [422, error('IDEMPOTENCY_KEY_REUSED'), PlacementResult.Invalid],
  ])('maps %i %s to %s', (status, body, result) => {
    expect(placementResultOf(status, body)).toBe(result);
  });

  it('does not count a replayed Idempotency-Key (200): it was counted when accepted', () => {
    expect(placementResultOf(200, '{}')).toBeUndefined();
  });
});
