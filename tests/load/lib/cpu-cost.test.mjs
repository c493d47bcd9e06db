import { describe, expect, it } from '@jest/globals';
import { cpuCostPerAnswer } from './cpu-cost.mjs';
import { flameGraphSvg, profileTree, topSelfTime } from './flame.mjs';

describe('cpuCostPerAnswer', () => {
  it('divides each process CPU by the answers and sums the pipeline without the generator', () => {
    const cost = cpuCostPerAnswer(
      {
        'order-service': 2,
        'inventory-service': 0.5,
        redis: 0.1,
        mariadb: 0.3,
        kafka: 0.1,
        'bench (autocannon)': 1,
      },
      10_000,
      2,
    );
    expect(cost.processes['order-service'].usPerAnswer).toBe(200);
    expect(cost.processes['bench (autocannon)'].usPerAnswer).toBe(100);
    expect(cost.pipeline.usPerAnswer).toBeCloseTo(300);
    expect(cost.pipeline.answersPerSecondOnAllCores).toBeCloseTo(2e6 / 300);
    expect(cost.pipeline.answersPerSecondWithGenerator).toBeCloseTo(2e6 / 400);
  });

  it('subtracts each process idle CPU over the phase for the net figures', () => {
    const cost = cpuCostPerAnswer({ 'order-service': 2, kafka: 0.5 }, 10_000, 2, {
      seconds: 10,
      idleCpuPerSecond: { 'order-service': 0.05, kafka: 0.1 },
    });
    expect(cost.processes['order-service'].netUsPerAnswer).toBeCloseTo(150);
    expect(cost.processes.kafka.netUsPerAnswer).toBe(0);
    expect(cost.pipeline.netUsPerAnswer).toBeCloseTo(150);
  });

  it('has no per-answer figure without answers', () => {
    const cost = cpuCostPerAnswer({ 'order-service': 1 }, 0, 2);
    expect(cost.processes['order-service'].usPerAnswer).toBeNull();
    expect(cost.pipeline.answersPerSecondOnAllCores).toBeNull();
  });
});

/** A V8 profile: root -> main -> (hot, cold), plus idle; samples name the leaves. */
const frame = (functionName, url = '') => ({ functionName, url, lineNumber: 0, columnNumber: 0 });
const profile = {
  nodes: [
    { id: 1, callFrame: frame('(root)'), children: [2, 5], hitCount: 0 },
    { id: 2, callFrame: frame('main', 'file:///repo/app.js'), children: [3, 4], hitCount: 0 },
    { id: 3, callFrame: frame('hot', 'file:///repo/node_modules/lib/x.js'), hitCount: 3 },
    { id: 4, callFrame: frame('cold', 'file:///repo/app.js'), hitCount: 1 },
    { id: 5, callFrame: frame('(idle)'), hitCount: 6 },
  ],
  samples: [3, 3, 3, 4, 5, 5, 5, 5, 5, 5],
};

describe('flame graphs', () => {
  it('rebuilds the nested tree the flamegraph package reads, with short urls', () => {
    const { head } = profileTree(profile, '/repo');
    expect(head.children[0].functionName).toBe('main');
    expect(head.children[0].url).toBe('app.js');
    expect(head.children[0].children.map((c) => [c.functionName, c.url, c.hitCount])).toEqual([
      ['hot', 'lib/x.js', 3],
      ['cold', 'app.js', 1],
    ]);
  });

  it('draws every busy frame and leaves idle time out', () => {
    const svg = flameGraphSvg(profile, { title: 'test profile', root: '/repo' });
    expect(svg).toContain('<svg');
    expect(svg).toContain('test profile');
    expect(svg).toContain('hot lib/x.js:1');
    expect(svg).not.toContain('(idle)');
  });

  it('ranks self time as shares of busy samples', () => {
    expect(topSelfTime(profile, { root: '/repo' })).toEqual([
      { site: 'hot lib/x.js', share: 0.75 },
      { site: 'cold app.js', share: 0.25 },
    ]);
  });
});
