import { describe, expect, it } from 'vitest';
import { exactUpperTail, mannWhitneyU, normalSf } from '../../../src/main/engine/analysis/mann-whitney';

/** P(U >= u) by enumerating every way to choose which of the n1 + n2 ranks are the x's. */
function bruteForceUpperTail(u: number, n1: number, n2: number): number {
  let hits = 0;
  let total = 0;
  const n = n1 + n2;
  for (let mask = 0; mask < 1 << n; mask++) {
    let bits = 0;
    for (let b = 0; b < n; b++) if (mask & (1 << b)) bits++;
    if (bits !== n1) continue;
    // U = number of (x, y) pairs with x ranked above y
    let uOf = 0;
    let ysBelow = 0;
    for (let b = 0; b < n; b++) {
      if (mask & (1 << b)) uOf += ysBelow;
      else ysBelow++;
    }
    total++;
    if (uOf >= u) hits++;
  }
  return hits / total;
}

describe('Mann-Whitney U test', () => {
  // Expected values from scipy.stats.mannwhitneyu 1.17 (method='auto', two-sided).
  it('matches scipy docs example exactly (small samples, no ties)', () => {
    // scipy docs: males vs females, U1 = 17, p = 0.1111 (exact).
    const r = mannWhitneyU([19, 22, 16, 29, 24], [20, 11, 17, 12]);
    expect(r.u).toBe(17);
    expect(r.method).toBe('exact');
    expect(r.p).toBeCloseTo(0.1111111111111111, 12);
  });

  it('uses the normal approximation with continuity when both samples exceed 8', () => {
    const x = [1.1, 2.2, 3.3, 4.4, 5.5, 6.6, 7.7, 8.8, 9.9, 10.0, 11.5, 12.5];
    const y = [3.0, 5.0, 7.0, 9.0, 11.0, 13.0, 15.0, 17.0, 19.0, 21.0];
    const r = mannWhitneyU(x, y);
    expect(r.u).toBe(30);
    expect(r.method).toBe('normal');
    expect(r.p).toBeCloseTo(0.05175423288653064, 6);
  });

  it('corrects the variance for ties', () => {
    const r = mannWhitneyU([1, 2, 2, 3, 3, 3, 4, 5], [3, 4, 4, 5, 5, 6, 7, 7, 8]);
    expect(r.u).toBe(7.5);
    expect(r.method).toBe('normal');
    expect(r.p).toBeCloseTo(0.006373133838085873, 7);
  });

  it('gives the exact extreme p-value for complete separation', () => {
    // 2 / C(13, 3) = 2 / 286
    const r = mannWhitneyU([1, 2, 3], [4, 5, 6, 7, 8, 9, 10, 11, 12, 13]);
    expect(r.u).toBe(0);
    expect(r.p).toBeCloseTo(0.006993006993006993, 12);
  });

  it('matches scipy on overlapping normal samples with rounding ties (n = 40, 35)', () => {
    const p = [10.35, 10.82, 10.33, 8.7, 10.91, 10.45, 9.46, 10.58, 10.36, 10.29, 10.03, 10.55, 9.26, 9.84, 9.52, 10.6, 10.04, 9.71, 9.22, 9.74, 10.01, 9.72, 11.29, 11.01, 7.29, 8.11, 9.83, 9.58, 10.21, 10.22, 12.12, 8.89, 9.62, 12.04, 10.65, 10.66, 9.49, 8.35, 10.17, 10.11];
    const q = [9.27, 9.82, 10.43, 9.56, 10.4, 10.6, 10.54, 9.99, 11.09, 11.39, 10.82, 9.68, 11.23, 10.0, 11.38, 9.43, 11.41, 10.48, 9.25, 10.19, 10.55, 10.77, 9.52, 9.39, 10.7, 10.03, 10.74, 11.26, 8.85, 10.75, 11.72, 10.2, 9.69, 11.25, 10.75];
    const r = mannWhitneyU(p, q);
    expect(r.u).toBe(534.5);
    expect(r.p).toBeCloseTo(0.07971264883121791, 6);
  });

  it('is symmetric in its samples and says nothing when all values tie', () => {
    const a = [5, 7, 9, 11, 13, 15, 17, 19, 21];
    const b = [6, 8, 10, 12, 14, 16, 18, 20, 22, 24];
    expect(mannWhitneyU(a, b).p).toBeCloseTo(mannWhitneyU(b, a).p, 12);
    expect(mannWhitneyU(a, b).u + mannWhitneyU(b, a).u).toBe(a.length * b.length);
    expect(mannWhitneyU([3, 3, 3, 3, 3, 3, 3, 3, 3], [3, 3, 3, 3, 3, 3, 3, 3, 3, 3]).p).toBe(1);
  });

  it('computes the exact null distribution like brute-force enumeration', () => {
    for (const [n1, n2] of [[3, 4], [5, 5], [2, 9], [6, 7]]) {
      for (let u = 0; u <= n1 * n2; u += 3) expect(exactUpperTail(u, n1, n2)).toBeCloseTo(bruteForceUpperTail(u, n1, n2), 12);
    }
  });

  it('has an accurate normal tail', () => {
    // Standard normal upper tail probabilities (tables / scipy.stats.norm.sf).
    expect(normalSf(0)).toBeCloseTo(0.5, 7);
    expect(normalSf(1.959963984540054)).toBeCloseTo(0.025, 7);
    expect(normalSf(-1)).toBeCloseTo(0.8413447460685429, 7);
    expect(normalSf(4) / 3.167124183311992e-5).toBeCloseTo(1, 5);
  });
});
