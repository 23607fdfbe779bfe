/**
 * Statistics of latency samples. Latency distributions are skewed with a long right
 * tail, so the median is the headline and its confidence interval is distribution-free
 * (order statistics); comparisons use a seeded bootstrap of the ratio of medians.
 */
import type { LatencyStats } from '../../../shared/report';
import { SeededRandom } from '../../../shared/random';
import { detectSteadyState, farOutliers, type SteadyStateOptions } from './steady-state';

function sorted(values: readonly number[]): number[] {
  return [...values].sort((a, b) => a - b);
}

/** Quantile with linear interpolation between order statistics (R's type 7, numpy's default). */
export function quantileSorted(s: readonly number[], q: number): number {
  if (s.length === 0) return NaN;
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return s[lo] + (s[hi] - s[lo]) * (pos - lo);
}

export function median(values: readonly number[]): number {
  return quantileSorted(sorted(values), 0.5);
}

export function mean(values: readonly number[]): number {
  return values.length === 0 ? NaN : values.reduce((a, b) => a + b, 0) / values.length;
}

/** Sample standard deviation (n - 1); 0 for a single sample. */
export function stddev(values: readonly number[]): number {
  if (values.length < 2) return 0;
  const m = mean(values);
  return Math.sqrt(values.reduce((a, v) => a + (v - m) ** 2, 0) / (values.length - 1));
}

/**
 * 95% confidence interval of the median from order statistics (normal approximation
 * to the binomial): ranks n/2 -+ 1.96 sqrt(n)/2. Exact enough from n = 6; below that
 * the interval is the whole sample range.
 */
export function medianCi95Sorted(s: readonly number[]): [number, number] {
  const n = s.length;
  if (n === 0) return [NaN, NaN];
  if (n < 6) return [s[0], s[n - 1]];
  const half = (1.959964 * Math.sqrt(n)) / 2;
  const lo = Math.max(1, Math.floor(n / 2 - half));
  const hi = Math.min(n, Math.ceil(1 + n / 2 + half));
  return [s[lo - 1], s[hi - 1]];
}

/**
 * Statistics of a series of timed runs, in order: a warm-up prefix found by steady-state
 * detection is left out (and counted), far-out runs are flagged but kept.
 */
export function latencyStats(samplesMs: readonly number[], steadyOptions: SteadyStateOptions = {}): LatencyStats {
  const { discardedRuns, settled } = detectSteadyState(samplesMs, steadyOptions);
  const steady = samplesMs.slice(discardedRuns);
  const s = sorted(steady);
  return {
    median: quantileSorted(s, 0.5),
    mean: mean(s),
    p90: quantileSorted(s, 0.9),
    p99: quantileSorted(s, 0.99),
    min: s[0] ?? NaN,
    max: s[s.length - 1] ?? NaN,
    stddev: stddev(s),
    n: s.length,
    ci95: medianCi95Sorted(s),
    warmupDiscarded: discardedRuns,
    steady: settled,
    outlierRuns: farOutliers(steady).map((i) => i + discardedRuns),
  };
}

/** The runs a run's statistics are over: its timed latencies without the detected warm-up prefix. */
export function steadyLatencies(run: { latenciesMs: readonly number[]; latencyMs: LatencyStats }): number[] {
  return run.latenciesMs.slice(run.latencyMs.warmupDiscarded ?? 0);
}

function resampleMedian(values: readonly number[], rng: SeededRandom, scratch: Float64Array): number {
  for (let i = 0; i < values.length; i++) scratch[i] = values[rng.int(values.length)];
  scratch.sort();
  return quantileSorted(scratch as unknown as number[], 0.5);
}

/**
 * Ratio of medians baseline/candidate (> 1: candidate faster) with a percentile
 * bootstrap 95% interval. Seeded, so the same samples always give the same interval.
 */
export function speedupOfMedians(
  baseline: readonly number[],
  candidate: readonly number[],
  { resamples = 2000, seed = 1 }: { resamples?: number; seed?: number } = {},
): { speedup: number; ci95: [number, number] } {
  const speedup = median(baseline) / median(candidate);
  const rng = new SeededRandom(seed);
  const a = new Float64Array(baseline.length);
  const b = new Float64Array(candidate.length);
  const ratios = new Float64Array(resamples);
  for (let i = 0; i < resamples; i++) ratios[i] = resampleMedian(baseline, rng, a) / resampleMedian(candidate, rng, b);
  ratios.sort();
  const r = ratios as unknown as number[];
  return { speedup, ci95: [quantileSorted(r, 0.025), quantileSorted(r, 0.975)] };
}
