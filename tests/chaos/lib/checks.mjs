// The verdicts: safety checks from the stores of record (the sale audit of @flash-sale/common plus
// what only the clients know: which orders got a 201, which were cancelled by their owner, which
// answers were 5xx), and liveness per fault from the clients' acceptance times.
import { auditSale, loadSaleFacts } from '@flash-sale/common/audit';

/** The issue's targets, explicit so the report can say PASS/MISS against each. */
export const TARGETS = {
  /** Longest stretch without an accepted order after a service kill or a Redis loss (s). */
  serviceKillOrRedisLossMaxGapS: 5,
  /** Whole seconds without an accepted order during a Kafka outage of up to 60 s. */
  kafkaOutageSecondsWithout: 0,
  /** Everything settled (no PENDING, no give-back or restore due) after the heal (s). */
  settleAfterHealS: 30,
  /** Safety bound: nothing PENDING this long after the heal. */
  pendingAfterHealMaxS: 60,
};

/** Reads one product's facts and audit, plus the order rows' failure reasons. */
export async function readProduct(sources, orderDb, productId) {
  const facts = await loadSaleFacts(sources, productId);
  const audit = auditSale(facts);
  const [rows] = await orderDb.query(
    'SELECT id, status, failure_reason FROM orders WHERE product_id = ?',
    [productId],
  );
  const reasons = new Map(rows.map((r) => [r.id, r.failure_reason]));
  // What each buyer holds in the stores of record: units of PENDING or CONFIRMED orders, and
  // inventory-service's per-user count (deducted, not restored) that backs the cap.
  const held = await sources.orders(
    `SELECT user_id AS userId, SUM(quantity) AS units FROM orders
      WHERE product_id = ? AND status IN ('PENDING', 'CONFIRMED') GROUP BY user_id`,
    [productId],
  );
  const counted = await sources.inventory(
    'SELECT user_id AS userId, units FROM user_product_units WHERE product_id = ?',
    [productId],
  );
  const byUser = (list) => list.map((r) => ({ userId: String(r.userId), units: Number(r.units) }));
  return { facts, audit, reasons, heldByUser: byUser(held), countedByUser: byUser(counted) };
}

/**
 * @param products {main: {id, stock}, scarce: {id, stock, maxPerUser}}
 * @param read productId -> readProduct() result, read once the sale is quiet (or gave up)
 */
