/**
 * The magnitude threshold below which exactly `count` weights fall, found by a radix
 * select on the float bit patterns: with the sign bit cleared, IEEE-754 bits order like
 * the magnitudes they encode, so two histogram passes (high 15 bits, then low 16 bits of
 * the one bucket that holds the answer) find it exactly. No copy of the weights and no
 * data-dependent pivoting: pruning a 10^8-weight model stays a few linear passes.
 */

const ABS_MASK = 0x7fffffff;
const HIGH_BINS = 1 << 15;
const LOW_BINS = 1 << 16;

export interface MagnitudeThreshold {
  /** Bits (sign cleared) of the `count`-th smallest magnitude (1-based). */
  thresholdBits: number;
  /** Weights whose magnitude is strictly below the threshold (< count; the rest are ties). */
  below: number;
}

function bitsOf(values: Float32Array): Uint32Array {
  return new Uint32Array(values.buffer, values.byteOffset, values.length);
}

/** Threshold for the `count` smallest magnitudes over all arrays together; 1 <= count <= total. */
export function smallestMagnitudes(arrays: readonly Float32Array[], count: number): MagnitudeThreshold {
  const total = arrays.reduce((s, v) => s + v.length, 0);
  if (!(count >= 1 && count <= total)) throw new RangeError(`count=${count} out of range for ${total} values`);
  const high = new Float64Array(HIGH_BINS);
  for (const v of arrays) {
    const u = bitsOf(v);
    for (let i = 0; i < u.length; i++) high[(u[i] & ABS_MASK) >>> 16]++;
  }
  let bin = 0;
  let before = 0;
  while (before + high[bin] < count) before += high[bin++];

  const low = new Float64Array(LOW_BINS);
  for (const v of arrays) {
    const u = bitsOf(v);
    for (let i = 0; i < u.length; i++) {
      const a = u[i] & ABS_MASK;
      if (a >>> 16 === bin) low[a & 0xffff]++;
    }
  }
  let lowBin = 0;
  while (before + low[lowBin] < count) before += low[lowBin++];
  return { thresholdBits: ((bin << 16) | lowBin) >>> 0, below: before };
}
