/** Top-down fractions from stall counters and the split of op stall time: known answers by hand. */
import { describe, expect, it } from 'vitest';
import type { CounterSeries, StallSplit } from '../../../src/shared/report';
import { countInWindows, splitStall, topDownFractions, withStallSplit } from '../../../src/main/engine/trace/counters/perf-event-topdown';

const series = (name: string, samples: [number, number][]): CounterSeries => ({ name, unit: 'count', available: true, samples, source: 'test' });
const missing = (name: string, reason: string): CounterSeries => ({ name, unit: 'count', available: false, reason, source: 'test' });

describe('countInWindows', () => {
  it('spreads each interval count evenly over (previous sample, sample] and clips to the windows', () => {
    // Intervals (0,10] = 100, (10,20] = 200, (20,30] = 300; the first sample only starts the series.
    const samples: [number, number][] = [[0, 999], [10, 100], [20, 200], [30, 300]];
    expect(countInWindows(samples, [{ startMs: 0, endMs: 30 }])).toEqual({ count: 600, coveredMs: 30 });
    // Half of (0,10] and all of (10,20].
    expect(countInWindows(samples, [{ startMs: 5, endMs: 20 }])).toEqual({ count: 250, coveredMs: 15 });
    // Two windows add up; nothing outside the samples is made up.
    expect(countInWindows(samples, [{ startMs: 0, endMs: 2 }, { startMs: 28, endMs: 40 }])).toEqual({ count: 20 + 60, coveredMs: 4 });
  });
});

describe('topDownFractions', () => {
  const window = [{ startMs: 0, endMs: 20 }];
  const cycles = series('perf.cycles', [[0, 0], [10, 1000], [20, 1000]]);

  it('gives the shares of cycles stalled in the back end and front end', () => {
    const fractions = topDownFractions(
      [cycles, series('perf.stalled-cycles-backend', [[0, 0], [10, 600], [20, 200]]), series('perf.stalled-cycles-frontend', [[0, 0], [10, 100], [20, 100]])],
      window,
    );
    expect(fractions).toEqual({ available: true, backendBound: 0.4, frontendBound: 0.1, cycles: 2000, coveredMs: 20 });
  });

  it('uses the backend event alone when the CPU has no frontend one', () => {
    const fractions = topDownFractions(
      [cycles, series('perf.stalled-cycles-backend', [[0, 0], [10, 500], [20, 500]]), missing('perf.stalled-cycles-frontend', 'perf_event_open: not supported by this CPU (ENOENT: x)')],
      window,
    );
    expect(fractions).toMatchObject({ available: true, backendBound: 0.5, frontendBound: null });
  });

  it('keeps the shares a partition when a core counts a cycle as both', () => {
    const fractions = topDownFractions(
      [cycles, series('perf.stalled-cycles-backend', [[0, 0], [10, 900], [20, 900]]), series('perf.stalled-cycles-frontend', [[0, 0], [10, 600], [20, 600]])],
      window,
    );
    if (!fractions.available) throw new Error(fractions.reason);
    expect(fractions.backendBound).toBeCloseTo(0.6, 12);
    expect(fractions.frontendBound).toBeCloseTo(0.4, 12);
  });

  it('splits nothing without the events, and says why', () => {
    const noPmu = 'perf_event_open: not supported by this CPU/VM (ENOENT: No such file or directory; no PMU exposed, e.g. a VM without PMU passthrough)';
    expect(topDownFractions([missing('perf.cycles', noPmu)], window)).toEqual({ available: false, reason: `no cycle counts (${noPmu})` });
    expect(topDownFractions([cycles, missing('perf.stalled-cycles-backend', noPmu)], window)).toEqual({
      available: false,
      reason: `no stall events on this CPU (stalled-cycles-backend: ${noPmu})`,
    });
    expect(topDownFractions([cycles], [])).toEqual({ available: false, reason: 'no profiled runs to take counts over' });
    expect(topDownFractions([cycles, series('perf.stalled-cycles-backend', [[0, 0], [10, 1]])], [{ startMs: 50, endMs: 60 }])).toMatchObject({ available: false });
  });
});

describe('splitStall', () => {
  it('splits an op\'s stall time by the fractions; the parts sum to it', () => {
    expect(splitStall(100, { backendBound: 0.4, frontendBound: 0.1 })).toEqual({ backendUs: 40, frontendUs: 10, otherUs: 50 });
    expect(splitStall(80, { backendBound: 0.25, frontendBound: null })).toEqual({ backendUs: 20, frontendUs: 0, otherUs: 60 });
  });

  it('adds the split to each op only when the run has fractions', () => {
    const ops: { phases: { stallUs: number }; stallSplit?: StallSplit }[] = [{ phases: { stallUs: 10 } }, { phases: { stallUs: 0 } }];
    expect(withStallSplit(ops, { available: true, backendBound: 0.5, frontendBound: 0.2, cycles: 1, coveredMs: 1 }).map((o) => o.stallSplit)).toEqual([
      { backendUs: 5, frontendUs: 2, otherUs: 3 },
      { backendUs: 0, frontendUs: 0, otherUs: 0 },
    ]);
    expect(withStallSplit(ops, { available: false, reason: 'x' })).toEqual(ops);
  });
});