export function safetyChecks({ products, read, recorder, settle }) {
  const checks = [];
  const add = (name, ok, detail, target = 'issue 12') => checks.push({ name, ok, detail, target });
  const ordersById = new Map();
  for (const p of Object.values(products)) {
    for (const o of read[p.id].facts.orders) ordersById.set(o.id, { ...o, productId: p.id });
  }
  const show = (list, fmt) =>
    list.length === 0
      ? 'none'
      : `${list.length}: ${list.slice(0, 5).map(fmt).join('; ')}${list.length > 5 ? '; ...' : ''}`;
  const seconds = (ms) => `${(ms / 1000).toFixed(1)} s`;

  // 1. No 201 lost: every accepted order exists and ends CONFIRMED or cancelled by its owner.
  const lost = [];
  const badEnd = [];
  const failed = [];
  for (const [id, a] of recorder.accepted) {
    const row = ordersById.get(id);
    if (!row) lost.push({ id, ...a });
    else if (row.status === 'FAILED') {
      const reason = read[a.productId].reasons.get(id);
      failed.push({ id, ...a, reason });
    } else if (row.status === 'CANCELLED' && !recorder.cancelRequested.has(id))
      badEnd.push({ id, ...a, status: row.status });
    else if (row.status === 'PENDING') badEnd.push({ id, ...a, status: row.status });
  }
  add(
    'no 201 lost (every accepted order is in MySQL)',
    lost.length === 0,
    `${recorder.accepted.size} accepted; missing ${show(lost, (o) => `${o.id} (key ${o.key}, ${o.productId}, 201 at ${seconds(o.t)})`)}`,
  );
  add(
    'every accepted order ends CONFIRMED or cancelled by its owner',
    badEnd.length === 0 && failed.length === 0,
    `other ends: ${show([...badEnd, ...failed.map((f) => ({ ...f, status: 'FAILED' }))], (o) => `${o.id} ${o.status}`)}`,
  );
  add(
    'no accepted order ends FAILED',
    failed.length === 0,
    show(
      failed,
      (o) =>
        `${o.id} (${o.productId}, user #${o.userIndex}, 201 at ${seconds(o.t)}, ${o.reason ?? 'no reason'})`,
    ),
  );

  for (const p of Object.values(products)) {
    const { facts, audit } = read[p.id];
    const confirmed = audit.orders.byStatus.CONFIRMED.units;
    const mysqlStock = facts.product?.stock ?? null;
    add(
      `${p.label}: nothing oversold`,
      confirmed <= p.stock && !audit.breaches.some((b) => b.code === 'OVERSOLD'),
      `${confirmed} units CONFIRMED of ${p.stock}`,
    );
    add(
      `${p.label}: MySQL stock = initial - confirmed units`,
      mysqlStock === p.stock - confirmed,
      `MySQL ${mysqlStock}, expected ${p.stock} - ${confirmed} = ${p.stock - confirmed}`,
    );
    add(
      `${p.label}: Redis = MySQL after the heal`,
      facts.redisStock === mysqlStock && audit.quiet,
      `Redis ${facts.redisStock ?? 'missing'}, MySQL ${mysqlStock}${audit.quiet ? '' : ' (not quiet yet)'}`,
    );
    const ledger = audit.breaches.filter(
      (b) => b.code !== 'NOT_QUIET' && b.code !== 'REDIS_DISAGREES',
    );
    add(
      `${p.label}: sale audit (ledger, deductions, restores)`,
      ledger.length === 0,
      ledger.length === 0 ? 'no breach' : ledger.map((b) => `${b.code}: ${b.message}`).join(' | '),
      'npm run audit',
    );
  }

  // The per-user cap of the scarce product, counted from what the clients were promised.
  const perUser = new Map();
  for (const a of recorder.accepted.values()) {
    if (a.productId !== products.scarce.id) continue;
    perUser.set(a.userIndex, (perUser.get(a.userIndex) ?? 0) + a.quantity);
  }
  const over = [...perUser].filter(([, units]) => units > products.scarce.maxPerUser);
  add(
    `${products.scarce.label}: per-user cap of ${products.scarce.maxPerUser} holds (units accepted per buyer)`,
    over.length === 0,
    show(over, ([user, units]) => `user #${user} accepted ${units}`),
  );

  // The same cap in the stores of record, where no Redis loss (FLUSHALL, the stale snapshot) can
  // reach: order rows per buyer, and inventory-service's per-user count behind its backstop.
  const { heldByUser = [], countedByUser = [] } = read[products.scarce.id];
  const cap = products.scarce.maxPerUser;
  const overInMysql = [
    ...heldByUser.filter((h) => h.units > cap).map((h) => ({ ...h, where: 'orders' })),
    ...countedByUser.filter((h) => h.units > cap).map((h) => ({ ...h, where: 'inventory' })),
  ];
  add(
    `${products.scarce.label}: per-user cap of ${cap} holds in MySQL (orders and inventory's count)`,
    overInMysql.length === 0,
    overInMysql.length === 0
      ? `${heldByUser.length} buyers, most held ${Math.max(0, ...heldByUser.map((h) => h.units))}`
      : show(overInMysql, (h) => `user ${h.userId} holds ${h.units} (${h.where})`),
  );

  add(
    `nothing PENDING ${TARGETS.pendingAfterHealMaxS} s after the heal`,
    settle.quietAfterS !== null && settle.quietAfterS <= TARGETS.pendingAfterHealMaxS,
    settle.quietAfterS === null
      ? `still ${settle.pending} PENDING / due after ${TARGETS.pendingAfterHealMaxS} s`
      : `quiet ${settle.quietAfterS.toFixed(1)} s after the heal`,
  );
  add(
    'no 500 (no 5xx other than 503)',
    recorder.serverErrors.length === 0,
    show(
      recorder.serverErrors,
      (e) =>
        `${e.status} at ${seconds(e.t)} from ${e.url} (${JSON.stringify(e.body).slice(0, 120)})`,
    ),
  );
  add(
    'no wrong refusal (every 4xx is OUT_OF_STOCK, PURCHASE_LIMIT_EXCEEDED or a cancel refused)',
    recorder.unexpected.length === 0,
    show(
      recorder.unexpected,
      (e) => `${e.status} ${e.body?.code ?? ''} at ${seconds(e.t)} from ${e.url} (key ${e.key})`,
    ),
    'suite',
  );
  add(
    'an Idempotency-Key always returns the same order',
    recorder.keyMismatches.length === 0,
    show(recorder.keyMismatches, (m) => `${m.key}: ${m.first} then ${m.then}`),
    'idempotency',
  );
  return checks;
}

