import {
  auditSale,
  renderSaleAudit,
  type AuditedOrder,
  type BreachCode,
  type SaleFacts,
} from './sale-audit.js';

const T0 = new Date('2026-01-01T10:00:00.000Z');

function order(id: string, overrides: Partial<AuditedOrder> = {}): AuditedOrder {
  return {
    id,
    userId: 'u1',
    quantity: 1,
    status: 'CONFIRMED',
    createdAt: T0,
    stockRelease: null,
    restore: null,
    ...overrides,
  };
}

/**
 * A settled sale of 5 units: o1 (2 units) and o2 confirmed, o3 failed, o4 cancelled after its
 * deduction (restored), o5 cancelled before it. 5 - 2 - 1 = 2 left, in MySQL and Redis.
 */
function cleanSale(): SaleFacts {
  return {
    productId: 'P1',
    product: { stock: 2 },
    redisStock: 2,
    orders: [
      order('o1', { quantity: 2, userId: 'u1' }),
      order('o2', { userId: 'u2', createdAt: new Date(T0.getTime() + 1_500) }),
      order('o3', { userId: 'u2', status: 'FAILED', stockRelease: 'DONE' }),
      order('o4', { userId: 'u2', status: 'CANCELLED', stockRelease: 'DONE', restore: 'DONE' }),
      order('o5', { userId: 'u3', status: 'CANCELLED', stockRelease: 'DONE', restore: 'DONE' }),
    ],
    ledger: [
      { kind: 'PRODUCT_CREATED', delta: 5, orderId: null },
      { kind: 'ORDER_DEDUCTION', delta: -2, orderId: 'o1' },
      { kind: 'ORDER_DEDUCTION', delta: -1, orderId: 'o2' },
      { kind: 'ORDER_DEDUCTION', delta: -1, orderId: 'o4' },
      { kind: 'ORDER_RESTORATION', delta: 1, orderId: 'o4' },
    ],
  };
}

const codes = (facts: SaleFacts): BreachCode[] => auditSale(facts).breaches.map((b) => b.code);

