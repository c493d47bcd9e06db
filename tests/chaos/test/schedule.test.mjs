// The schedule is a pure function of the seed: same seed, same plan; another seed, another order.
import { describe, expect, test } from '@jest/globals';
import { FAULTS, PROFILES, planSchedule } from '../lib/schedule.mjs';

describe('planSchedule', () => {
  test('is the same for the same seed and covers every fault of the profile once', () => {
    for (const profile of Object.keys(PROFILES)) {
      const a = planSchedule(42, profile);
      expect(planSchedule(42, profile)).toEqual(a);
      expect(a.map((s) => s.kind).sort()).toEqual([...PROFILES[profile].faults].sort());
      for (const s of a) expect(FAULTS[s.kind]).toBeDefined();
    }
  });

  test('never replays the stale snapshot first', () => {
    for (let seed = 0; seed < 200; seed++) {
      expect(planSchedule(seed, 'short')[0].kind).not.toBe('redis-stale-restore');
    }
  });

  test('other seeds give other orders, and timings within the profile bounds', () => {
    const orders = new Set();
    for (let seed = 0; seed < 20; seed++) {
      const plan = planSchedule(seed, 'full');
      orders.add(plan.map((s) => s.kind).join());
      for (const s of plan) {
        expect(s.gapBeforeS).toBeGreaterThanOrEqual(PROFILES.full.gapS[0]);
        expect(s.gapBeforeS).toBeLessThanOrEqual(PROFILES.full.gapS[1]);
        if (s.kind === 'kafka-pause') expect(s.downS).toBeLessThanOrEqual(60);
      }
    }
    expect(orders.size).toBeGreaterThan(10);
  });

  test('refuses an unknown profile', () => {
    expect(() => planSchedule(1, 'huge')).toThrow(/unknown profile/);
  });
});