/**
 * Liveness per fault on the product that never sells out: whole seconds of the fault's window
 * in which buyers asked for it and no order was taken, and the longest stretch without one.
 *
 * Measured so that a busy machine does not pass for a broken system (nor hide one):
 * - `acceptTimes` are the services' own times of the accepted orders (`created_at`: when the
 *   instance took the request), not when the load process got round to reading the 201;
 * - a second counts as "without" only if some buyer had a request for the product out in it
 *   (`demand`: [sent, answered] of each attempt), so seconds in which every buyer happened to be
 *   thinking, cancelling or buying the scarce product are no liveness loss;
 * - the load process's own stalls (`stalls`: [from, to] in which its event loop did not run, so
 *   it could neither send nor read) are left out of both measures and reported per window, as
 *   time the instrument was blind. The targets themselves are the issue's.
 * `clientAcceptTimes` (the 201 as the buyers saw it) are reported beside, unjudged.
 */
export function livenessTable({
  timeline,
  acceptTimes,
  heal,
  demand = [[0, Infinity]],
  stalls = [],
  clientAcceptTimes = acceptTimes,
}) {
  const times = [...acceptTimes].sort((a, b) => a - b);
  const clientTimes = [...clientAcceptTimes].sort((a, b) => a - b);
  const overlaps = (intervals, from, to) => intervals.some(([a, b]) => a < to && b > from);
  const stalledWithin = (from, to) =>
    stalls.reduce((sum, [a, b]) => sum + Math.max(0, Math.min(b, to) - Math.max(a, from)), 0);
  const longestGap = (list, start, end, blind = stalledWithin) => {
    let longest = 0;
    let last = start;
    for (const t of [...list.filter((x) => x >= start && x < end), end]) {
      longest = Math.max(longest, t - last - blind(last, t));
      last = t;
    }
    return longest;
  };
  const rows = [];
  const windows = [
    {
      kind: 'baseline (before the first fault)',
      class: 'baseline',
      start: timeline.baselineStart,
      end: timeline.steps[0]?.start ?? heal,
    },
    ...timeline.steps.map((s, i) => ({ ...s, end: timeline.steps[i + 1]?.start ?? heal })),
  ];
  for (const w of windows) {
    const inside = times.filter((t) => t >= w.start && t < w.end);
    // Whole seconds from the window's start; the remainder is judged as the last whole second
    // of the window (a 0.1 s remainder without an order is no "second without").
    const starts = [];
    for (let from = w.start; from + 1000 <= w.end; from += 1000) starts.push(from);
    if (starts.length > 0 && starts.at(-1) + 1000 < w.end) starts.push(w.end - 1000);
    let empty = 0;
    for (const from of starts) {
      const to = from + 1000;
      const taken = inside.some((t) => t >= from && t < to);
      if (!taken && overlaps(demand, from, to) && !overlaps(stalls, from, to)) empty += 1;
    }
    const longest = longestGap(times, w.start, w.end);
    let target = null;
    let ok = null;
    if (w.class === 'kafka-outage') {
      target = `${TARGETS.kafkaOutageSecondsWithout} s without`;
      ok = empty <= TARGETS.kafkaOutageSecondsWithout;
    } else if (w.class === 'service-kill' || w.class === 'redis-loss' || w.class === 'mysql') {
      target = `longest gap <= ${TARGETS.serviceKillOrRedisLossMaxGapS} s${w.class === 'mysql' ? ' (suite)' : ''}`;
      ok = longest / 1000 <= TARGETS.serviceKillOrRedisLossMaxGapS;
    }
    rows.push({
      fault: w.kind,
      class: w.class,
      note: w.note ?? '',
      windowS: +((w.end - w.start) / 1000).toFixed(1),
      accepted: inside.length,
      secondsWithout: empty,
      longestGapS: +(longest / 1000).toFixed(1),
      clientLongestGapS: +(longestGap(clientTimes, w.start, w.end, () => 0) / 1000).toFixed(1),
      loadStalledS: +(stalledWithin(w.start, w.end) / 1000).toFixed(1),
      target,
      verdict: ok === null ? '-' : ok ? 'PASS' : 'MISS',
    });
  }
  return rows;
}
