/**
 * Storage sizes of one weight matrix in the formats Deep Compression (Han, Mao, Dally,
 * ICLR 2016) and EIE compare: dense, CSR/CSC, and relative indexing. Pure arithmetic on a
 * row-major matrix; formulas and units are in docs/storage-formats.md.
 *
 * Sizes in bits are integers; sizes in bytes are bits / 8 and may be fractional (a 5-bit
 * field does not fill a byte): they are exact, not rounded up to whole bytes.
 */

/** A weight as a matrix: one row per output feature, columns = fan-in, row-major. */
export interface MatrixView {
  rows: number;
  cols: number;
  /** rows * cols values, row-major. */
  values: Float32Array;
}

/** Bytes of a fp32 value in the sparse formats. */
export const VALUE_BYTES = 4;
/** Bytes of one CSR row pointer / CSC column pointer (32-bit). */
export const POINTER_BYTES = 4;

export function countNonzeros(values: ArrayLike<number>): number {
  let nnz = 0;
  for (let i = 0; i < values.length; i++) if (values[i] !== 0) nnz++;
  return nnz;
}

export interface DenseBytes {
  fp32: number;
  fp16: number;
  int8: number;
}

export function denseBytes(params: number): DenseBytes {
  return { fp32: 4 * params, fp16: 2 * params, int8: params };
}

/** CSR: nnz values (fp32) + nnz column indices of `indexBytes` + (rows + 1) 32-bit row pointers. */
export function csrBytes(nnz: number, rows: number, indexBytes: 2 | 4): number {
  return (VALUE_BYTES + indexBytes) * nnz + POINTER_BYTES * (rows + 1);
}

/** CSC: as CSR with the roles of rows and columns swapped. */
export function cscBytes(nnz: number, cols: number, indexBytes: 2 | 4): number {
  return (VALUE_BYTES + indexBytes) * nnz + POINTER_BYTES * (cols + 1);
}

/** Rows with no nonzero (CSR still stores their pointer). */
export function emptyRows(m: MatrixView): number {
  let empty = 0;
  for (let r = 0; r < m.rows; r++) {
    let any = false;
    for (let c = 0; c < m.cols; c++) if (m.values[r * m.cols + c] !== 0) { any = true; break; }
    if (!any) empty++;
  }
  return empty;
}

export interface RelativeIndex {
  /** Bits per stored gap (b). */
  indexBits: number;
  /** Real entries: the nonzeros. */
  nnz: number;
  /** Filler entries inserted because a gap exceeded 2^b - 1. */
  padding: number;
  /** nnz + padding: the entries stored. */
  entries: number;
  /**
   * The gap code of every entry in storage order: 1..2^b-1 for a nonzero (its position minus
   * the previous nonzero's, the first measured from a virtual position -1), 0 for a filler,
   * which advances the position by 2^b - 1 and carries no weight.
   */
  gaps: Uint16Array;
}

export const MIN_INDEX_BITS = 1;
export const MAX_INDEX_BITS = 16;

/**
 * Deep Compression's relative indexing over the flattened (row-major) matrix. Gap code 0 is
 * reserved for fillers so that a decoder tells a filler from a weight without a zero in the
 * codebook; the price is one gap value (the paper's 3-bit example reaches 8, ours 7).
 * A gap d needs floor((d - 1) / (2^b - 1)) fillers.
 */
export function relativeIndex(values: ArrayLike<number>, indexBits: number): RelativeIndex {
  if (!Number.isInteger(indexBits) || indexBits < MIN_INDEX_BITS || indexBits > MAX_INDEX_BITS) {
    throw new RangeError(`relative index bits must be an integer in [${MIN_INDEX_BITS}, ${MAX_INDEX_BITS}], got ${indexBits}`);
  }
  const maxGap = 2 ** indexBits - 1;
  let nnz = 0;
  let padding = 0;
  let previous = -1;
  for (let i = 0; i < values.length; i++) {
    if (values[i] === 0) continue;
    padding += Math.floor((i - previous - 1) / maxGap);
    previous = i;
    nnz++;
  }
  const gaps = new Uint16Array(nnz + padding);
  let e = 0;
  previous = -1;
  for (let i = 0; i < values.length; i++) {
    if (values[i] === 0) continue;
    let gap = i - previous;
    while (gap > maxGap) {
      gaps[e++] = 0;
      gap -= maxGap;
    }
    gaps[e++] = gap;
    previous = i;
  }
  return { indexBits, nnz, padding, entries: nnz + padding, gaps };
}

/** Inverse of relativeIndex for the positions: the flattened index of every nonzero. */
export function decodeRelativePositions(gaps: ArrayLike<number>, indexBits: number): number[] {
  const maxGap = 2 ** indexBits - 1;
  const positions: number[] = [];
  let position = -1;
  for (let e = 0; e < gaps.length; e++) {
    if (gaps[e] === 0) position += maxGap;
    else {
      position += gaps[e];
      positions.push(position);
    }
  }
  return positions;
}

/** Fixed-width relative-index storage: every entry holds a value field and a gap field. */
export function relativeIndexBits(entries: number, valueBits: number, indexBits: number): number {
  return entries * (valueBits + indexBits);
}

/** How often each symbol 0..alphabetSize-1 occurs. */
export function histogram(symbols: ArrayLike<number>, alphabetSize: number): number[] {
  const counts = new Array<number>(alphabetSize).fill(0);
  for (let i = 0; i < symbols.length; i++) counts[symbols[i]]++;
  return counts;
}
