/** The brushed-range aggregation and the per-op table's sort and filter, on hand-made lanes and the sample report. */
import { describe, expect, it } from 'vitest';
import { filterOps, opRows, sortOps } from '../../src/renderer/src/charts/op-table';
import { aggregateRange, countersInRange } from '../../src/renderer/src/charts/range-aggregate';
import { buildTimelineData, type TimelineLane } from '../../src/renderer/src/charts/timeline-data';
import type { OpReport, RunReport } from '../../src/shared/report';
import { buildSampleReport } from '../fixtures/reports/sample-report';

/** Ops: 0 Conv (all memory), 1 Relu (all compute). Spans [op, startMs, durMs]. */
function lane(spans: [number, number, number][]): TimelineLane {
  const ops = [{ name: 'conv1', opType: 'Conv' }, { name: 'relu1', opType: 'Relu' }] as OpReport[];
  return {
    key: 'dense@cpu',
    variantId: 'dense',
    ep: 'cpu',
    run: { ops } as RunReport,
    originMs: 0,
    spans: spans.map(([op, startMs, durMs], i) => ({
      startMs,
      durMs,
      opIndex: op,
      run: i,
      shares: op === 0 ? { memory: 1, compute: 0, overhead: 0 } : { memory: 0, compute: 1, overhead: 0 },
      offCpuProvider: null,
    })),
    runWindows: [],
  };
}

describe('aggregateRange', () => {
  const l = lane([
    [0, 0, 4], // Conv 0-4
    [1, 4, 1], // Relu 4-5
    [0, 6, 4], // Conv 6-10
    [1, 10, 2], // Relu 10-12
    [0, 20, 100], // a long Conv 20-120
  ]);

  it('sums the time inside the range by op type, clipping spans at its edges', () => {
    const [range] = aggregateRange([l], 2, 11);
    // Conv: 2..4 (2 ms) + 6..10 (4 ms) = 6; Relu: 4..5 (1) + 10..11 (1) = 2
    expect(range.opTimeMs).toBe(8);
    expect(range.rows).toEqual([
      { opType: 'Conv', spans: 2, timeMs: 6, share: 0.75, phaseMs: { memory: 6, compute: 0, overhead: 0 } },
      { opType: 'Relu', spans: 2, timeMs: 2, share: 0.25, phaseMs: { memory: 0, compute: 2, overhead: 0 } },
    ]);
  });

  it('finds a long span that started before the range, and accepts the range backwards', () => {
    const [range] = aggregateRange([l], 60, 50);
    expect(range.rows).toEqual([{ opType: 'Conv', spans: 1, timeMs: 10, share: 1, phaseMs: { memory: 10, compute: 0, overhead: 0 } }]);
    expect(aggregateRange([l], 13, 19)[0]).toEqual({ laneKey: 'dense@cpu', opTimeMs: 0, rows: [] });
  });

  it('over the whole of every run, gives each lane its total span time', () => {
    const data = buildTimelineData(buildSampleReport());
    const ranges = aggregateRange(data.lanes, data.runsExtentMs[0], data.runsExtentMs[1]);
    ranges.forEach((range, i) => {
      const total = data.lanes[i].spans.reduce((sum, s) => sum + s.durMs, 0);
      expect(range.opTimeMs).toBeCloseTo(total, 9);
      expect(range.rows.reduce((sum, r) => sum + r.share, 0)).toBeCloseTo(1, 12);
    });
  });
});

describe('op table', () => {
  const run = buildSampleReport().variants[0].runs[0];
  const rows = opRows(run);

  it('has a row per op with its share of the run', () => {
    expect(rows.map((r) => r.name)).toEqual(run.ops.map((o) => o.name));
    expect(rows.reduce((sum, r) => sum + r.share, 0)).toBeCloseTo(1, 12);
  });

  it('sorts by a number column either way, by text A to Z, missing values last', () => {
    const slowest = sortOps(rows, { column: 'durUs', descending: true });
    for (let i = 1; i < slowest.length; i++) expect(slowest[i - 1].durUs).toBeGreaterThanOrEqual(slowest[i].durUs);
    expect(sortOps(rows, { column: 'durUs', descending: false }).map((r) => r.index)).toEqual([...slowest].reverse().map((r) => r.index));
    const byName = sortOps(rows, { column: 'name', descending: false }).map((r) => r.name);
    expect(byName).toEqual([...byName].sort((a, b) => a.localeCompare(b)));
    const withNull = [{ ...rows[0], index: 0, intensity: null }, { ...rows[1], index: 1, intensity: 5 }, { ...rows[2], index: 2, intensity: 1 }];
    expect(sortOps(withNull, { column: 'intensity', descending: true }).map((r) => r.index)).toEqual([1, 2, 0]);
    expect(sortOps(withNull, { column: 'intensity', descending: false }).map((r) => r.index)).toEqual([2, 1, 0]);
  });

  it('filters by words in the name, type or provider, and by type: and bound: exactly', () => {
    const type = rows[0].opType;
    expect(filterOps(rows, '').length).toBe(rows.length);
    expect(filterOps(rows, `type:${type.toLowerCase()}`).every((r) => r.opType === type)).toBe(true);
    expect(filterOps(rows, `type:${type}`).length).toBe(rows.filter((r) => r.opType === type).length);
    expect(filterOps(rows, rows[1].name.toUpperCase()).map((r) => r.index)).toContain(1);
    expect(filterOps(rows, 'bound:memory').every((r) => r.bound === 'memory')).toBe(true);
    expect(filterOps(rows, 'no-such-op-anywhere')).toEqual([]);
  });
});

describe('countersInRange', () => {
  const track = {
    name: 'cpu.utilization',
    unit: '%',
    source: 'proc',
    minValue: 0,
    maxValue: 100,
    lines: [{ laneKey: 'dense@cpu', lane: 0, points: [[0, 50], [10, 100], [20, 0], [30, 80]] as [number, number][] }],
  };

  it('weighs each sample by how long it held inside the range (step line)', () => {
    // 5..25: 50 for 5 ms, 100 for 10 ms, 0 for 5 ms -> (250 + 1000 + 0) / 20 = 62.5
    expect(countersInRange([track], 'dense@cpu', 25, 5)).toEqual([{ name: 'cpu.utilization', unit: '%', mean: 62.5, max: 100 }]);
    // inside one step
    expect(countersInRange([track], 'dense@cpu', 12, 18)[0]).toMatchObject({ mean: 100, max: 100 });
  });

  it('leaves out lanes without samples and ranges before the first sample', () => {
    expect(countersInRange([track], 'pruned@cpu', 0, 30)).toEqual([]);
    expect(countersInRange([track], 'dense@cpu', -10, -1)).toEqual([]);
  });
});
