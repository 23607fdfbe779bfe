/** Multiplexing scale-up on synthetic (value, enabled, running) triples: known answers by hand. */
import { describe, expect, it } from 'vitest';
import { scaleCount, scaleInterval } from '../../../src/main/engine/trace/counters/perf-event-scaling';

describe('scaleCount', () => {
  it('leaves a count that was on a counter the whole time as it is', () => {
    expect(scaleCount(1_000_000, 5_000_000, 5_000_000)).toEqual({ value: 1_000_000, runningFraction: 1 });
  });

  it('scales a multiplexed count by enabled / running and reports the running fraction', () => {
    // On a counter a quarter of the time: 250 counted -> 1000 estimated.
    expect(scaleCount(250, 4_000, 1_000)).toEqual({ value: 1000, runningFraction: 0.25 });
    expect(scaleCount(3, 3_000, 2_000)).toEqual({ value: 4.5, runningFraction: 2 / 3 });
  });

  it('says "no data" (null, not 0) for a group that was enabled but never on a counter', () => {
    expect(scaleCount(0, 10_000, 0)).toEqual({ value: null, runningFraction: 0 });
  });

  it('takes a never-enabled per-thread event (its thread did not run) as its raw count', () => {
    expect(scaleCount(0, 0, 0)).toEqual({ value: 0, runningFraction: null });
  });

  it('never scales down when the kernel reports running slightly above enabled', () => {
    expect(scaleCount(500, 1_000, 1_001)).toEqual({ value: 500, runningFraction: 1 });
  });

  it('rejects a failed read (NaN) as no data', () => {
    expect(scaleCount(Number.NaN, 1, 1)).toEqual({ value: null, runningFraction: null });
    expect(scaleCount(1, Number.NaN, 1).value).toBeNull();
  });
});

describe('scaleInterval', () => {
  it('scales the deltas of two cumulative readings by the interval\'s own multiplexing', () => {
    const before = { enabledNs: 1_000, runningNs: 1_000, values: [100, 10] };
    // Next interval: enabled 2000 ns more, running only 500 ns more (25%).
    const after = { enabledNs: 3_000, runningNs: 1_500, values: [150, 12] };
    const interval = scaleInterval(before, after);
    expect(interval.runningFraction).toBe(0.25);
    // (150 - 100) * 4 and (12 - 10) * 4. Differencing scaled cumulative totals instead would
    // give 12 * 3000/1500 - 10 = 14 for the second: the average multiplexing, not this interval's.
    expect(interval.values).toEqual([200, 8]);
  });

  it('counts the first interval from zero (counters start at 0 when opened)', () => {
    expect(scaleInterval(undefined, { enabledNs: 2_000, runningNs: 1_000, values: [7, Number.NaN] })).toEqual({
      values: [14, null],
      runningFraction: 0.5,
    });
  });
});
