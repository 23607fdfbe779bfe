import { describe, expect, it } from 'vitest';
import { latencyStats, median, medianCi95Sorted, quantileSorted, speedupOfMedians, stddev } from '../../../src/main/engine/analysis/stats';

describe('latency statistics', () => {
  it('matches values computed by hand (numpy type-7 quantiles, sample stddev)', () => {
    const s = latencyStats([5, 1, 4, 2, 3]);
    expect(s.median).toBe(3);
    expect(s.mean).toBe(3);
    expect(s.min).toBe(1);
    expect(s.max).toBe(5);
    // numpy.percentile([1,2,3,4,5], 90) = 4.6, 99 -> 4.96
    expect(s.p90).toBeCloseTo(4.6, 12);
    expect(s.p99).toBeCloseTo(4.96, 12);
    // sample standard deviation of 1..5 = sqrt(2.5)
    expect(s.stddev).toBeCloseTo(Math.sqrt(2.5), 12);
    expect(s.n).toBe(5);
  });

  it('interpolates even-length medians', () => {
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(quantileSorted([10, 20], 0.25)).toBe(12.5);
    expect(stddev([7])).toBe(0);
  });

  it('gives the order-statistic confidence interval of the median', () => {
    // n = 100: ranks 100/2 -+ 1.96*10/2 -> floor(40.2) = 40 and ceil(1 + 50 + 9.8) = 61 (1-based).
    const values = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(medianCi95Sorted(values)).toEqual([40, 61]);
    // small samples: the whole range
    expect(medianCi95Sorted([1, 2, 3])).toEqual([1, 3]);
    const s = latencyStats(values);
    expect(s.ci95[0]).toBeLessThanOrEqual(s.median);
    expect(s.ci95[1]).toBeGreaterThanOrEqual(s.median);
  });

  it('bootstraps the speedup of medians reproducibly', () => {
    const base = Array.from({ length: 50 }, (_, i) => 10 + (i % 5) * 0.1);
    const fast = base.map((v) => v / 2);
    const a = speedupOfMedians(base, fast, { seed: 7 });
    const b = speedupOfMedians(base, fast, { seed: 7 });
    expect(a.speedup).toBeCloseTo(2, 12);
    expect(a).toEqual(b);
    expect(a.ci95[0]).toBeLessThanOrEqual(2);
    expect(a.ci95[1]).toBeGreaterThanOrEqual(2);
    expect(a.ci95[0]).toBeGreaterThan(1.9);
    const same = speedupOfMedians(base, base);
    expect(same.ci95[0]).toBeLessThanOrEqual(1);
    expect(same.ci95[1]).toBeGreaterThanOrEqual(1);
  });
});
