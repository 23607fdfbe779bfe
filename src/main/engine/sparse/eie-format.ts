/**
 * The TypeScript side of the 'eie' kernel format (native/sparse/src/eie_format.h): its exact bytes
 * from compress/storage's own definitions, and the codebook of a matrix that is already weight-shared.
 *
 * Bytes: each row is one relative-index sequence (`relativeIndex` on the row: gap code 0 = padding
 * entry), every entry a fixed-width gap + codebook-index field (`relativeIndexBits` with valueBits =
 * codeBits), plus the codebook (2^codeBits fp32) and 32-bit row pointers. Deep Compression's
 * accounting (compress/storage/report.ts, `sharing.bytes`) runs one sequence over the whole
 * flattened matrix and stores no row pointers. Restarting at each row never needs more padding (a
 * row's first gap, column + 1, is at most the gap from the previous row's last nonzero), and the
 * row pointers are what lets threads start at any row.
 */
import { POINTER_BYTES, relativeIndex, relativeIndexBits, type MatrixView } from '../compress/storage/formats';
import { EIE_MAX_CODE_BITS } from './native';

export interface EieStorage {
  /** Nonzeros + padding entries. */
  entries: number;
  padding: number;
  bytes: number;
}

export function eieFormatStorage(m: MatrixView, indexBits: number, codeBits: number): EieStorage {
  let entries = 0;
  let padding = 0;
  for (let r = 0; r < m.rows; r++) {
    const row = relativeIndex(m.values.subarray(r * m.cols, (r + 1) * m.cols), indexBits);
    entries += row.entries;
    padding += row.padding;
  }
  const bytes = relativeIndexBits(entries, codeBits, indexBits) / 8 + 4 * 2 ** codeBits + POINTER_BYTES * (m.rows + 1);
  return { entries, padding, bytes };
}

/**
 * The distinct nonzero values of a weight-shared matrix (e.g. a variant compressed with
 * `--share-weights`) as an 'eie' codebook: sorted, padded with zeros to a power of two (>= 2;
 * zeros are never referenced). Null when there are more than 2^8 distinct values: the matrix is not
 * weight-shared, and k-means (compress/weight-sharing.ts) has to make a codebook first.
 */
export function sharedCodebook(values: Float32Array): Float32Array | null {
  const limit = 2 ** EIE_MAX_CODE_BITS;
  // By bit pattern, as the kernel matches values (NaNs with different payloads stay apart).
  const bits = new Uint32Array(values.buffer, values.byteOffset, values.length);
  const distinct = new Map<number, number>();
  for (let i = 0; i < values.length; i++) {
    if (values[i] === 0 || distinct.has(bits[i])) continue;
    if (distinct.size === limit) return null;
    distinct.set(bits[i], values[i]);
  }
  const sorted = [...distinct.values()].sort((a, b) => a - b);
  let length = 2;
  while (length < sorted.length) length *= 2;
  const codebook = new Float32Array(length);
  codebook.set(sorted);
  return codebook;
}
