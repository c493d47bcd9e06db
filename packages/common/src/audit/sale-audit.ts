/**
 * The audit of one product's sale from the stores of record: order-service's orders, inventory-
 * service's products and stock ledger, and the Redis counter. Pure: it takes the rows already
 * read (see {@link loadSaleFacts}) and returns what holds and what does not, so the CLI
 * (`npm run audit`), the benchmark and a service route can share it.
 */

/** Kinds of `inventory_service.stock_movements` rows. */
export type LedgerKind =
  | 'PRODUCT_CREATED'
  | 'ADMIN_ADJUSTMENT'
  | 'PRODUCT_DELETED'
  | 'ORDER_DEDUCTION'
  | 'ORDER_RESTORATION';

export type AuditedOrderStatus = 'PENDING' | 'CONFIRMED' | 'FAILED' | 'CANCELLED';

/** One row of `order_service.orders` for the product. */
export interface AuditedOrder {
  id: string;
  userId: string;
  quantity: number;
  status: AuditedOrderStatus;
  createdAt: Date;
  /** `DUE` while the order's Redis units still have to go back. */
  stockRelease: 'DUE' | 'DONE' | null;
  /**
   * `DUE` while inventory-service still has to be told to restore the units, `SENT` until it
   * answers, `DONE` once it has (restored, or nothing to give back).
   */
  restore: 'DUE' | 'SENT' | 'DONE' | null;
}

/** One row of `inventory_service.stock_movements` for the product. */
export interface LedgerEntry {
  kind: LedgerKind;
  delta: number;
  orderId: string | null;
}

/** Everything the audit reads about one product. */
export interface SaleFacts {
  productId: string;
  /** `inventory_service.products`; null when the product does not exist (never, or deleted). */
  product: { stock: number } | null;
  ledger: readonly LedgerEntry[];
  orders: readonly AuditedOrder[];
  /** `stock:{productId}` in Redis; null when the key is missing. */
  redisStock: number | null;
}

export type BreachCode =
  | 'OVERSOLD'
  | 'CONFIRMED_WITHOUT_DEDUCTION'
  | 'DEDUCTION_MISMATCH'
  | 'CONFIRMED_RESTORED'
  | 'CANCELLED_NOT_RESTORED'
  | 'RESTORE_WITHOUT_DEDUCTION'
  | 'FAILED_BUT_DEDUCTED'
  | 'UNKNOWN_ORDER_IN_LEDGER'
  | 'STOCK_NOT_LEDGER'
  | 'NEGATIVE_STOCK'
  | 'REDIS_DISAGREES'
  | 'NOT_QUIET';

/** An invariant that does not hold. `transient` ones may clear once the sale is quiet. */
export interface Breach {
  code: BreachCode;
  message: string;
  transient: boolean;
}

/** Units per ledger kind: the terms of "stock = initial + restocks - deductions + restores". */
export interface StockEquation {
  initial: number;
  restocks: number;
  /** Admin changes that lowered the stock (negative adjustments), as a positive number. */
  reductions: number;
  deductions: number;
  restores: number;
  deleted: number;
  /** initial + restocks - reductions - deductions + restores - deleted. */
  expected: number;
  actual: number | null;
}

export interface SaleAudit {
  productId: string;
  ok: boolean;
  /** No PENDING order, no give-back or restore still due. */
  quiet: boolean;
  breaches: Breach[];
  stock: StockEquation & {
    /** Every unit ever put on sale: initial stock plus restocks. */
    everAdded: number;
    confirmedUnits: number;
    redis: number | null;
  };
  orders: {
    /** Every stored order was accepted (201) first: refusals are never stored. */
    accepted: number;
    byStatus: Record<AuditedOrderStatus, { orders: number; units: number }>;
    /** From the first order to the last one that ended CONFIRMED; null without one. */
    firstOrderAt: Date | null;
    lastConfirmedOrderAt: Date | null;
    soldOut: boolean;
  };
  perUser: {
    users: number;
    maxOrders: number;
    /** orders per user -> how many users placed that many. */
    distribution: Array<{ orders: number; users: number }>;
  };
}

