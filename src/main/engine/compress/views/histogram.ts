/**
 * Weight histograms before and after compression on the same bin edges: `bins` equal bins over
 * [-max|w|, max|w|] of the dense weight, and the exact zeros counted apart, so pruning shows as
 * weights leaving the bins around zero for the zero count. A value of the compressed weight beyond
 * the dense range (possible after weight sharing's centroid updates, never after pruning) is
 * counted in the end bin on its side. Weights removed by thinning count as zeros: the variant
 * no longer stores them, which is what pruning them to zero means.
 */
import type { HistogramCounts, WeightHistogram } from '../../../../shared/api';

export const DEFAULT_BINS = 64;

function maxAbs(values: Float32Array): number {
  let m = 0;
  for (let i = 0; i < values.length; i++) {
    const a = Math.abs(values[i]);
    if (a > m) m = a;
  }
  return m;
}

/** Counts of `values` in `bins` equal bins over [-limit, limit]; zeros apart; `removed` more zeros. */
function countInto(values: Float32Array, limit: number, bins: number, removed = 0): HistogramCounts {
  const counts = new Array<number>(bins).fill(0);
  let zeros = removed;
  const scale = bins / (2 * limit);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v === 0) {
      zeros++;
      continue;
    }
    // The top edge belongs to the last bin (bins are [lo, hi) except the last, [lo, hi]).
    const bin = Math.floor((v + limit) * scale);
    counts[Math.min(bins - 1, Math.max(0, bin))]++;
  }
  return { counts, zeros, total: values.length + removed };
}

/** `dense` alone, or `dense` and `compressed` on dense's edges (weights thinning removed count as zeros). */
export function weightHistogram(dense: Float32Array, compressed?: Float32Array, bins = DEFAULT_BINS): WeightHistogram {
  if (!Number.isInteger(bins) || bins < 1) throw new RangeError(`bins must be a positive integer, got ${bins}`);
  // An all-zero weight has no range: any span draws it (everything is in the zero count).
  const limit = maxAbs(dense) || 1;
  const edges = Array.from({ length: bins + 1 }, (_, i) => -limit + (2 * limit * i) / bins);
  edges[bins] = limit;
  return {
    edges,
    before: countInto(dense, limit, bins),
    ...(compressed ? { after: countInto(compressed, limit, bins, Math.max(0, dense.length - compressed.length)) } : {}),
  };
}
