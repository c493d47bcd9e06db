// The benchmark's charts as standalone SVG files: a line chart (a rate over time) and a bar chart
// (grouped bars per category). Hand-built: two chart shapes, axes with round ticks, a legend; no
// scripts, no external fonts or styles, so a Markdown viewer shows them as images.

const WIDTH = 720;
const HEIGHT = 360;
const MARGIN = { top: 40, right: 20, bottom: 60, left: 70 };
const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b'];

const PLOT = {
  x: MARGIN.left,
  y: MARGIN.top,
  w: WIDTH - MARGIN.left - MARGIN.right,
  h: HEIGHT - MARGIN.top - MARGIN.bottom,
};

/** Text content and attribute values, escaped for XML. */
export function escapeXml(text) {
  return String(text)
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&apos;');
}

const num = (n) => (Number.isInteger(n) ? String(n) : n.toFixed(2));

/** About `count` round tick values from 0 to at least `max` (1, 2 or 5 times a power of ten). */
export function niceTicks(max, count = 5) {
  if (!(max > 0)) return [0, 1];
  const raw = max / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw);
  const ticks = [];
  for (let v = 0; v < max + step / 2; v += step) ticks.push(Number(v.toPrecision(12)));
  if (ticks.at(-1) < max) ticks.push(Number((ticks.at(-1) + step).toPrecision(12)));
  return ticks;
}

function label(value) {
  if (Math.abs(value) >= 10_000) return `${num(value / 1000)}k`;
  return num(value);
}

function frame(title, body, { xLabel, yLabel, legend }) {
  const legendItems = legend
    .map(
      (name, i) =>
        `<g transform="translate(${MARGIN.left + i * 170},${HEIGHT - 14})"><rect width="12" height="12" y="-10" fill="${COLORS[i % COLORS.length]}"/><text x="18">${escapeXml(name)}</text></g>`,
    )
    .join('');
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="sans-serif" font-size="12">`,
    `<title>${escapeXml(title)}</title>`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="#ffffff"/>`,
    `<text x="${WIDTH / 2}" y="22" text-anchor="middle" font-size="15" font-weight="bold">${escapeXml(title)}</text>`,
    body,
    `<text x="${PLOT.x + PLOT.w / 2}" y="${HEIGHT - 32}" text-anchor="middle">${escapeXml(xLabel)}</text>`,
    `<text transform="translate(16,${PLOT.y + PLOT.h / 2}) rotate(-90)" text-anchor="middle">${escapeXml(yLabel)}</text>`,
    legendItems,
    '</svg>',
    '',
  ].join('\n');
}

function yAxis(ticks, yOf) {
  return ticks
    .map(
      (t) =>
        `<line x1="${PLOT.x}" x2="${PLOT.x + PLOT.w}" y1="${num(yOf(t))}" y2="${num(yOf(t))}" stroke="#dddddd"/><text x="${PLOT.x - 6}" y="${num(yOf(t) + 4)}" text-anchor="end">${label(t)}</text>`,
    )
    .join('');
}

/**
 * A line per series over a numeric x axis. `series`: `[{name, points: [[x, y], ...]}]`.
 * Each series is one `<polyline>` (class `series`, `data-name` its name).
 */
export function lineChart({ title, xLabel, yLabel, series }) {
  const xs = series.flatMap((s) => s.points.map(([x]) => x));
  const ys = series.flatMap((s) => s.points.map(([, y]) => y));
  const xTicks = niceTicks(Math.max(1, ...xs), 8);
  const yTicks = niceTicks(Math.max(0, ...ys));
  const xOf = (x) => PLOT.x + (x / xTicks.at(-1)) * PLOT.w;
  const yOf = (y) => PLOT.y + PLOT.h - (y / yTicks.at(-1)) * PLOT.h;
  const xAxis = xTicks
    .map(
      (t) =>
        `<text x="${num(xOf(t))}" y="${PLOT.y + PLOT.h + 16}" text-anchor="middle">${label(t)}</text>`,
    )
    .join('');
  const lines = series
    .map(
      (s, i) =>
        `<polyline class="series" data-name="${escapeXml(s.name)}" fill="none" stroke="${COLORS[i % COLORS.length]}" stroke-width="2" points="${s.points.map(([x, y]) => `${num(xOf(x))},${num(yOf(y))}`).join(' ')}"/>`,
    )
    .join('\n');
  const axes = `<line x1="${PLOT.x}" x2="${PLOT.x}" y1="${PLOT.y}" y2="${PLOT.y + PLOT.h}" stroke="#333333"/><line x1="${PLOT.x}" x2="${PLOT.x + PLOT.w}" y1="${PLOT.y + PLOT.h}" y2="${PLOT.y + PLOT.h}" stroke="#333333"/>`;
  return frame(title, [yAxis(yTicks, yOf), xAxis, axes, lines].join('\n'), {
    xLabel,
    yLabel,
    legend: series.map((s) => s.name),
  });
}

