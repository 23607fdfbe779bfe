/**
 * The Mann-Whitney U test (Wilcoxon rank-sum), two-sided: do two latency samples come from
 * the same distribution? Rank-based, so the long right tail of latencies does not dominate
 * it the way it would a t-test.
 *
 * The method follows scipy.stats.mannwhitneyu(method='auto'), so its p-values can be checked
 * against scipy: the exact null distribution when either sample has at most 8 values and
 * there are no ties; otherwise the normal approximation with the tie-corrected variance and
 * a continuity correction.
 */

export interface MannWhitneyResult {
  /** U of the first sample: the number of pairs (x, y) with x > y, ties counting one half. */
  u: number;
  /** Two-sided p-value. */
  p: number;
  method: 'exact' | 'normal';
}

/** The largest sample size for which the exact distribution is used (when the other is larger). */
const EXACT_MAX_SIZE = 8;

/** 1-based ranks of `values` with ties given their average rank, and the sizes of the tie groups. */
function averageRanks(values: readonly number[]): { ranks: Float64Array; tieSizes: number[] } {
  const order = values.map((_, i) => i).sort((a, b) => values[a] - values[b]);
  const ranks = new Float64Array(values.length);
  const tieSizes: number[] = [];
  for (let start = 0; start < order.length; ) {
    let end = start + 1;
    while (end < order.length && values[order[end]] === values[order[start]]) end++;
    const rank = (start + 1 + end) / 2; // average of ranks start+1 .. end
    for (let k = start; k < end; k++) ranks[order[k]] = rank;
    if (end - start > 1) tieSizes.push(end - start);
    start = end;
  }
  return { ranks, tieSizes };
}

/**
 * P(U >= u) under the null for sample sizes n1, n2 without ties. counts[m][k] is the number
 * of arrangements of m x's among m + n values with U = k, built by the recurrence on whether
 * the largest value is an x (adding n to U) or a y; divided by C(n1 + n2, n1).
 */
export function exactUpperTail(u: number, n1: number, n2: number): number {
  const maxU = n1 * n2;
  // counts over n y's, m = 0..n1 x's: counts[m][k]; build up n from 0 to n2.
  let counts: Float64Array[] = Array.from({ length: n1 + 1 }, () => new Float64Array(maxU + 1));
  for (let m = 0; m <= n1; m++) counts[m][0] = 1; // n = 0: every x-only arrangement has U = 0
  for (let n = 1; n <= n2; n++) {
    const next: Float64Array[] = Array.from({ length: n1 + 1 }, () => new Float64Array(maxU + 1));
    next[0][0] = 1;
    for (let m = 1; m <= n1; m++) {
      for (let k = 0; k <= m * n; k++) {
        // largest is an x: it beats all n y's; largest is a y: U unchanged
        next[m][k] = (k >= n ? next[m - 1][k - n] : 0) + counts[m][k];
      }
    }
    counts = next;
  }
  const row = counts[n1];
  let total = 0;
  let upper = 0;
  for (let k = 0; k <= maxU; k++) {
    total += row[k];
    if (k >= u) upper += row[k];
  }
  return upper / total;
}

/**
 * Complementary error function (Numerical Recipes' erfcc, Chebyshev fit): fractional error
 * below 1.2e-7 everywhere, ample for a p-value.
 */
function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? r : 2 - r;
}

/** Upper tail of the standard normal distribution, P(Z > z). */
export function normalSf(z: number): number {
  return 0.5 * erfc(z / Math.SQRT2);
}

export function mannWhitneyU(x: readonly number[], y: readonly number[]): MannWhitneyResult {
  const n1 = x.length;
  const n2 = y.length;
  if (n1 === 0 || n2 === 0) return { u: NaN, p: NaN, method: 'normal' };
  const { ranks, tieSizes } = averageRanks([...x, ...y]);
  let rankSumX = 0;
  for (let i = 0; i < n1; i++) rankSumX += ranks[i];
  const u1 = rankSumX - (n1 * (n1 + 1)) / 2;
  // Two-sided: the tail beyond the larger of U1 and U2 = n1 n2 - U1, doubled.
  const uMax = Math.max(u1, n1 * n2 - u1);

  if (tieSizes.length === 0 && Math.min(n1, n2) <= EXACT_MAX_SIZE) {
    return { u: u1, p: Math.min(1, 2 * exactUpperTail(uMax, n1, n2)), method: 'exact' };
  }
  const n = n1 + n2;
  const tieTerm = tieSizes.reduce((s, t) => s + t ** 3 - t, 0);
  const sigma = Math.sqrt(((n1 * n2) / 12) * (n + 1 - tieTerm / (n * (n - 1))));
  // Every value tied: no evidence either way.
  if (sigma === 0) return { u: u1, p: 1, method: 'normal' };
  const z = (uMax - (n1 * n2) / 2 - 0.5) / sigma;
  return { u: u1, p: Math.min(1, 2 * normalSf(z)), method: 'normal' };
}
