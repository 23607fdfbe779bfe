import { describe, expect, it } from 'vitest';
import { TOP_OPS, buildChartModel, representativeRun } from '../../../src/main/engine/report/html/chart-model';
import { PROFILED_RUNS, TIMED_RUNS, buildSampleReport } from '../../fixtures/reports/sample-report';

describe('the sample report fixture', () => {
  // Its validity against the schema is checked in report-schema.test.ts.
  it('has phases that sum to each op median, as the engine guarantees', () => {
    for (const variant of buildSampleReport().variants) {
      for (const op of variant.runs[0].ops) {
        expect(op.phases.memoryUs + op.phases.computeUs + op.phases.overheadUs).toBeCloseTo(op.durUs, 6);
      }
    }
  });
});

describe('buildChartModel', () => {
  const report = buildSampleReport();
  const model = buildChartModel(report);

  it('has one latency row per variant x EP run with every timed run', () => {
    expect(model.latency.map((row) => row.label)).toEqual(['dense @ cpu', 'pruned-0.9 @ cpu']);
    expect(model.latency[0].runsMs).toHaveLength(TIMED_RUNS);
    expect(model.latency[0].medianMs).toBe(report.variants[0].runs[0].latencyMs.median);
    expect(model.latency[0].medianLabel).toMatch(/^\d\.\d\d ms$/);
    expect(model.latency[0].title).toContain('95% CI');
  });

  it('lists the longest ops first, split into phases that add up to the median', () => {
    const group = model.topOps[0];
    const ops = report.variants[0].runs[0].ops;
    expect(group.ops).toHaveLength(Math.min(TOP_OPS, ops.length));
    expect(group.ops.map((op) => op.name).slice(0, 3)).toEqual(['/fc1/Gemm', '/fc2/Gemm', '/fc3/Gemm']);
    for (const bar of group.ops) {
      const op = ops.find((o) => o.name === bar.name)!;
      expect(bar.memoryUs + bar.computeUs + bar.overheadUs).toBeCloseTo(op.durUs, 3);
      expect(bar.lowConfidence).toBe(op.lowConfidence.length > 0);
    }
    const softmax = group.ops.find((op) => op.name === '/softmax/Softmax')!;
    expect(softmax.title).toContain('no FLOP model');
    expect(softmax.title).toContain('low confidence');
  });

  it('keeps only the top ops of a large model', () => {
    const large = buildSampleReport();
    const run = large.variants[0].runs[0];
    run.ops = Array.from({ length: 25 }, (_, i) => ({ ...run.ops[0], name: `op${i}`, durUs: i + 1 }));
    const group = buildChartModel(large).topOps[0];
    expect(group.ops.map((op) => op.name)).toEqual(Array.from({ length: TOP_OPS }, (_, i) => `op${24 - i}`));
  });

  it('draws the median-length profiled run of each lane, relative to its start', () => {
    for (const [index, variant] of report.variants.entries()) {
      const run = variant.runs[0];
      const lane = model.timeline[index];
      const chosen = representativeRun(run);
      const lengths = run.profiledRuns.map((w) => w.endMs - w.startMs);
      const sorted = [...lengths].sort((a, b) => a - b);
      expect(lengths[chosen]).toBe(sorted[1]);
      expect(lane.detail).toContain(`profiled run ${chosen + 1} of ${PROFILED_RUNS}`);
      expect(lane.durUs).toBeCloseTo(lengths[chosen] * 1e3, 3);
      expect(lane.rows).toBe(1);
      const spans = run.spans.filter((s) => s.run === chosen);
      expect(lane.spans).toHaveLength(spans.length);
      lane.spans.forEach((span, i) => {
        expect(span.startUs).toBeCloseTo((spans[i].startMs - run.profiledRuns[chosen].startMs) * 1e3, 3);
        expect(span.durUs).toBeCloseTo(spans[i].durMs * 1e3, 3);
        expect(span.slices.reduce((sum, s) => sum + s.durUs, 0)).toBeCloseTo(span.durUs, 6);
        expect(span.slices[0].startUs).toBe(span.startUs);
      });
    }
  });

  it('picks the middle run by length, not the first', () => {
    const run = buildSampleReport().variants[0].runs[0];
    run.profiledRuns = [
      { startMs: 0, endMs: 30 },
      { startMs: 40, endMs: 50 },
      { startMs: 60, endMs: 80 },
    ];
    expect(representativeRun(run)).toBe(2);
  });

  it('charts available counter series only, in seconds', () => {
    expect(model.counters.map((c) => c.title)).toEqual(['cpu utilization · dense @ cpu', 'cpu utilization · pruned-0.9 @ cpu']);
    const series = report.variants[0].runs[0].counters[0];
    expect(model.counters[0].samples[0]).toEqual([series.samples![0][0] / 1e3, series.samples![0][1]]);
    expect(model.counters[0].timedWindowS[0]).toBeCloseTo(report.variants[0].runs[0].timedWindow.startMs / 1e3, 9);
  });
});
