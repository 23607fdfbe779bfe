import { scaleLinear } from 'd3';
import { describe, expect, it } from 'vitest';
import { buildTimelineData, phaseShares, type TimelineLane } from '../../src/renderer/src/charts/timeline-data';
import { DEFAULT_LAYOUT, dominantPhase, hitTest, laneBands, layoutRunBands, layoutSpans, type SpanRect } from '../../src/renderer/src/charts/timeline-layout';
import type { OpReport, RunReport } from '../../src/shared/report';
import { buildSampleReport, CPU_PROVIDER, PROFILED_RUNS, WEBGPU_PROVIDER } from '../fixtures/reports/sample-report';

const BANDS = laneBands(2, 20, 4, 4);

/**
 * A lane with explicit spans (start ms, duration ms) of one op whose phases are 50/30/20 %, run on the CPU EP
 * unless `offCpuProvider` says otherwise.
 */
function laneWith(spans: [number, number][], shares = { memory: 0.5, compute: 0.3, overhead: 0.2 }, offCpuProvider: string | null = null): TimelineLane {
  const op = { name: 'fc1/MatMul' } as OpReport;
  return {
    key: 'dense@cpu',
    variantId: 'dense',
    ep: 'cpu',
    run: { ops: [op] } as RunReport,
    originMs: 0,
    spans: spans.map(([startMs, durMs], i) => ({ startMs, durMs, opIndex: 0, run: i, shares, offCpuProvider })),
    runWindows: [],
  };
}

function scale(domain: [number, number], widthPx: number) {
  return scaleLinear().domain(domain).range([0, widthPx]);
}

function segmentSum(rect: SpanRect): number {
  return rect.segments.reduce((sum, s) => sum + s.widthPx, 0);
}

