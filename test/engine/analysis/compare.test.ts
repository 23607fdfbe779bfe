import { describe, expect, it } from 'vitest';
import { formatProfileSummary } from '../../../src/main/cli/summary-table';
import { compareRunPair, comparison } from '../../../src/main/engine/analysis/compare';
import { mannWhitneyU } from '../../../src/main/engine/analysis/mann-whitney';
import { latencyStats } from '../../../src/main/engine/analysis/stats';
import type { RunReport } from '../../../src/shared/report';
import { buildSampleReport } from '../../fixtures/reports/sample-report';

/** A copy of `run` whose timed latencies are `latenciesMs` (statistics recomputed). */
function withLatencies(run: RunReport, latenciesMs: number[]): RunReport {
  return { ...run, latenciesMs, latencyMs: latencyStats(latenciesMs) };
}

describe('comparison statistics', () => {
  const report = buildSampleReport();
  const dense = report.variants[0].runs[0];

  it('puts a Mann-Whitney p-value on every comparison', () => {
    const [a, b] = report.variants;
    const cmp = compareRunPair(report, { variant: a.id, ep: a.runs[0].ep }, { variant: b.id, ep: b.runs[0].ep });
    expect(cmp.mannWhitney).toBeDefined();
    expect(cmp.mannWhitney!.p).toBeGreaterThanOrEqual(0);
    expect(cmp.mannWhitney!.p).toBeLessThanOrEqual(1);
    expect(cmp.mannWhitney).toEqual(mannWhitneyU(a.runs[0].latenciesMs, b.runs[0].latenciesMs));
  });

  it('finds a clear 2x speedup significant and a run against itself not', () => {
    const base = Array.from({ length: 30 }, (_, i) => 10 + (i % 7) * 0.05);
    const fast = base.map((v) => v / 2);
    const cmp = comparison('dense', withLatencies(dense, base), 1000, 'pruned', withLatencies(dense, fast), 500);
    expect(cmp.speedupMedian).toBeCloseTo(2, 12);
    expect(cmp.significant).toBe(true);
    // Complete separation of 30 vs 30 values (with ties inside each sample): normal approximation.
    expect(cmp.mannWhitney!.method).toBe('normal');
    expect(cmp.mannWhitney!.u).toBe(900);
    expect(cmp.mannWhitney!.p).toBeLessThan(1e-9);
    const same = comparison('dense', withLatencies(dense, base), 1000, 'dense', withLatencies(dense, base), 1000);
    expect(same.mannWhitney!.p).toBe(1);
  });

  it('compares the steady-state runs, leaving a detected warm-up prefix out of both tests', () => {
    const steady = Array.from({ length: 40 }, (_, i) => 10 + (i % 5) * 0.02);
    const withWarmup = [40, 35, 30, 25, 20, 15, ...steady];
    const base = withLatencies(dense, withWarmup);
    expect(base.latencyMs.warmupDiscarded).toBe(6);
    const cmp = comparison('dense', base, 1, 'dense', withLatencies(dense, steady), 1);
    // Without the warm-up the two samples are identical.
    expect(cmp.speedupMedian).toBe(1);
    expect(cmp.mannWhitney!.p).toBe(1);
  });

  it('prints the p-value in the CLI summary', () => {
    const sample = buildSampleReport();
    const [a, b] = sample.variants;
    const cmp = comparison(a.id, a.runs[0], a.fileBytes, b.id, b.runs[0], b.fileBytes);
    const text = formatProfileSummary({ ...sample, comparisons: [cmp] }, { report: 'r', html: 'h', trace: 't', models: [] });
    expect(text).toContain('p (Mann-Whitney)');
    const p = cmp.mannWhitney!.p;
    expect(text).toContain(p < 0.001 ? '< 0.001' : p.toPrecision(2));
  });
});
