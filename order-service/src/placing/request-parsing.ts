import { OrdersErrors } from '../orders/orders.errors.js';

const IDEMPOTENCY_KEY = /^[A-Za-z0-9_.:-]{1,128}$/;

/** The request's Idempotency-Key header: absent, or a sane token (else 400). */
export function parseIdempotencyKey(raw: string | string[] | undefined): string | undefined {
  if (raw === undefined) return undefined;
  if (typeof raw !== 'string' || !IDEMPOTENCY_KEY.test(raw)) {
    throw OrdersErrors.invalidIdempotencyKey();
  }
  return raw;
}

/** An order's position in a user's newest-first list, as an opaque cursor. */
export function encodeCursor(position: { createdAt: Date; id: string }): string {
  return Buffer.from(`${position.createdAt.getTime()}.${position.id}`).toString('base64url');
}

export function decodeCursor(cursor: string): { createdAt: Date; id: string } {
  const text = Buffer.from(cursor, 'base64url').toString();
  const match = /^(\d{1,15})\.([0-9a-f-]{36})$/.exec(text);
  if (!match) throw OrdersErrors.invalidCursor();
  return { createdAt: new Date(Number(match[1])), id: match[2] };
}