describe('buildTimelineData', () => {
  const report = buildSampleReport();
  const [denseRun, prunedRun] = report.variants.map((variant) => variant.runs[0]);
  const data = buildTimelineData(report);

  it('makes one lane per variant x EP, in report order', () => {
    expect(data.lanes.map((l) => l.key)).toEqual(['dense@cpu', 'pruned-0.9@cpu']);
    const withGpu = buildTimelineData(buildSampleReport({ webgpu: true }));
    expect(withGpu.lanes.map((l) => l.key)).toEqual(['dense@cpu', 'dense@webgpu', 'pruned-0.9@cpu', 'pruned-0.9@webgpu']);
  });

  it("puts every lane's first profiled run at 0, so lanes align although they ran at different job times", () => {
    const [dense, pruned] = data.lanes;
    expect(dense.originMs).toBe(denseRun.profiledRuns[0].startMs);
    expect(pruned.originMs).toBe(prunedRun.profiledRuns[0].startMs);
    // The pruned variant ran after the dense one: on the job clock its spans start far later.
    expect(pruned.originMs - dense.originMs).toBeGreaterThan(300);
    for (const lane of data.lanes) {
      expect(lane.runWindows[0].startMs).toBe(0);
      expect(lane.spans).toHaveLength(lane.run.ops.length * PROFILED_RUNS);
      // The first op starts where its run's spans say, counted from the run's start.
      expect(lane.spans[0].startMs).toBeCloseTo(lane.run.spans[0].startMs - lane.run.profiledRuns[0].startMs, 9);
      expect(lane.spans[0].startMs).toBeGreaterThan(0);
    }
    // Same op, same run: starts line up to within the variants' slightly different op times.
    expect(Math.abs(pruned.spans[3].startMs - dense.spans[3].startMs)).toBeLessThan(0.25);
  });

  it('turns op phases into shares of the span, stall included in overhead', () => {
    const shares = phaseShares({ memoryUs: 6, computeUs: 2, overheadUs: 2, stallUs: 1 });
    expect(shares).toEqual({ memory: 0.6, compute: 0.2, overhead: 0.2 });
    expect(phaseShares({ memoryUs: 0, computeUs: 0, overheadUs: 0, stallUs: 0 })).toEqual({ memory: 0, compute: 0, overhead: 1 });
  });

  it('shifts counter samples by the same per-lane origin, one track per counter with a line per lane', () => {
    expect(data.counterTracks.map((t) => t.name)).toEqual(['cpu utilization']);
    const [cpu] = data.counterTracks;
    expect(cpu.lines.map((l) => l.laneKey)).toEqual(['dense@cpu', 'pruned-0.9@cpu']);
    cpu.lines.forEach((line, i) => {
      const lane = data.lanes[i];
      const samples = lane.run.counters[0].samples ?? [];
      expect(line.points).toHaveLength(samples.length);
      expect(line.points[0][0]).toBeCloseTo(samples[0][0] - lane.originMs, 9);
      // Sampling began with the session, well before the first profiled run.
      expect(line.points[0][0]).toBeLessThan(-100);
    });
  });

  it('groups unavailable counters by reason', () => {
    const llc = denseRun.counters.find((c) => c.name === 'LLC misses');
    expect(llc?.reason).toBeTruthy();
    expect(data.unavailableCounters).toEqual([{ reason: llc?.reason, names: ['LLC misses'], laneKeys: ['dense@cpu', 'pruned-0.9@cpu'] }]);
  });

  it('offers the first run as the initial view, inside all runs, inside everything sampled', () => {
    const [f0, f1] = data.firstRunExtentMs;
    const [r0, r1] = data.runsExtentMs;
    const [a0, a1] = data.fullExtentMs;
    expect(f0).toBeCloseTo(0, 9);
    expect(f1).toBeLessThan(r1);
    expect(r0).toBeGreaterThanOrEqual(a0);
    expect(r1).toBeLessThanOrEqual(a1);
    const firstSamples = data.lanes.map((lane) => (lane.run.counters[0].samples ?? [])[0][0] - lane.originMs);
    expect(a0).toBeCloseTo(Math.min(...firstSamples), 9);
  });

  it('names the providers ops ran on and marks the spans of those off the CPU EP', () => {
    expect(data.providers).toEqual([CPU_PROVIDER]);
    for (const lane of data.lanes) for (const span of lane.spans) expect(span.offCpuProvider).toBeNull();

    const withGpu = buildTimelineData(buildSampleReport({ webgpu: true }));
    expect(withGpu.providers).toEqual([CPU_PROVIDER, WEBGPU_PROVIDER]);
    for (const lane of withGpu.lanes) {
      for (const span of lane.spans) {
        const op = lane.run.ops[span.opIndex];
        // On the WebGPU lanes the Softmax fell back to the CPU EP: only it stays unmarked there.
        expect(span.offCpuProvider).toBe(lane.ep === 'webgpu' && op.opType !== 'Softmax' ? WEBGPU_PROVIDER : null);
      }
    }
  });
});