/** Breach messages list at most this many order ids each. */
const SHOWN_IDS = 5;

function idList(ids: readonly string[]): string {
  const shown = ids.slice(0, SHOWN_IDS).join(', ');
  return ids.length > SHOWN_IDS ? `${shown}, ... (${ids.length} in all)` : shown;
}

/** Audits one product's sale; see {@link SaleAudit}. */
export function auditSale(facts: SaleFacts): SaleAudit {
  const breaches: Breach[] = [];
  const breach = (code: BreachCode, message: string, transient = false) =>
    breaches.push({ code, message, transient });

  const byStatus: SaleAudit['orders']['byStatus'] = {
    PENDING: { orders: 0, units: 0 },
    CONFIRMED: { orders: 0, units: 0 },
    FAILED: { orders: 0, units: 0 },
    CANCELLED: { orders: 0, units: 0 },
  };
  for (const order of facts.orders) {
    byStatus[order.status].orders += 1;
    byStatus[order.status].units += order.quantity;
  }

  // The ledger, per kind and per order.
  const sumOf = (kind: LedgerKind, sign: 1 | -1 | 0 = 0) =>
    facts.ledger
      .filter((e) => e.kind === kind && (sign === 0 || Math.sign(e.delta) === sign))
      .reduce((sum, e) => sum + e.delta, 0);
  const initial = sumOf('PRODUCT_CREATED');
  const restocks = sumOf('ADMIN_ADJUSTMENT', 1);
  const reductions = -sumOf('ADMIN_ADJUSTMENT', -1);
  const deductions = -sumOf('ORDER_DEDUCTION');
  const restores = sumOf('ORDER_RESTORATION');
  const deleted = -sumOf('PRODUCT_DELETED');
  const expected = initial + restocks - reductions - deductions + restores - deleted;
  const actual = facts.product?.stock ?? null;
  const everAdded = initial + restocks;
  const confirmedUnits = byStatus.CONFIRMED.units;

  const perOrder = new Map<string, { deductions: LedgerEntry[]; restorations: LedgerEntry[] }>();
  for (const entry of facts.ledger) {
    if (entry.orderId === null) continue;
    let slot = perOrder.get(entry.orderId);
    if (!slot) perOrder.set(entry.orderId, (slot = { deductions: [], restorations: [] }));
    if (entry.kind === 'ORDER_DEDUCTION') slot.deductions.push(entry);
    else if (entry.kind === 'ORDER_RESTORATION') slot.restorations.push(entry);
  }

  // I1: never more confirmed than ever put on sale.
  if (confirmedUnits > everAdded) {
    breach(
      'OVERSOLD',
      `${confirmedUnits} units CONFIRMED, but only ${everAdded} were ever put on sale`,
    );
  }

  // One deduction per CONFIRMED order; one restore per cancelled order that was deducted.
  const problems = new Map<BreachCode, string[]>();
  const note = (code: BreachCode, id: string) => {
    const list = problems.get(code) ?? [];
    list.push(id);
    problems.set(code, list);
  };
  for (const order of facts.orders) {
    const ledger = perOrder.get(order.id) ?? { deductions: [], restorations: [] };
    const deducted = ledger.deductions.length;
    const restored = ledger.restorations.length;
    if (deducted > 1 || ledger.deductions.some((d) => d.delta !== -order.quantity)) {
      note('DEDUCTION_MISMATCH', order.id);
    }
    if (restored > 1 || ledger.restorations.some((r) => r.delta !== order.quantity)) {
      note('DEDUCTION_MISMATCH', order.id);
    }
    if (restored > 0 && deducted === 0) note('RESTORE_WITHOUT_DEDUCTION', order.id);
    switch (order.status) {
      case 'CONFIRMED':
        if (deducted === 0) note('CONFIRMED_WITHOUT_DEDUCTION', order.id);
        if (restored > 0) note('CONFIRMED_RESTORED', order.id);
        break;
      case 'CANCELLED':
        // A product deleted since has no stock to give back to (the ledger closed with it).
        if (deducted > 0 && restored === 0 && facts.product !== null) {
          note('CANCELLED_NOT_RESTORED', order.id);
        }
        break;
      case 'FAILED':
        if (deducted > restored) note('FAILED_BUT_DEDUCTED', order.id);
        break;
      case 'PENDING':
        break;
    }
  }
  const byId = new Map(facts.orders.map((o) => [o.id, o]));
  for (const orderId of perOrder.keys()) {
    if (!byId.has(orderId)) note('UNKNOWN_ORDER_IN_LEDGER', orderId);
  }
  const describe: Record<string, (ids: string) => string> = {
    CONFIRMED_WITHOUT_DEDUCTION: (ids) =>
      `CONFIRMED orders with no deduction in the ledger: ${ids}`,
    DEDUCTION_MISMATCH: (ids) =>
      `orders whose ledger rows are not exactly one of their quantity: ${ids}`,
    CONFIRMED_RESTORED: (ids) => `CONFIRMED orders whose units were restored: ${ids}`,
    CANCELLED_NOT_RESTORED: (ids) => `cancelled orders deducted but never restored: ${ids}`,
    RESTORE_WITHOUT_DEDUCTION: (ids) => `orders restored without a deduction: ${ids}`,
    FAILED_BUT_DEDUCTED: (ids) => `FAILED orders whose deduction stands: ${ids}`,
    UNKNOWN_ORDER_IN_LEDGER: (ids) => `ledger rows for orders order-service never stored: ${ids}`,
  };
  for (const [code, ids] of problems) {
    // A cancel's restore travels through Kafka: missing only for as long as it is on its way
    // (DUE or SENT); once inventory-service answered it (DONE), a missing restore is a breach.
    const transient =
      code === 'CANCELLED_NOT_RESTORED' &&
      ids.every((id) => ['DUE', 'SENT'].includes(byId.get(id)?.restore ?? ''));
    breach(code, describe[code](idList(ids)), transient);
  }

  // MySQL stock = what the ledger adds up to; never negative.
  // A deleted product has no row: its ledger must have closed at zero.
  if ((actual ?? 0) !== expected) {
    breach(
      'STOCK_NOT_LEDGER',
      `MySQL stock is ${actual ?? 'missing'} but the ledger adds up to ${expected} ` +
        `(${initial} initial + ${restocks} restocked - ${reductions} reduced - ${deductions} deducted + ${restores} restored - ${deleted} deleted)`,
    );
  }
  if (actual !== null && actual < 0) breach('NEGATIVE_STOCK', `MySQL stock is ${actual}`);

  // Quiet: nothing in flight. Only then must Redis agree with MySQL.
  const pending = byStatus.PENDING.orders;
  const releasesDue = facts.orders.filter((o) => o.stockRelease === 'DUE').length;
  // Sent and not yet answered counts too: until the answer, MySQL may not have the units back.
  const restoresDue = facts.orders.filter(
    (o) => o.restore === 'DUE' || o.restore === 'SENT',
  ).length;
  const quiet = pending === 0 && releasesDue === 0 && restoresDue === 0;
  if (!quiet) {
    breach(
      'NOT_QUIET',
      `still in flight: ${pending} PENDING orders, ${releasesDue} Redis give-backs and ${restoresDue} restores due`,
      true,
    );
  }
  if (facts.redisStock !== actual) {
    breach(
      'REDIS_DISAGREES',
      `Redis stock:{${facts.productId}} is ${facts.redisStock ?? 'missing'}, MySQL stock is ${actual ?? 'missing'}`,
      !quiet,
    );
  }

  // The sale's shape. (Loops, not Math.min(...list): a sale has more orders than a call has
  // room for arguments.)
  const edge = (list: readonly AuditedOrder[], pick: (a: number, b: number) => number) =>
    list.length === 0
      ? null
      : new Date(
          list.reduce((t, o) => pick(t, o.createdAt.getTime()), list[0].createdAt.getTime()),
        );
  const confirmed = facts.orders.filter((o) => o.status === 'CONFIRMED');
  const perUserCount = new Map<string, number>();
  for (const order of facts.orders) {
    perUserCount.set(order.userId, (perUserCount.get(order.userId) ?? 0) + 1);
  }
  const histogram = new Map<number, number>();
  for (const n of perUserCount.values()) histogram.set(n, (histogram.get(n) ?? 0) + 1);

  return {
    productId: facts.productId,
    ok: breaches.length === 0,
    quiet,
    breaches,
    stock: {
      initial,
      restocks,
      reductions,
      deductions,
      restores,
      deleted,
      expected,
      actual,
      everAdded,
      confirmedUnits,
      redis: facts.redisStock,
    },
    orders: {
      accepted: facts.orders.length,
      byStatus,
      firstOrderAt: edge(facts.orders, Math.min),
      lastConfirmedOrderAt: edge(confirmed, Math.max),
      soldOut: actual === 0 && quiet,
    },
    perUser: {
      users: perUserCount.size,
      maxOrders: [...histogram.keys()].reduce((a, b) => Math.max(a, b), 0),
      distribution: [...histogram]
        .sort((a, b) => a[0] - b[0])
        .map(([orders, users]) => ({ orders, users })),
    },
  };
}

