/**
 * Steady state and outliers of a series of timed runs.
 *
 * Even after explicit warm-up runs, the first timed runs can still be slower (caches,
 * page faults on first touch of buffers, the CPU clocking up). The steady level is the
 * median of the second half of the series; the warm-up prefix ends at the first window
 * whose rolling median lies within a band around that level (and after that window's own
 * leading runs outside the band). The band is the wider of a
 * relative tolerance and the spread (IQR) of the second half, so noise alone does not
 * read as warm-up.
 *
 * Outliers are flagged (never dropped) with Tukey's far-out fences: beyond Q1 - 3 IQR or
 * Q3 + 3 IQR of the steady-state runs.
 */
import { median, quantileSorted } from './stats';

export interface SteadyState {
  /** Runs at the start of the series left out as warm-up. */
  discardedRuns: number;
  /** False when no window settled within the first half: nothing was discarded, but the series drifts. */
  settled: boolean;
}

export interface SteadyStateOptions {
  /** Rolling-median window, in runs. */
  window?: number;
  /** Relative band around the steady level. */
  tolerance?: number;
  /** Shorter series are taken as steady: too few windows to judge. */
  minRuns?: number;
}

export const STEADY_STATE_DEFAULTS: Required<SteadyStateOptions> = { window: 5, tolerance: 0.05, minRuns: 20 };

export function detectSteadyState(samples: readonly number[], options: SteadyStateOptions = {}): SteadyState {
  const { window, tolerance, minRuns } = { ...STEADY_STATE_DEFAULTS, ...options };
  const n = samples.length;
  if (n < Math.max(minRuns, 2 * window)) return { discardedRuns: 0, settled: true };
  const tail = [...samples.slice(Math.floor(n / 2))].sort((a, b) => a - b);
  const level = quantileSorted(tail, 0.5);
  const band = Math.max(tolerance * level, quantileSorted(tail, 0.75) - quantileSorted(tail, 0.25));
  // Never discard more than half the runs: the level itself comes from the second half.
  for (let start = 0; start + window <= Math.ceil(n / 2); start++) {
    if (Math.abs(median(samples.slice(start, start + window)) - level) <= band) {
      // The window's median has settled; its first runs may still be warm-up.
      let first = start;
      while (first < start + window && Math.abs(samples[first] - level) > band) first++;
      return { discardedRuns: first, settled: true };
    }
  }
  return { discardedRuns: 0, settled: false };
}

/** Indices (into `samples`) of far-out values: beyond Q1 - 3 IQR or Q3 + 3 IQR. */
export function farOutliers(samples: readonly number[]): number[] {
  if (samples.length < 4) return [];
  const s = [...samples].sort((a, b) => a - b);
  const q1 = quantileSorted(s, 0.25);
  const q3 = quantileSorted(s, 0.75);
  const iqr = q3 - q1;
  const low = q1 - 3 * iqr;
  const high = q3 + 3 * iqr;
  return samples.flatMap((v, i) => (v < low || v > high ? [i] : []));
}
