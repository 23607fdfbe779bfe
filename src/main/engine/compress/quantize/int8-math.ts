/**
 * Linear int8 quantization arithmetic, as ONNX's QuantizeLinear defines it:
 * q = saturate(round_half_even(x / scale) + zero_point), x ~ (q - zero_point) * scale.
 *
 * Weights are symmetric int8 (zero point 0, range [-127, 127] so that -w quantizes to
 * -q), one scale per output channel. Activations are asymmetric uint8 over a range that
 * always contains 0, so that zero padding and ReLU zeros are exact.
 */

/** Round half to even, as QuantizeLinear does. */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  // Math.round rounds .5 up; step back to the even neighbour on exact ties.
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

export const INT8_WEIGHT_MAX = 127;

export interface ChannelQuantized {
  q: Int8Array;
  /** One scale per channel (fp32). */
  scales: Float32Array;
}

/**
 * Symmetric int8 per channel of a row-major tensor seen as [outer, channels, inner]:
 * the channel of element i is floor(i / inner) % channels. A channel of zeros gets scale 1.
 */
/** `minScales`: a floor per channel (a bias must fit int32 in the accumulator's scale: static-int8.ts). */
export function quantizePerChannelInt8(values: Float32Array, channels: number, inner: number, minScales?: Float32Array): ChannelQuantized {
  const maxAbs = new Float32Array(channels);
  const n = values.length;
  for (let i = 0; i < n; i++) {
    const c = Math.floor(i / inner) % channels;
    const m = Math.abs(values[i]);
    if (m > maxAbs[c]) maxAbs[c] = m;
  }
  const scales = new Float32Array(channels);
  const inverse = new Float64Array(channels);
  for (let c = 0; c < channels; c++) {
    scales[c] = Math.max(maxAbs[c] > 0 ? maxAbs[c] / INT8_WEIGHT_MAX : 1, minScales?.[c] ?? 0);
    inverse[c] = 1 / scales[c];
  }
  const q = new Int8Array(n);
  for (let i = 0; i < n; i++) {
    const v = roundHalfEven(values[i] * inverse[Math.floor(i / inner) % channels]);
    q[i] = v > INT8_WEIGHT_MAX ? INT8_WEIGHT_MAX : v < -INT8_WEIGHT_MAX ? -INT8_WEIGHT_MAX : v;
  }
  return { q, scales };
}

/**
 * The hot path for a K x N matrix quantized per column (channel = column, inner = 1):
 * two passes over contiguous rows, no division or modulo per element.
 */
export function quantizeColumnsInt8(weight: Float32Array, k: number, n: number): ChannelQuantized {
  const maxAbs = new Float32Array(n);
  for (let r = 0; r < k; r++) {
    const base = r * n;
    for (let c = 0; c < n; c++) {
      const m = Math.abs(weight[base + c]);
      if (m > maxAbs[c]) maxAbs[c] = m;
    }
  }
  const scales = new Float32Array(n);
  const inverse = new Float32Array(n);
  for (let c = 0; c < n; c++) {
    scales[c] = maxAbs[c] > 0 ? maxAbs[c] / INT8_WEIGHT_MAX : 1;
    inverse[c] = 1 / scales[c];
  }
  const q = new Int8Array(k * n);
  for (let r = 0; r < k; r++) {
    const base = r * n;
    for (let c = 0; c < n; c++) {
      const w = weight[base + c];
      if (w === 0) continue; // pruned weights: q is already 0
      // |w * inverse| <= 127 by construction; Math.round's tie rule (up) differs from
      // half-even only on exact .5, which a float product almost never is, and is still a
      // nearest rounding: the error bound scale/2 holds either way.
      q[base + c] = Math.round(w * inverse[c]);
    }
  }
  return { q, scales };
}

export interface ActivationParams {
  scale: number;
  zeroPoint: number;
}

/** uint8 asymmetric parameters for a calibrated range [min, max], widened to contain 0. */
export function uint8Params(min: number, max: number): ActivationParams {
  const lo = Math.min(min, 0);
  const hi = Math.max(max, 0);
  if (hi === lo) return { scale: 1, zeroPoint: 0 };
  const scale = Math.fround((hi - lo) / 255);
  const zeroPoint = Math.max(0, Math.min(255, roundHalfEven(-lo / scale)));
  return { scale, zeroPoint };
}
