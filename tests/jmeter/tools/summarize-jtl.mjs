#!/usr/bin/env node
// Prints the summary table of one JMeter run: per sampler label and in total, the samples,
// unexpected answers (failed assertions, connection errors) in %, throughput, latency
// percentiles and the mix of status codes. Usage: node summarize-jtl.mjs <results.jtl> [title]
// Writes the same table as JSON next to the .jtl (<name>.summary.json) for later comparison.
import { writeFileSync } from 'node:fs';
import { readJtl } from './jtl.mjs';

const [jtlPath, title = jtlPath] = process.argv.slice(2);
if (!jtlPath) {
  process.stderr.write('usage: node summarize-jtl.mjs <results.jtl> [title]\n');
  process.exit(2);
}

/** Nearest-rank percentile of an ascending array. */
function percentile(sorted, p) {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

function summarize(label, samples) {
  const elapsed = samples.map((s) => Number(s.elapsed)).sort((a, b) => a - b);
  const start = Math.min(...samples.map((s) => Number(s.timeStamp)));
  const end = Math.max(...samples.map((s) => Number(s.timeStamp) + Number(s.elapsed)));
  const errors = samples.filter((s) => s.success !== 'true').length;
  const codes = new Map();
  for (const s of samples) {
    // JMeter reports a connection failure as "Non HTTP response code: java.net.SocketException".
    const code = /^\d{3}$/.test(s.responseCode) ? s.responseCode : 'no-answer';
    codes.set(code, (codes.get(code) ?? 0) + 1);
  }
  return {
    label,
    samples: samples.length,
    errors,
    errorPercent: (100 * errors) / samples.length,
    throughputPerSecond: samples.length / Math.max((end - start) / 1000, 0.001),
    avgMs: elapsed.reduce((a, b) => a + b, 0) / elapsed.length,
    p90Ms: percentile(elapsed, 90),
    p95Ms: percentile(elapsed, 95),
    p99Ms: percentile(elapsed, 99),
    maxMs: elapsed[elapsed.length - 1],
    statusCodes: Object.fromEntries([...codes].sort(([a], [b]) => a.localeCompare(b))),
  };
}

const samples = readJtl(jtlPath);
if (samples.length === 0) {
  process.stderr.write(`${jtlPath}: no samples\n`);
  process.exit(1);
}
const labels = [...new Set(samples.map((s) => s.label))];
const rows = labels.map((label) =>
  summarize(
    label,
    samples.filter((s) => s.label === label),
  ),
);
if (labels.length > 1) rows.push(summarize('TOTAL', samples));

const columns = [
  ['label', (r) => r.label, 'l'],
  ['samples', (r) => String(r.samples)],
  ['errors %', (r) => r.errorPercent.toFixed(2)],
  ['req/s', (r) => r.throughputPerSecond.toFixed(1)],
  ['avg ms', (r) => r.avgMs.toFixed(0)],
  ['p90 ms', (r) => String(r.p90Ms)],
  ['p95 ms', (r) => String(r.p95Ms)],
  ['p99 ms', (r) => String(r.p99Ms)],
  ['max ms', (r) => String(r.maxMs)],
  [
    'status codes',
    (r) =>
      Object.entries(r.statusCodes)
        .map(([code, n]) => `${code}:${n}`)
        .join(' '),
    'l',
  ],
];
const cells = [columns.map(([name]) => name), ...rows.map((r) => columns.map(([, f]) => f(r)))];
const widths = columns.map((_, i) => Math.max(...cells.map((line) => line[i].length)));
const format = (line) =>
  line
    .map((cell, i) => (columns[i][2] === 'l' ? cell.padEnd(widths[i]) : cell.padStart(widths[i])))
    .join('  ')
    .trimEnd();

const out = [`== ${title}`, format(cells[0]), widths.map((w) => '-'.repeat(w)).join('  ')];
for (const line of cells.slice(1)) out.push(format(line));

// The reasons behind the errors, most frequent first, so a red run explains itself.
const reasons = new Map();
for (const s of samples.filter((x) => x.success !== 'true')) {
  const reason = `${s.label}: ${s.responseCode} ${(s.failureMessage || s.responseMessage || '')
    .replace(/\s+/g, ' ')
    .trim()}`.slice(0, 160);
  reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
}
if (reasons.size > 0) {
  out.push('unexpected answers (most frequent first):');
  for (const [reason, n] of [...reasons].sort((a, b) => b[1] - a[1]).slice(0, 5)) {
    out.push(`  ${String(n).padStart(6)} x ${reason}`);
  }
}
process.stdout.write(`${out.join('\n')}\n`);
writeFileSync(jtlPath.replace(/\.jtl$/, '') + '.summary.json', JSON.stringify(rows, null, 2));
