import { DomainError } from '@flash-sale/common';
import { decodeCursor, encodeCursor, parseIdempotencyKey } from './request-parsing.js';

describe(parseIdempotencyKey.name, () => {
  it('accepts no header and a sane token', () => {
    expect(parseIdempotencyKey(undefined)).toBeUndefined();
    expect(parseIdempotencyKey('order-1:retry_2.x')).toBe('order-1:retry_2.x');
    expect(parseIdempotencyKey('k'.repeat(128))).toHaveLength(128);
  });

  it.each([
    ['an empty value', ''],
    ['129 characters', 'k'.repeat(129)],
    ['a space', 'a b'],
    ['a slash', 'a/b'],
    ['a pipe', 'a|b'],
    ['a repeated header', ['a', 'b']],
  ])('refuses %s with VALIDATION_FAILED', (_label, value) => {
    expect(() => parseIdempotencyKey(value)).toThrow(DomainError);
    try {
      parseIdempotencyKey(value);
    } catch (error) {
      expect((error as DomainError).code).toBe('VALIDATION_FAILED');
    }
  });
});

describe('cursor', () => {
  it('round-trips a position', () => {
    const position = {
      createdAt: new Date('2026-01-02T03:04:05.678Z'),
      id: '0b6f3c52-4bd4-4bb0-9a56-3e0e2c1b1c11',
    };
    expect(decodeCursor(encodeCursor(position))).toEqual(position);
  });

  it.each(['', 'garbage', Buffer.from('1.2').toString('base64url')])('refuses %j', (cursor) => {
    expect(() => decodeCursor(cursor)).toThrow(DomainError);
  });
});