/** The audit as a one-page plain-text report, ending with PASS or the breaches. */
export function renderSaleAudit(audit: SaleAudit): string {
  const { stock, orders, perUser } = audit;
  const s = orders.byStatus;
  const line = (label: string, value: string | number) => `  ${label.padEnd(28)} ${value}`;
  const sellOut =
    orders.firstOrderAt && orders.lastConfirmedOrderAt
      ? `${((orders.lastConfirmedOrderAt.getTime() - orders.firstOrderAt.getTime()) / 1000).toFixed(3)} s (first order -> last order that ended CONFIRMED)${orders.soldOut ? '' : '; not sold out'}`
      : 'no CONFIRMED order';
  const lines = [
    `Sale audit of product ${audit.productId}`,
    '',
    'Stock (inventory_service: products, stock_movements; Redis)',
    line('initial', stock.initial),
    line('restocked (+)', stock.restocks),
    line('reduced by an admin (-)', stock.reductions),
    line('deducted for orders (-)', stock.deductions),
    line('restored from orders (+)', stock.restores),
    line('removed with the product (-)', stock.deleted),
    line('= expected MySQL stock', stock.expected),
    line('MySQL stock', stock.actual ?? 'no product row'),
    line('Redis counter', stock.redis ?? 'missing'),
    line('confirmed / ever on sale', `${stock.confirmedUnits} / ${stock.everAdded} units`),
    '',
    'Orders (order_service.orders)',
    line('time to sell out', sellOut),
    line('accepted (201, stored)', orders.accepted),
    line('  CONFIRMED', `${s.CONFIRMED.orders} (${s.CONFIRMED.units} units)`),
    line('  FAILED', `${s.FAILED.orders} (${s.FAILED.units} units)`),
    line('  CANCELLED', `${s.CANCELLED.orders} (${s.CANCELLED.units} units)`),
    line('  PENDING', `${s.PENDING.orders} (${s.PENDING.units} units)`),
    line('refused (409/429/503)', 'not recorded: refusals are answered without being stored'),
    line('buyers', perUser.users),
    line('orders per buyer, max', perUser.maxOrders),
    line(
      'orders per buyer',
      perUser.distribution.map((d) => `${d.orders}: ${d.users} buyers`).join(', ') || '-',
    ),
    '',
  ];
  if (audit.ok) lines.push('PASS: every invariant holds');
  else {
    lines.push(`FAIL: ${audit.breaches.length} breach(es)`);
    for (const b of audit.breaches) lines.push(`  ${b.code}: ${b.message}`);
  }
  return `${lines.join('\n')}\n`;
}
