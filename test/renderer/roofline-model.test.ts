import { describe, expect, it } from 'vitest';
import { fractionOfRoof, rooflineModel } from '../../src/renderer/src/charts/roofline-model';
import { roofAt } from '../../src/shared/roofline';
import { buildTimelineData, type TimelineLane } from '../../src/renderer/src/charts/timeline-data';
import type { Ceilings, OpReport, RunReport } from '../../src/shared/report';
import { buildSampleReport } from '../fixtures/reports/sample-report';

const CEILINGS = {
  memoryBandwidthBytesPerSec: 10e9,
  cacheBandwidthBytesPerSec: 40e9,
  peakFlopsPerSec: 100e9,
  ep: 'cpu',
  threads: 4,
} as Ceilings;

function lane(variantId: string, ops: Partial<OpReport>[]): TimelineLane {
  return {
    key: `${variantId}@cpu`,
    variantId,
    ep: 'cpu',
    run: { ops: ops as OpReport[], ceilings: CEILINGS } as RunReport,
    originMs: 0,
    spans: [],
    runWindows: [],
  };
}

describe('roofline model', () => {
  it('bounds intensity by bandwidth below the ridge and by peak above it', () => {
    const dram = { bandwidthBytesPerSec: 10e9, peakFlopsPerSec: 100e9 };
    expect(roofAt(dram, 1)).toBe(10e9);
    expect(roofAt(dram, 10)).toBe(100e9); // the ridge: 100 GFLOP/s / 10 GB/s
    expect(roofAt(dram, 1000)).toBe(100e9);
  });

  it('places each modelled op at (FLOP/B, FLOP / median time), one roof per memory level', () => {
    const model = rooflineModel([
      lane('dense', [
        { name: 'fc', opType: 'Gemm', flops: 2e6, intensity: 0.5, durUs: 200, bound: 'memory' },
        { name: 'softmax', opType: 'Softmax', flops: null, intensity: null, durUs: 5, bound: 'unknown' },
      ]),
      lane('pruned-0.9', [{ name: 'fc', opType: 'Gemm', flops: 2e6, intensity: 0.5, durUs: 100, bound: 'memory' }]),
    ]);
    expect(model.points.map((p) => [p.laneKey, p.name, p.intensity, p.flopsPerSec])).toEqual([
      ['dense@cpu', 'fc', 0.5, 1e10],
      ['pruned-0.9@cpu', 'fc', 0.5, 2e10],
    ]);
    expect(model.omitted).toBe(1);
    expect(model.variants).toEqual(['dense', 'pruned-0.9']);
    // The same ceilings for both lanes: two roofs, not four.
    expect(model.roofs.map((r) => [r.level, r.ridgeIntensity])).toEqual([
      ['dram', 10],
      ['cache', 2.5],
    ]);
    // Domains are whole decades around the points and ridges (halved / doubled first).
    expect(model.xDomain).toEqual([0.1, 100]);
    expect(model.yDomain).toEqual([1e9, 1e12]);
    // At 0.5 FLOP/B the lowest roof is DRAM's 5 GFLOP/s: the dense op reaches 200% of it (cache-served bytes).
    expect(fractionOfRoof(model.points[0], model.roofs)).toBeCloseTo(2, 12);
  });

  it('plots the sample report: every op with a FLOP model, on both lanes', () => {
    const data = buildTimelineData(buildSampleReport());
    const model = rooflineModel(data.lanes);
    const modelled = data.lanes.flatMap((l) => l.run.ops.filter((o) => o.flops !== null && o.flops > 0 && o.durUs > 0));
    expect(model.points).toHaveLength(modelled.length);
    expect(model.points.length + model.omitted).toBe(data.lanes.reduce((n, l) => n + l.run.ops.length, 0));
    for (const p of model.points) {
      expect(p.intensity).toBeGreaterThanOrEqual(model.xDomain[0]);
      expect(p.intensity).toBeLessThanOrEqual(model.xDomain[1]);
      expect(p.flopsPerSec).toBeGreaterThanOrEqual(model.yDomain[0]);
      expect(p.flopsPerSec).toBeLessThanOrEqual(model.yDomain[1]);
    }
  });
});