/**
 * Grouped bars: one group per category, one bar per series in each. `series`:
 * `[{name, values: [number | null, ...]}]` aligned with `categories`; null draws no bar. Each bar is
 * a `<rect class="bar">` with `data-series`, `data-category` and `data-value`.
 */
export function barChart({ title, xLabel, yLabel, categories, series }) {
  const values = series.flatMap((s) => s.values).filter((v) => v !== null);
  const yTicks = niceTicks(Math.max(0, ...values));
  const yOf = (y) => PLOT.y + PLOT.h - (y / yTicks.at(-1)) * PLOT.h;
  const groupW = PLOT.w / Math.max(1, categories.length);
  const barW = (groupW * 0.8) / Math.max(1, series.length);
  const bars = [];
  categories.forEach((category, c) => {
    series.forEach((s, i) => {
      const value = s.values[c];
      if (value === null || value === undefined) return;
      const x = PLOT.x + c * groupW + groupW * 0.1 + i * barW;
      bars.push(
        `<rect class="bar" data-series="${escapeXml(s.name)}" data-category="${escapeXml(category)}" data-value="${value}" x="${num(x)}" y="${num(yOf(value))}" width="${num(barW)}" height="${num(PLOT.y + PLOT.h - yOf(value))}" fill="${COLORS[i % COLORS.length]}"/>`,
      );
    });
  });
  const xAxis = categories
    .map(
      (category, c) =>
        `<text x="${num(PLOT.x + (c + 0.5) * groupW)}" y="${PLOT.y + PLOT.h + 16}" text-anchor="middle">${escapeXml(category)}</text>`,
    )
    .join('');
  const axis = `<line x1="${PLOT.x}" x2="${PLOT.x + PLOT.w}" y1="${PLOT.y + PLOT.h}" y2="${PLOT.y + PLOT.h}" stroke="#333333"/>`;
  return frame(title, [yAxis(yTicks, yOf), xAxis, axis, bars.join('\n')].join('\n'), {
    xLabel,
    yLabel,
    legend: series.map((s) => s.name),
  });
}

/** Counts of `values` in `bins` equal-width bins from 0 to the largest value. */
export function histogram(values, bins = 20) {
  if (values.length === 0) return [];
  const max = Math.max(...values);
  const width = max > 0 ? max / bins : 1;
  const counts = Array.from({ length: bins }, (_, i) => ({
    from: i * width,
    to: (i + 1) * width,
    count: 0,
  }));
  for (const v of values) counts[Math.min(bins - 1, Math.floor(v / width))].count += 1;
  return counts;
}

/**
 * The three charts of a benchmark result, as `{file: svg}`: orders per second over the order and
 * sold-out phases, latency percentiles of both, and the distribution of settle times.
 */
export function benchCharts(result) {
  const timeline = [
    ...result.orderPhase.timeline,
    ...(result.sellOut?.timeline ?? []),
    ...result.soldOutPhase.timeline,
  ];
  const perSecond = (key) => timeline.map((t, i) => [i + 1, t[key]]);
  const percentileKeys = ['p50', 'p95', 'p99', 'max'];
  const settle = result.settlement.perOrderHistogram;
  return {
    'orders-per-second.svg': lineChart({
      title: `Orders per second: ${result.productId}`,
      xLabel: 'second of the run (order phase, then sold-out phase)',
      yLabel: 'answers per second',
      series: [
        { name: 'accepted (201)', points: perSecond('accepted') },
        { name: 'sold out (409)', points: perSecond('refused') },
        { name: 'other answers', points: perSecond('other') },
      ],
    }),
    'latency-percentiles.svg': barChart({
      title: 'Latency percentiles',
      xLabel: 'percentile',
      yLabel: 'milliseconds',
      categories: percentileKeys,
      series: [
        {
          name: 'order phase, accepted',
          values: percentileKeys.map((k) => result.orderPhase.latency.ok[k]),
        },
        {
          name: 'sold-out phase, refused',
          values: percentileKeys.map((k) => result.soldOutPhase.latency.rejected[k]),
        },
      ],
    }),
    'settle-times.svg': barChart({
      title: 'Settle time per order (created -> CONFIRMED/FAILED)',
      xLabel: 'settle time, ms (upper bound of the bin)',
      yLabel: 'orders',
      categories: settle.map((b) => String(Math.round(b.to))),
      series: [{ name: 'orders', values: settle.map((b) => b.count) }],
    }),
  };
}
