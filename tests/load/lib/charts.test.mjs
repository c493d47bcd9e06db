import { describe, expect, it } from '@jest/globals';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { barChart, benchCharts, escapeXml, histogram, lineChart, niceTicks } from './charts.mjs';

const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' });
const asList = (x) => (x === undefined ? [] : [].concat(x));

/** Parses an SVG after checking it is well-formed XML; fails the test otherwise. */
function parseSvg(svg) {
  expect(XMLValidator.validate(svg)).toBe(true);
  const { svg: root } = parser.parse(svg);
  expect(root.xmlns).toBe('http://www.w3.org/2000/svg');
  return root;
}

/** The `points` of a polyline back in data units is not needed: its vertex count and order are. */
const vertices = (polyline) => polyline.points.split(' ').map((p) => p.split(',').map(Number));

describe('lineChart', () => {
  it('draws one polyline per series, one vertex per point, left to right', () => {
    const svg = lineChart({
      title: 'Orders <per> second & more',
      xLabel: 'second',
      yLabel: 'orders/s',
      series: [
        {
          name: 'accepted (201)',
          points: [
            [1, 100],
            [2, 300],
            [3, 0],
          ],
        },
        {
          name: 'sold out (409)',
          points: [
            [1, 0],
            [2, 50],
            [3, 900],
          ],
        },
      ],
    });
    const root = parseSvg(svg);
    expect(root.title).toBe('Orders <per> second & more');
    const lines = asList(root.polyline);
    expect(lines.map((l) => l['data-name'])).toEqual(['accepted (201)', 'sold out (409)']);
    const [accepted, refused] = lines.map(vertices);
    expect(accepted).toHaveLength(3);
    expect(accepted.map(([x]) => x)).toEqual([...accepted.map(([x]) => x)].sort((a, b) => a - b));
    // Higher values sit higher on the page (smaller y): 300 above 100 above 0.
    expect(accepted[1][1]).toBeLessThan(accepted[0][1]);
    expect(accepted[0][1]).toBeLessThan(accepted[2][1]);
    // The largest value of all (900) is within the plot, at its top tick or below.
    expect(Math.min(...refused.map(([, y]) => y))).toBeGreaterThanOrEqual(40);
  });
});

describe('barChart', () => {
  it('draws one bar per value with its series, category and value, and none for null', () => {
    const svg = barChart({
      title: 'Latency',
      xLabel: 'percentile',
      yLabel: 'ms',
      categories: ['p50', 'p99'],
      series: [
        { name: 'orders', values: [12, 80] },
        { name: 'sold out', values: [3, null] },
      ],
    });
    const bars = asList(parseSvg(svg).rect).filter((r) => r.class === 'bar');
    expect(
      bars.map((b) => [b['data-series'], b['data-category'], Number(b['data-value'])]),
    ).toEqual([
      ['orders', 'p50', 12],
      ['sold out', 'p50', 3],
      ['orders', 'p99', 80],
    ]);
    const height = (b) => Number(b.height);
    expect(height(bars[2])).toBeGreaterThan(height(bars[0]));
    expect(height(bars[2]) / height(bars[0])).toBeCloseTo(80 / 12, 5);
  });
});

describe('helpers', () => {
  it('escapes XML', () => {
    expect(escapeXml(`a<b>&"c"'`)).toBe('a&lt;b&gt;&amp;&quot;c&quot;&apos;');
  });

  it('picks round ticks that cover the maximum', () => {
    expect(niceTicks(900)).toEqual([0, 200, 400, 600, 800, 1000]);
    expect(niceTicks(1)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceTicks(0)).toEqual([0, 1]);
  });

  it('bins values from 0 to the largest', () => {
    const bins = histogram([1, 2, 2, 10], 5);
    expect(bins.map((b) => b.count)).toEqual([1, 2, 0, 0, 1]); // bins of 2: [0,2) [2,4) ... [8,10]
    expect(bins.at(-1).to).toBe(10);
    expect(histogram([])).toEqual([]);
  });
});

describe('benchCharts', () => {
  it('writes the three charts of a result from its timelines, latencies and settle times', () => {
    const latency = (p50, p99) => ({ p50, p95: p99, p99, max: p99 * 2, count: 10, mean: p50 });
    const charts = benchCharts({
      productId: 'FS-1',
      orderPhase: {
        timeline: [
          { accepted: 500, refused: 0, other: 0 },
          { accepted: 200, refused: 300, other: 1 },
        ],
        latency: { ok: latency(20, 90), rejected: latency(5, 10) },
      },
      sellOut: null,
      soldOutPhase: {
        timeline: [{ accepted: 0, refused: 4000, other: 0 }],
        latency: { ok: latency(0, 0), rejected: latency(2, 9) },
      },
      settlement: { perOrderHistogram: histogram([100, 200, 300, 900], 4) },
    });
    expect(Object.keys(charts)).toEqual([
      'orders-per-second.svg',
      'latency-percentiles.svg',
      'settle-times.svg',
    ]);
    const lines = asList(parseSvg(charts['orders-per-second.svg']).polyline);
    expect(lines.map((l) => [l['data-name'], vertices(l).length])).toEqual([
      ['accepted (201)', 3],
      ['sold out (409)', 3],
      ['other answers', 3],
    ]);
    const bars = (file) => asList(parseSvg(charts[file]).rect).filter((r) => r.class === 'bar');
    expect(bars('latency-percentiles.svg').map((b) => Number(b['data-value']))).toEqual([
      20, 2, 90, 9, 90, 9, 180, 18,
    ]);
    expect(bars('settle-times.svg').map((b) => Number(b['data-value']))).toEqual([2, 1, 0, 1]); // bins of 225 ms
  });
});
