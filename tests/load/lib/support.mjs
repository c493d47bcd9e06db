// Small helpers of the flash-sale benchmark: HTTP calls, statistics, formatting, progress output.

import { requestJson } from '@flash-sale/test-tools/http';

export { setTimeout as sleep } from 'node:timers/promises';

const useColor = process.stderr.isTTY && !process.env.NO_COLOR;
const started = performance.now();

/** A progress line on stderr, stamped with the seconds since the bench started. */
export function progress(message) {
  const stamp = `[${((performance.now() - started) / 1000).toFixed(1).padStart(6)}s]`;
  process.stderr.write(`${useColor ? `\x1b[2m${stamp}\x1b[0m` : stamp} ${message}\n`);
}

export function step(message) {
  process.stderr.write(`${useColor ? `\x1b[1m==> ${message}\x1b[0m` : `==> ${message}`}\n`);
}

/** JSON request (see @flash-sale/test-tools), with the benchmark's 10 s timeout by default. */
export function http(method, url, options = {}) {
  return requestJson(method, url, { timeoutMs: 10_000, ...options });
}

/** p50/p95/p99/max/mean of a list of numbers (nearest-rank percentiles). */
export function percentiles(values) {
  if (values.length === 0)
    return { count: 0, p50: null, p95: null, p99: null, max: null, mean: null };
  const sorted = Float64Array.from(values).sort();
  const at = (p) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
  let sum = 0;
  for (const v of sorted) sum += v;
  return {
    count: sorted.length,
    p50: at(50),
    p95: at(95),
    p99: at(99),
    max: sorted[sorted.length - 1],
    mean: sum / sorted.length,
  };
}

export const fmt = {
  int: (n) =>
    n === null || n === undefined || Number.isNaN(n) ? '-' : Math.round(n).toLocaleString('en-US'),
  ms: (n) =>
    n === null || n === undefined || Number.isNaN(n)
      ? '-'
      : `${n < 10 ? n.toFixed(1) : Math.round(n)} ms`,
  pct: (n) => (n === null || n === undefined || Number.isNaN(n) ? '-' : `${Math.round(n)}%`),
  ratio: (n) =>
    n === null || n === undefined || !Number.isFinite(n) ? '-' : `${(n * 100).toFixed(0)}%`,
  mib: (n) => (n === null || n === undefined ? '-' : `${n.toFixed(0)} MiB`),
  s: (n) => (n === null || n === undefined || Number.isNaN(n) ? '-' : `${n.toFixed(2)} s`),
};

/** Which columns hold figures (right-aligned); the first column and text columns are not. */
function numericColumns(header, rows) {
  return header.map(
    (_, i) =>
      i > 0 && rows.every((r) => /^([-\d.,]+( \S+)?|[\d.]+x|-|skipped|)$/.test(String(r[i] ?? ''))),
  );
}

/** A plain-text table with aligned columns. */
export function textTable(header, rows) {
  const all = [header, ...rows].map((r) => r.map((c) => String(c ?? '')));
  const widths = header.map((_, i) => Math.max(...all.map((r) => r[i]?.length ?? 0)));
  const numeric = numericColumns(header, rows);
  const line = (r) =>
    r
      .map((c, i) => (numeric[i] ? c.padStart(widths[i]) : c.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  return [
    line(all[0]),
    widths.map((w) => '-'.repeat(w)).join('  '),
    ...all.slice(1).map(line),
  ].join('\n');
}

/** The same table in Markdown. */
export function markdownTable(header, rows) {
  const esc = (c) => String(c ?? '').replace(/\|/g, '\\|');
  const numeric = numericColumns(header, rows);
  return [
    `| ${header.map(esc).join(' | ')} |`,
    `| ${numeric.map((n) => (n ? '---:' : '---')).join(' | ')} |`,
    ...rows.map((r) => `| ${r.map(esc).join(' | ')} |`),
  ].join('\n');
}

/** Decodes a JWT's payload (no verification: only to read `exp`). */
export function jwtPayload(token) {
  try {
    return JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8'));
  } catch {
    return {};
  }
}
