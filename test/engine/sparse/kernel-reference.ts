/**
 * The float64 reference the native sparse kernels are checked against, for every format's tests:
 * out[b, r] = bias[r] + sum_c A[r, c] x[b, c], with the sum of |terms| for a tolerance that scales
 * with the cancellation in each output.
 */
import { expect } from 'vitest';
import { loadSparseKernels } from '../../../src/main/engine/sparse/native';
import type { SparseKernels, SparseMatrix } from '../../../src/main/engine/sparse/types';
import { SeededRandom } from '../../../src/shared/random';

/** A dense row-major matrix (for 'eie': the codebook-decoded one) the kernels' packed form must multiply like. */
export interface DenseCase {
  label: string;
  rows: number;
  cols: number;
  dense: Float32Array;
}

export function sparseKernels(): SparseKernels {
  const status = loadSparseKernels();
  if (!status.available) throw new Error(status.reason);
  return status.kernels;
}

export function randomVector(n: number, seed: number): Float32Array {
  const rng = new SeededRandom(seed);
  return Float32Array.from({ length: n }, () => rng.uniform(-1, 1));
}

export function reference(c: DenseCase, x: Float32Array, batch: number, bias?: Float32Array): { value: Float64Array; scale: Float64Array } {
  const value = new Float64Array(batch * c.rows);
  const scale = new Float64Array(batch * c.rows);
  for (let b = 0; b < batch; b++) {
    for (let r = 0; r < c.rows; r++) {
      let s = bias ? bias[r] : 0;
      let a = Math.abs(s);
      for (let k = 0; k < c.cols; k++) {
        const t = c.dense[r * c.cols + k] * x[b * c.cols + k];
        s += t;
        a += Math.abs(t);
      }
      value[b * c.rows + r] = s;
      scale[b * c.rows + r] = a;
    }
  }
  return { value, scale };
}

/**
 * `m` (packed from `c`) against the reference at batches 1, 3, 64 and 70 (a second batch tile), 1 and 2
 * threads, SIMD and scalar, within 1e-5 of each output's scale; `withBias(batch)` says which batches
 * add a bias. A row is computed whole by one thread, so the thread count must not change a bit.
 */
export function expectMatchesReference(k: SparseKernels, m: SparseMatrix, c: DenseCase, withBias: (batch: number) => boolean): void {
  for (const batch of [1, 3, 64, 70]) {
    const x = randomVector(batch * c.cols, 100 + batch);
    const bias = withBias(batch) ? randomVector(c.rows, 7) : undefined;
    const want = reference(c, x, batch, bias);
    let first: Float32Array | undefined;
    for (const threads of [1, 2]) {
      for (const simd of ['auto', 'scalar'] as const) {
        const out = new Float32Array(batch * c.rows).fill(Number.NaN);
        k.multiply(m, x, batch, out, { threads, bias, simd });
        for (let i = 0; i < out.length; i++) {
          const tolerance = 1e-5 * (1 + want.scale[i]);
          if (!(Math.abs(out[i] - want.value[i]) <= tolerance)) {
            throw new Error(`batch ${batch}, ${threads} threads, ${simd}: out[${i}] = ${out[i]}, want ${want.value[i]}`);
          }
        }
        if (simd === 'auto') {
          if (first) expect(out).toEqual(first);
          else first = out;
        }
      }
    }
  }
}
