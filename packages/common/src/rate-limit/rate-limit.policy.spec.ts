import { limitItem, policyItem, tokenBucketEnv, windowSecondsOf } from './rate-limit.policy.js';

describe(tokenBucketEnv.name, () => {
  it.each([
    ['10,2', { burst: 10, perSecond: 2 }],
    [' 1000 , 0.2 ', { burst: 1000, perSecond: 0.2 }],
  ])('reads %p as a bucket', (value, bucket) => {
    expect(tokenBucketEnv('1,1').parse(value)).toEqual(bucket);
  });

  it('takes the default when unset, and "off" as no bucket', () => {
    expect(tokenBucketEnv('10,2').parse(undefined)).toEqual({ burst: 10, perSecond: 2 });
    expect(tokenBucketEnv('10,2').parse('off')).toBeNull();
  });

  it.each(['10', '10,', ',2', '0,2', '10,0', '-1,2', '10,2,3', 'ten,two', '10;2'])(
    'refuses %p with the expected format in the message',
    (value) => {
      const result = tokenBucketEnv('1,1').safeParse(value);
      expect(result.success).toBe(false);
      expect(result.error?.issues[0]?.message).toContain('<burst>,<per second>');
    },
  );
});

describe('RateLimit fields (draft-ietf-httpapi-ratelimit-headers-09)', () => {
  it('describes a bucket as its quota per full-refill window', () => {
    expect(policyItem('orders-user', { burst: 10, perSecond: 2 })).toBe('"orders-user";q=10;w=5');
    expect(windowSecondsOf({ burst: 1000, perSecond: 2000 })).toBe(1);
  });

  it('says what is left and the seconds until it is whole, rounded up', () => {
    expect(limitItem('orders-user', 3, 3_500)).toBe('"orders-user";r=3;t=4');
    expect(limitItem('orders-user', 0, 0)).toBe('"orders-user";r=0;t=0');
  });
});
