/**
 * The contract between the native sparse kernels (native/sparse, loaded by ./native.ts)
 * and their users (the hybrid executor, `edgescope bench eie`). A weight matrix is
 * stored by output feature: row r holds the weights feeding output r, columns are the
 * fan-in (the layout csr32Bytes/csr16Bytes in compress/storage assume). For a MatMul
 * Y = X W with W of shape [K, N] that is W transposed: rows = N, cols = K.
 */

/**
 * 'eie' is EIE's format (Han et al., ISCA 2016) by output row: a 4- or 8-bit relative column
 * index and a codebook index per entry, padding entries where a gap exceeds the index range,
 * shared fp32 weights in a per-matrix codebook (docs/sparse-kernels.md).
 */
/**
 * 'sell': sliced ELLPACK (16 rows x 64-column windows) for batch 1 on AVX-512 CPUs; correct but slow at
 * batch > 1 and without AVX-512 (native/sparse/src/kernels.h).
 */
export type SparseFormat = 'csr32' | 'csr16' | 'bsr' | 'sell' | 'eie';

/** Relative column index widths the 'eie' kernels decode. */
export type EieIndexBits = 4 | 8;

export interface PackOptions {
  format: SparseFormat;
  /** Block shape for 'bsr' as [blockRows, blockCols], e.g. [1, 4] or [4, 4]. */
  block?: readonly [number, number];
  /** 'eie': bits per relative column index (default 4, EIE's). */
  indexBits?: EieIndexBits;
  /**
   * 'eie' (required): the shared weights, 2^b fp32 values with b in 1..8 (e.g. k-means
   * centroids from compress/weight-sharing.ts). Every nonzero of the matrix must be one of them.
   */
  codebook?: Float32Array;
}

/** How an 'eie' matrix is laid out. */
export interface EieLayout {
  indexBits: EieIndexBits;
  /** Bits per codebook index: log2 of the codebook's length. */
  codeBits: number;
  /** Stored entries: nonzeros + padding. */
  entries: number;
  /** Padding entries (gap code 0) inserted where a gap exceeded 2^indexBits - 1. */
  padding: number;
}

/** A matrix packed into native memory; freed by the garbage collector. */
export interface SparseMatrix {
  readonly rows: number;
  readonly cols: number;
  readonly format: SparseFormat;
  readonly block?: readonly [number, number];
  /** Stored nonzeros (for BSR: stored block entries, explicit zeros included). */
  readonly nnz: number;
  /**
   * Exact bytes the kernel streams per product: values + indices + row pointers ('eie': entries
   * x (indexBits + codeBits) / 8 + codebook + row pointers, fractional when the entry bits do
   * not fill whole bytes).
   */
  readonly bytes: number;
  readonly eie?: EieLayout;
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
  /** Pack a dense row-major [rows x cols] matrix (zeros dropped; 'eie' needs a codebook holding every nonzero). */
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
