/**
 * The contract between the native sparse kernels (native/sparse, loaded by ./native.ts)
 * and their users (the hybrid executor, `edgescope bench eie`). A weight matrix is
 * stored by output feature: row r holds the weights feeding output r, columns are the
 * fan-in (the layout csr32Bytes/csr16Bytes in compress/storage assume). For a MatMul
 * Y = X W with W of shape [K, N] that is W transposed: rows = N, cols = K.
 */

export type SparseFormat = 'csr32' | 'csr16' | 'bsr';

export interface PackOptions {
  format: SparseFormat;
  /** Block shape for 'bsr' as [blockRows, blockCols], e.g. [1, 4] or [4, 4]. */
  block?: readonly [number, number];
}

/** A matrix packed into native memory; freed by the garbage collector. */
export interface SparseMatrix {
  readonly rows: number;
  readonly cols: number;
  readonly format: SparseFormat;
  readonly block?: readonly [number, number];
  /** Stored nonzeros (for BSR: stored block entries, explicit zeros included). */
  readonly nnz: number;
  /** Exact bytes the kernel streams per product: values + indices + row pointers. */
  readonly bytes: number;
}

export interface MultiplyOptions {
  /**
   * Threads: the caller's + threads - 1 pool workers, never more. They take row chunks from a
   * shared counter, so a worker the OS has not scheduled leaves its share to the others.
   */
  threads: number;
  /** One value per row, added to every batch row of the output. */
  bias?: Float32Array;
  /** 'scalar' forces the portable kernels (tests compare them with the SIMD ones); default 'auto'. */
  simd?: 'auto' | 'scalar';
}

export interface SparseKernels {
  /** Pack a dense row-major [rows x cols] matrix (zeros dropped). */
  pack(dense: Float32Array, rows: number, cols: number, options: PackOptions): SparseMatrix;
  /**
   * out[b, r] = sum_c x[b, c] * A[r, c] (+ bias[r]) for b < batch; x is row-major
   * [batch x cols], out row-major [batch x rows]. Runs on `threads` threads and
   * blocks the calling thread: call it only from a worker, never from a thread that
   * must stay responsive.
   */
  multiply(a: SparseMatrix, x: Float32Array, batch: number, out: Float32Array, options: MultiplyOptions): void;
  /** What the build uses, e.g. { simd: 'avx2', compiler: 'g++ 12.2' }. */
  readonly buildInfo: Readonly<Record<string, string>>;
}

export type SparseKernelsStatus = { available: true; kernels: SparseKernels } | { available: false; reason: string };
