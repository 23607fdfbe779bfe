/**
 * k-th smallest value of an array in O(n) expected time (quickselect with
 * median-of-three pivots). Pruning needs exact thresholds over up to 10^8 weights,
 * where sorting would be too slow and sorting an index array far too slow.
 */
export function kthSmallest(values: Float32Array, k: number): number {
  if (k < 0 || k >= values.length) throw new RangeError(`k=${k} out of range for ${values.length} values`);
  const a = values; // callers pass a scratch copy; it is reordered in place
  let lo = 0;
  let hi = a.length - 1;
  while (hi > lo) {
    const mid = (lo + hi) >>> 1;
    // Median of three as pivot, so sorted or constant input does not degrade to O(n^2) too easily.
    const x = a[lo], y = a[mid], z = a[hi];
    const pivot = x < y ? (y < z ? y : x < z ? z : x) : x < z ? x : y < z ? z : y;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i] < pivot) i++;
      while (a[j] > pivot) j--;
      if (i <= j) {
        const t = a[i];
        a[i] = a[j];
        a[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return a[k];
  }
  return a[k];
}