describe('layoutSpans', () => {
  it('places spans on the scale and splits them memory | compute | overhead in proportion', () => {
    const [rect] = layoutSpans([laneWith([[10, 20]])], scale([0, 100], 1000), BANDS);
    expect(rect).toMatchObject({ lane: 0, span: 0, xPx: 100, widthPx: 200, yPx: 4, heightPx: 20, label: 'fc1/MatMul' });
    expect(rect.segments.map((s) => [s.phase, s.xPx, s.widthPx])).toEqual([
      ['memory', 100, 100],
      ['compute', 200, 60],
      ['overhead', 260, 40],
    ]);
  });

  it('skips spans outside the view and clips those crossing its edges', () => {
    const lane = laneWith([[-50, 10], [-5, 10], [50, 10], [95, 10], [120, 5]]);
    const rects = layoutSpans([lane], scale([0, 100], 1000), BANDS);
    expect(rects.map((r) => r.span)).toEqual([1, 2, 3]);
    const [left, , right] = rects;
    expect(left.xPx).toBe(-1);
    expect(left.widthPx).toBe(51);
    expect(right.xPx + right.widthPx).toBe(1001);
    for (const rect of rects) {
      expect(segmentSum(rect)).toBeCloseTo(rect.widthPx, 9);
      for (const s of rect.segments) {
        expect(s.xPx).toBeGreaterThanOrEqual(rect.xPx);
        expect(s.xPx + s.widthPx).toBeLessThanOrEqual(rect.xPx + rect.widthPx + 1e-9);
      }
    }
  });

  it('keeps sub-pixel spans visible as one segment in their dominant phase, without a label', () => {
    const [rect] = layoutSpans([laneWith([[10, 0.0001]], { memory: 0.2, compute: 0.7, overhead: 0.1 })], scale([0, 100], 1000), BANDS);
    expect(rect.widthPx).toBe(DEFAULT_LAYOUT.minWidthPx);
    expect(rect.segments).toEqual([{ phase: 'compute', xPx: 100, widthPx: 1 }]);
    expect(rect.label).toBeNull();
  });

  it('stays bounded at extreme zoom (no coordinates in the millions)', () => {
    const rects = layoutSpans([laneWith([[0, 100]])], scale([20, 20.000001], 1000), BANDS);
    expect(rects).toHaveLength(1);
    expect(rects[0].xPx).toBe(-1);
    expect(rects[0].widthPx).toBe(1002);
    expect(rects[0].segments.map((s) => s.phase)).toEqual(['memory']);
  });

  it('lays out every visible span of the sample report, per lane band', () => {
    const data = buildTimelineData(buildSampleReport());
    const rects = layoutSpans(data.lanes, scale(data.runsExtentMs, 1200), BANDS);
    expect(rects).toHaveLength(data.lanes.reduce((sum, lane) => sum + lane.run.ops.length * PROFILED_RUNS, 0));
    expect(new Set(rects.filter((r) => r.lane === 1).map((r) => r.yPx))).toEqual(new Set([BANDS[1].topPx]));
    expect(rects.every((r) => r.offCpuProvider === null)).toBe(true);
  });

  it("carries an off-CPU op's provider to its rectangle, however narrow", () => {
    const [wide, narrow] = layoutSpans([laneWith([[10, 20], [40, 0.0001]], undefined, WEBGPU_PROVIDER)], scale([0, 100], 1000), BANDS);
    expect(wide.offCpuProvider).toBe(WEBGPU_PROVIDER);
    expect(narrow.widthPx).toBe(DEFAULT_LAYOUT.minWidthPx);
    expect(narrow.offCpuProvider).toBe(WEBGPU_PROVIDER);
    // The phases below the mark are laid out as on the CPU.
    expect(wide.segments.map((s) => s.phase)).toEqual(['memory', 'compute', 'overhead']);

    const data = buildTimelineData(buildSampleReport({ webgpu: true }));
    const rects = layoutSpans(data.lanes, scale(data.runsExtentMs, 1200), laneBands(data.lanes.length, 20, 4));
    const marked = rects.filter((r) => r.offCpuProvider === WEBGPU_PROVIDER);
    // 5 of the 6 ops of each WebGPU lane (dense and pruned), in every profiled run.
    expect(marked).toHaveLength(2 * 5 * PROFILED_RUNS);
    expect(new Set(marked.map((r) => data.lanes[r.lane].ep))).toEqual(new Set(['webgpu']));
  });
});

describe('layoutRunBands', () => {
  it('gives each profiled run a band on its lane', () => {
    const data = buildTimelineData(buildSampleReport());
    const bands = layoutRunBands(data.lanes, scale(data.runsExtentMs, 1200), BANDS);
    expect(bands).toHaveLength(2 * PROFILED_RUNS);
    expect(bands.filter((b) => b.lane === 0).map((b) => b.run)).toEqual([0, 1, 2]);
  });
});

describe('hitTest', () => {
  const rects = layoutSpans([laneWith([[10, 20], [40, 0.0001]])], scale([0, 100], 1000), BANDS);

  it('finds the span under the pointer, and only in its lane band', () => {
    expect(hitTest(rects, 150, 10)?.span).toBe(0);
    expect(hitTest(rects, 150, 30)).toBeNull();
    expect(hitTest(rects, 350, 10)).toBeNull();
  });

  it('forgives a couple of pixels so one-pixel spans can be hovered', () => {
    expect(hitTest(rects, 402, 10)?.span).toBe(1);
    expect(hitTest(rects, 405, 10)).toBeNull();
  });
});

describe('dominantPhase', () => {
  it('picks the largest share, memory first on ties', () => {
    expect(dominantPhase({ memory: 0.4, compute: 0.4, overhead: 0.2 })).toBe('memory');
    expect(dominantPhase({ memory: 0.1, compute: 0.2, overhead: 0.7 })).toBe('overhead');
  });
});
