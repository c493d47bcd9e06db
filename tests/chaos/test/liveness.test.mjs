// The liveness measure: seconds without an accepted order count only while buyers wanted one,
// and time in which the load generator itself was stalled is left out (and reported).
import { describe, expect, test } from '@jest/globals';
import { livenessTable } from '../lib/checks.mjs';

const timeline = {
  baselineStart: 0,
  steps: [{ kind: 'kafka-pause', class: 'kafka-outage', start: 1_000, note: 'paused' }],
};
/** One accepted order every 100 ms from `from` to `to` (ms), except in the `holes`. */
function accepts(from, to, holes = []) {
  const out = [];
  for (let t = from; t < to; t += 100) if (!holes.some(([a, b]) => t >= a && t < b)) out.push(t);
  return out;
}
const pause = (rows) => rows.find((r) => r.fault === 'kafka-pause');

describe('livenessTable', () => {
  test('a second with buyers waiting and no order taken is a MISS during a Kafka outage', () => {
    const rows = livenessTable({
      timeline,
      heal: 6_000,
      acceptTimes: accepts(0, 6_000, [[3_000, 4_000]]),
      demand: [[0, 6_000]],
    });
    expect(pause(rows)).toMatchObject({ secondsWithout: 1, verdict: 'MISS' });
    expect(pause(rows).longestGapS).toBeCloseTo(1.1, 1);
  });

  test('the end of a window is judged as a whole second, not as a fragment of one', () => {
    // The window is 5.1 s: its last 0.1 s holds no order, but no second went by without one.
    const rows = livenessTable({
      timeline,
      heal: 6_100,
      acceptTimes: accepts(0, 6_000),
      demand: [[0, 6_100]],
    });
    expect(pause(rows)).toMatchObject({ secondsWithout: 0, verdict: 'PASS' });
  });

  test('a second in which no buyer wanted the product is no liveness loss', () => {
    const rows = livenessTable({
      timeline,
      heal: 6_000,
      acceptTimes: accepts(0, 6_000, [[3_000, 4_000]]),
      demand: [
        [0, 2_950],
        [4_000, 6_000],
      ],
    });
    expect(pause(rows)).toMatchObject({ secondsWithout: 0, verdict: 'PASS' });
  });

  test('a stall of the load generator is left out of both measures and reported', () => {
    const rows = livenessTable({
      timeline,
      heal: 9_000,
      acceptTimes: accepts(0, 9_000, [[3_000, 6_000]]),
      demand: [[0, 9_000]],
      stalls: [[2_950, 6_000]],
    });
    expect(pause(rows)).toMatchObject({ secondsWithout: 0, verdict: 'PASS' });
    expect(pause(rows).loadStalledS).toBeCloseTo(3, 0);
    expect(pause(rows).longestGapS).toBeLessThan(0.2);
    // As the buyers saw it: the whole hole, unjudged.
    expect(pause(rows).clientLongestGapS).toBeCloseTo(3.1, 1);
  });

  test('a service kill is judged on the longest gap (at most 5 s)', () => {
    const kill = {
      baselineStart: 0,
      steps: [{ kind: 'kill-order-a', class: 'service-kill', start: 1_000 }],
    };
    const row = (hole) =>
      livenessTable({
        timeline: kill,
        heal: 12_000,
        acceptTimes: accepts(0, 12_000, [hole]),
        demand: [[0, 12_000]],
      })[1];
    expect(row([2_000, 6_500])).toMatchObject({ verdict: 'PASS' });
    expect(row([2_000, 7_500])).toMatchObject({ verdict: 'MISS' });
  });
});