describe(auditSale.name, () => {
  it('passes a settled sale and sums it up', () => {
    const audit = auditSale(cleanSale());

    expect(audit.breaches).toEqual([]);
    expect(audit.ok).toBe(true);
    expect(audit.stock).toEqual(
      expect.objectContaining({ initial: 5, deductions: 4, restores: 1, expected: 2, actual: 2 }),
    );
    expect(audit.stock.confirmedUnits).toBe(3);
    expect(audit.orders.accepted).toBe(5);
    expect(audit.orders.byStatus.CANCELLED).toEqual({ orders: 2, units: 2 });
    expect(
      audit.orders.lastConfirmedOrderAt!.getTime() - audit.orders.firstOrderAt!.getTime(),
    ).toBe(1_500);
    expect(audit.orders.soldOut).toBe(false);
    expect(audit.perUser).toEqual({
      users: 3,
      maxOrders: 3,
      distribution: [
        { orders: 1, users: 2 },
        { orders: 3, users: 1 },
      ],
    });
  });

  it('names a CONFIRMED order with no deduction in the ledger', () => {
    const facts = cleanSale();
    facts.ledger = facts.ledger.filter((e) => e.orderId !== 'o2');
    facts.product = { stock: 3 };
    facts.redisStock = 3;

    const audit = auditSale(facts);

    expect(audit.breaches.map((b) => b.code)).toEqual(['CONFIRMED_WITHOUT_DEDUCTION']);
    expect(audit.breaches[0].message).toContain('o2');
    expect(audit.breaches[0].transient).toBe(false);
  });

  it('names a stock of record that the ledger does not add up to, and Redis disagreeing', () => {
    const facts = cleanSale();
    facts.product = { stock: 7 };

    expect(codes(facts)).toEqual(['STOCK_NOT_LEDGER', 'REDIS_DISAGREES']);
    expect(auditSale(facts).breaches[0].message).toContain('MySQL stock is 7');
  });

  it('finds more units confirmed than ever put on sale', () => {
    const facts = cleanSale();
    facts.orders = [...facts.orders, order('o6', { quantity: 5 })];
    facts.ledger = [...facts.ledger, { kind: 'ORDER_DEDUCTION', delta: -5, orderId: 'o6' }];
    facts.product = { stock: -3 };
    facts.redisStock = -3;

    expect(codes(facts)).toEqual(['OVERSOLD', 'NEGATIVE_STOCK']);
  });

  it('counts restocks as stock put on sale', () => {
    const facts = cleanSale();
    facts.orders = [...facts.orders, order('o6', { quantity: 5 })];
    facts.ledger = [
      ...facts.ledger,
      { kind: 'ADMIN_ADJUSTMENT', delta: 10, orderId: null },
      { kind: 'ADMIN_ADJUSTMENT', delta: -4, orderId: null },
      { kind: 'ORDER_DEDUCTION', delta: -5, orderId: 'o6' },
    ];
    facts.product = { stock: 3 };
    facts.redisStock = 3;

    const audit = auditSale(facts);
    expect(audit.breaches).toEqual([]);
    expect(audit.stock).toEqual(
      expect.objectContaining({ everAdded: 15, restocks: 10, reductions: 4, expected: 3 }),
    );
  });

  it('finds a cancelled order deducted but never restored, transient while its restore is on its way', () => {
    const facts = cleanSale();
    facts.ledger = facts.ledger.filter((e) => e.kind !== 'ORDER_RESTORATION');
    facts.product = { stock: 1 };
    facts.redisStock = 1;
    facts.orders = facts.orders.map((o) => (o.id === 'o4' ? { ...o, restore: null } : o));
    expect(auditSale(facts).breaches).toEqual([
      expect.objectContaining({ code: 'CANCELLED_NOT_RESTORED', transient: false }),
    ]);

    // Sent and not answered yet: on its way, and the sale is not quiet until the answer.
    facts.orders = facts.orders.map((o) => (o.id === 'o4' ? { ...o, restore: 'SENT' } : o));
    expect(auditSale(facts).breaches).toEqual([
      expect.objectContaining({ code: 'CANCELLED_NOT_RESTORED', transient: true }),
      expect.objectContaining({ code: 'NOT_QUIET', transient: true }),
    ]);
    facts.orders = facts.orders.map((o) => (o.id === 'o4' ? { ...o, restore: 'DONE' } : o));
    expect(auditSale(facts).breaches).toContainEqual(
      expect.objectContaining({ code: 'CANCELLED_NOT_RESTORED', transient: false }),
    );
    facts.orders = facts.orders.map((o) => (o.id === 'o4' ? { ...o, restore: 'DUE' } : o));
    expect(auditSale(facts).breaches).toEqual([
      expect.objectContaining({ code: 'CANCELLED_NOT_RESTORED', transient: true }),
      expect.objectContaining({ code: 'NOT_QUIET', transient: true }),
    ]);
  });

  it('finds a deduction twice, a FAILED order deducted and ledger rows of unknown orders', () => {
    const facts = cleanSale();
    facts.ledger = [
      ...facts.ledger,
      { kind: 'ORDER_DEDUCTION', delta: -1, orderId: 'o2' },
      { kind: 'ORDER_DEDUCTION', delta: -1, orderId: 'o3' },
      { kind: 'ORDER_DEDUCTION', delta: -1, orderId: 'ghost' },
    ];
    facts.product = { stock: -1 };
    facts.redisStock = -1;

    expect(codes(facts)).toEqual([
      'DEDUCTION_MISMATCH',
      'FAILED_BUT_DEDUCTED',
      'UNKNOWN_ORDER_IN_LEDGER',
      'NEGATIVE_STOCK',
    ]);
  });

  it('treats PENDING orders and a lagging Redis as transient, a quiet disagreement as a breach', () => {
    const facts = cleanSale();
    facts.orders = [...facts.orders, order('o6', { status: 'PENDING' })];
    facts.redisStock = 1;
    expect(auditSale(facts).breaches).toEqual([
      expect.objectContaining({ code: 'NOT_QUIET', transient: true }),
      expect.objectContaining({ code: 'REDIS_DISAGREES', transient: true }),
    ]);

    const quiet = cleanSale();
    quiet.redisStock = null;
    expect(auditSale(quiet).breaches).toEqual([
      expect.objectContaining({ code: 'REDIS_DISAGREES', transient: false }),
    ]);
  });

  it('sums up a sale of more orders than a call takes arguments', () => {
    const orders = Array.from({ length: 200_000 }, (_, i) =>
      order(`b${i}`, { userId: `u${i % 1000}`, createdAt: new Date(T0.getTime() + i) }),
    );
    const facts: SaleFacts = {
      productId: 'BIG',
      product: { stock: 0 },
      redisStock: 0,
      orders,
      ledger: [
        { kind: 'PRODUCT_CREATED', delta: orders.length, orderId: null },
        ...orders.map((o) => ({ kind: 'ORDER_DEDUCTION' as const, delta: -1, orderId: o.id })),
      ],
    };

    const audit = auditSale(facts);

    expect(audit.breaches).toEqual([]);
    expect(audit.orders.soldOut).toBe(true);
    expect(
      audit.orders.lastConfirmedOrderAt!.getTime() - audit.orders.firstOrderAt!.getTime(),
    ).toBe(199_999);
    expect(audit.perUser).toEqual({
      users: 1000,
      maxOrders: 200,
      distribution: [{ orders: 200, users: 1000 }],
    });
  });

  it('accepts a deleted product whose ledger closed at zero', () => {
    const facts = cleanSale();
    facts.ledger = [...facts.ledger, { kind: 'PRODUCT_DELETED', delta: -2, orderId: null }];
    facts.product = null;
    facts.redisStock = null;

    expect(auditSale(facts).ok).toBe(true);
  });
});

describe(renderSaleAudit.name, () => {
  it('prints the figures, says refusals are not recorded, and ends with the verdict', () => {
    const text = renderSaleAudit(auditSale(cleanSale()));
    expect(text).toContain('Sale audit of product P1');
    expect(text).toMatch(/time to sell out\s+1\.500 s/);
    expect(text).toMatch(/accepted \(201, stored\)\s+5/);
    expect(text).toContain('refusals are answered without being stored');
    expect(text).toMatch(/orders per buyer\s+1: 2 buyers, 3: 1 buyers/);
    expect(text.trimEnd().split('\n').at(-1)).toBe('PASS: every invariant holds');

    const facts = cleanSale();
    facts.product = { stock: 9 };
    const failed = renderSaleAudit(auditSale(facts));
    expect(failed).toContain('FAIL: 2 breach(es)');
    expect(failed).toContain('STOCK_NOT_LEDGER: MySQL stock is 9');
  });
});
