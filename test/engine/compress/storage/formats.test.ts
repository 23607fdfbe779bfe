import { describe, expect, it } from 'vitest';
import {
  countNonzeros, csrBytes, cscBytes, decodeRelativePositions, denseBytes, emptyRows, histogram, relativeIndex, relativeIndexBits,
  type MatrixView,
} from '../../../../src/main/engine/compress/storage/formats';

// 3 x 4, row-major; row 1 is empty. Nonzeros at flattened positions 1, 8, 11.
const A: MatrixView = { rows: 3, cols: 4, values: new Float32Array([0, 1.5, 0, 0, 0, 0, 0, 0, 2, 0, 0, 3]) };

describe('dense, CSR and CSC sizes', () => {
  it('match hand-computed sizes, counting the empty row', () => {
    expect(countNonzeros(A.values)).toBe(3);
    expect(emptyRows(A)).toBe(1);
    expect(denseBytes(12)).toEqual({ fp32: 48, fp16: 24, int8: 12 });
    // CSR: 3 values * 4 B + 3 indices * 4 B (or 2 B) + 4 row pointers * 4 B.
    expect(csrBytes(3, A.rows, 4)).toBe(12 + 12 + 16);
    expect(csrBytes(3, A.rows, 2)).toBe(12 + 6 + 16);
    // CSC: the same with 5 column pointers.
    expect(cscBytes(3, A.cols, 4)).toBe(12 + 12 + 20);
    expect(cscBytes(3, A.cols, 2)).toBe(12 + 6 + 20);
  });

  it('an all-zero matrix costs only its pointers', () => {
    const Z: MatrixView = { rows: 2, cols: 3, values: new Float32Array(6) };
    expect(countNonzeros(Z.values)).toBe(0);
    expect(emptyRows(Z)).toBe(2);
    expect(csrBytes(0, Z.rows, 4)).toBe(12);
    expect(cscBytes(0, Z.cols, 2)).toBe(16);
    const rel = relativeIndex(Z.values, 4);
    expect(rel).toMatchObject({ nnz: 0, padding: 0, entries: 0 });
    expect(relativeIndexBits(rel.entries, 32, 4)).toBe(0);
  });
});

describe('relative indexing', () => {
  it('inserts fillers when a gap exceeds 2^b - 1 (hand-computed, b = 2)', () => {
    // Gaps: 1 - (-1) = 2, 8 - 1 = 7 > 3 -> two fillers (advance 3 + 3) then 1, 11 - 8 = 3 (fits exactly).
    const rel = relativeIndex(A.values, 2);
    expect(Array.from(rel.gaps)).toEqual([2, 0, 0, 1, 3]);
    expect(rel).toMatchObject({ indexBits: 2, nnz: 3, padding: 2, entries: 5 });
    // 5 entries * (32-bit value + 2-bit gap) = 170 bits = 21.25 bytes.
    expect(relativeIndexBits(rel.entries, 32, 2) / 8).toBe(21.25);
    expect(decodeRelativePositions(rel.gaps, 2)).toEqual([1, 8, 11]);
  });

  it('needs no fillers when every gap fits, and one entry per position at b = 1', () => {
    const b3 = relativeIndex(A.values, 3);
    expect(Array.from(b3.gaps)).toEqual([2, 7, 3]);
    expect(b3.padding).toBe(0);
    // b = 1: gaps can only be 1, so every position up to the last nonzero (0..11) is an entry.
    const b1 = relativeIndex(A.values, 1);
    expect(b1.entries).toBe(12);
    expect(decodeRelativePositions(b1.gaps, 1)).toEqual([1, 8, 11]);
  });

  it('crosses row boundaries (flattened order) and round-trips random sparse data', () => {
    const v = new Float32Array(5000);
    for (let i = 0; i < v.length; i += 1 + ((i * 7919) % 97)) v[i] = 1;
    const positions = Array.from(v.keys()).filter((i) => v[i] !== 0);
    for (const b of [1, 2, 3, 5, 8]) {
      const rel = relativeIndex(v, b);
      expect(decodeRelativePositions(rel.gaps, b)).toEqual(positions);
      expect(rel.entries).toBe(rel.nnz + rel.padding);
      expect(Math.max(...rel.gaps)).toBeLessThanOrEqual(2 ** b - 1);
    }
  });

  it("re-encodes the paper's Figure 2 positions with our filler convention", () => {
    // Nonzeros at 1, 4, 15 with 3-bit gaps (at most 7): 2, 3, then 11 = filler (7) + 4.
    const v = new Float32Array(16);
    for (const p of [1, 4, 15]) v[p] = 1;
    const rel = relativeIndex(v, 3);
    expect(Array.from(rel.gaps)).toEqual([2, 3, 0, 4]);
    expect(rel).toMatchObject({ nnz: 3, padding: 1, entries: 4 });
  });

  it('rejects index widths outside 1..16', () => {
    expect(() => relativeIndex(A.values, 0)).toThrow(RangeError);
    expect(() => relativeIndex(A.values, 17)).toThrow(RangeError);
  });

  it('counts symbols', () => {
    expect(histogram([2, 0, 0, 1, 3], 4)).toEqual([2, 1, 1, 1]);
  });
});
