import { describe, expect, it } from 'vitest';
import { detectSteadyState, farOutliers } from '../../../src/main/engine/analysis/steady-state';
import { latencyStats } from '../../../src/main/engine/analysis/stats';
import { SeededRandom } from '../../../src/shared/random';

/** A noisy steady series around `level` (uniform +-1%). */
function steadySeries(n: number, level: number, seed = 3): number[] {
  const rng = new SeededRandom(seed);
  return Array.from({ length: n }, () => level * (0.99 + 0.02 * rng.next()));
}

describe('steady-state detection', () => {
  it('drops a slow warm-up prefix and nothing else', () => {
    // 6 runs decaying from 20 ms to 10.6 ms, then 54 runs at ~10 ms.
    const warm = [20, 17, 15, 13, 12, 11.2];
    const series = [...warm, ...steadySeries(54, 10)];
    const s = detectSteadyState(series);
    expect(s.settled).toBe(true);
    // The first 5-run window whose median is within +-5% of 10 ms starts at the run of 12 ms;
    // it and the 11.2 ms run are outside the band, so the steady runs start at index 6.
    expect(s.discardedRuns).toBe(6);
    const stats = latencyStats(series);
    expect(stats.warmupDiscarded).toBe(s.discardedRuns);
    expect(stats.n).toBe(series.length - s.discardedRuns);
    expect(stats.max).toBeLessThan(12);
  });

  it('keeps a series that is steady from the start', () => {
    expect(detectSteadyState(steadySeries(60, 5))).toEqual({ discardedRuns: 0, settled: true });
  });

  it('does not judge short series', () => {
    expect(detectSteadyState([30, 20, 10, 10, 10, 10, 10, 10, 10, 10])).toEqual({ discardedRuns: 0, settled: true });
    expect(latencyStats([30, 20, 10, 10, 10, 10, 10, 10, 10, 10]).n).toBe(10);
  });

  it('reports a drifting series as not settled without discarding', () => {
    const drifting = Array.from({ length: 40 }, (_, i) => 10 + i); // rises throughout
    expect(detectSteadyState(drifting)).toEqual({ discardedRuns: 0, settled: false });
  });
});

describe('outlier flags', () => {
  it('flags values beyond Q3 + 3 IQR and Q1 - 3 IQR only', () => {
    // 1..20 and one more value x > 20: Q1 = 6, Q3 = 16 (type 7, n = 21), IQR = 10 -> upper fence 46.
    const values = Array.from({ length: 20 }, (_, i) => i + 1);
    expect(farOutliers([...values, 45.9])).toEqual([]);
    expect(farOutliers([...values, 46.1])).toEqual([20]);
    // -30 and 1..20: Q1 = 5, Q3 = 15, IQR = 10 -> lower fence -25.
    expect(farOutliers([-30, ...values])).toEqual([0]);
    expect(farOutliers([-24.9, ...values])).toEqual([]);
  });

  it('flags outliers by index into the whole series, after the warm-up', () => {
    const series = [20, 17, 15, 13, 12, 11.2, ...steadySeries(54, 10)];
    series[40] = 50;
    const stats = latencyStats(series);
    expect(stats.outlierRuns).toEqual([40]);
    expect(stats.max).toBe(50); // flagged, not removed
  });
});
