/**
 * The native 'eie' format (relative column indices + shared-weight codebook) against a float64
 * reference on the codebook-decoded dense matrix: awkward shapes, gaps beyond the index range
 * (padding entries), empty rows, bias, batch 1 / 3 / 64 / 70, 1 vs 2 threads bit for bit, AVX2
 * and scalar; bytes against compress/storage's relative-index accounting; bad calls.
 */
import { describe, expect, it } from 'vitest';
import { relativeIndex } from '../../../src/main/engine/compress/storage/formats';
import { storageReport } from '../../../src/main/engine/compress/storage/report';
import { shareWeights } from '../../../src/main/engine/compress/weight-sharing';
import { buildModel, floatTensor, node, valueInfo } from '../../../src/main/engine/model/graph-builder';
import { eieFormatStorage, sharedCodebook } from '../../../src/main/engine/sparse/eie-format';
import type { EieIndexBits } from '../../../src/main/engine/sparse/types';
import { SeededRandom } from '../../../src/shared/random';
import { expectMatchesReference, randomVector, reference, sparseKernels } from './kernel-reference';

interface SharedCase {
  label: string;
  rows: number;
  cols: number;
  /** The weight-shared matrix: every nonzero is a codebook value. */
  dense: Float32Array;
  codebook: Float32Array;
}

/** Seeded weights at `density`, shared by k-means into 2^bits centroids (compress/weight-sharing.ts). */
function sharedCase(label: string, rows: number, cols: number, density: number, bits: number, seed: number, emptyRows: number[] = []): SharedCase {
  const rng = new SeededRandom(seed);
  const w = new Float32Array(rows * cols);
  for (let i = 0; i < w.length; i++) if (rng.next() < density) w[i] = rng.uniform(-1, 1);
  for (const r of emptyRows) w.fill(0, r * cols, (r + 1) * cols);
  const shared = shareWeights(w, bits);
  return { label, rows, cols, dense: shared.shared, codebook: shared.centroids };
}

/** One nonzero per row at the last column: long runs of padding entries (more than 8 in a row at 4 bits). */
function lastColumnCase(rows: number, cols: number): SharedCase {
  const codebook = Float32Array.from([-0.5, 0.25, 1.5, 3]);
  const dense = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) dense[r * cols + cols - 1] = codebook[r % 4];
  return { label: `${rows}x${cols}, one nonzero per row in the last column`, rows, cols, dense, codebook };
}

const CASES: SharedCase[] = [
  sharedCase('37x53 at 30%, empty rows 0, 5, 36, 16 centroids', 37, 53, 0.3, 4, 1, [0, 5, 36]),
  sharedCase('5x200 at 2%: gaps beyond 15 force padding', 5, 200, 0.02, 4, 2),
  sharedCase('70x9 at 50%, 4 centroids', 70, 9, 0.5, 2, 3),
  sharedCase('130x301 at 7%, 32 centroids', 130, 301, 0.07, 5, 4),
  sharedCase('19x29 fully dense, 256 centroids', 19, 29, 1, 8, 5),
  sharedCase('10x13 all zero', 10, 13, 0, 4, 6),
  sharedCase('1x1', 1, 1, 1, 4, 7),
  lastColumnCase(6, 600),
];

const INDEX_BITS: EieIndexBits[] = [4, 8];

describe("native 'eie' format", () => {
  it('computes a hand-checked product with padding entries and an empty row', () => {
    const k = sparseKernels();
    // Row 0: 2 at column 0, 0.5 at column 20, 3 at column 39; row 1 empty; row 2: -1 at column 16.
    const codebook = Float32Array.from([-1, 0.5, 2, 3]);
    const a = new Float32Array(3 * 40);
    a[0] = 2;
    a[20] = 0.5;
    a[39] = 3;
    a[80 + 16] = -1;
    const m = k.pack(a, 3, 40, { format: 'eie', codebook });
    // 4-bit gaps reach 15: row 0's gaps 1, 20 (= 15 padding + 5), 19 (= 15 + 4); row 2's 17 (= 15 + 2).
    expect(m.eie).toEqual({ indexBits: 4, codeBits: 2, entries: 7, padding: 3 });
    expect(m.nnz).toBe(4);
    // 7 entries x (4 + 2) bits + 4 fp32 codebook values + 4 row pointers.
    expect(m.bytes).toBe((7 * 6) / 8 + 4 * 4 + 4 * 4);
    const x = Float32Array.from({ length: 40 }, (_, i) => i + 1);
    const out = new Float32Array(3);
    for (const simd of ['auto', 'scalar'] as const) {
      k.multiply(m, x, 1, out, { threads: 1, bias: Float32Array.from([0.5, 1, -1]), simd });
      expect([...out], simd).toEqual([0.5 + 2 * 1 + 0.5 * 21 + 3 * 40, 1, -1 - 17]);
    }
    // With 8-bit gaps nothing needs padding.
    expect(k.pack(a, 3, 40, { format: 'eie', indexBits: 8, codebook }).eie).toEqual({ indexBits: 8, codeBits: 2, entries: 4, padding: 0 });
  });

  for (const c of CASES) {
    for (const indexBits of INDEX_BITS) {
      it(`matches the float64 reference on the decoded matrix: ${c.label}, ${indexBits}-bit indices`, () => {
        const k = sparseKernels();
        const m = k.pack(c.dense, c.rows, c.cols, { format: 'eie', indexBits, codebook: c.codebook });
        expect(m.format).toBe('eie');
        expectMatchesReference(k, m, c, (batch) => batch !== 64);
      });
    }
  }

  it('counts entries and bytes as relativeIndex does per row: entries x (b + s) / 8 + 4 x 2^s + 4 (rows + 1)', () => {
    const k = sparseKernels();
    for (const c of CASES) {
      for (const indexBits of INDEX_BITS) {
        const m = k.pack(c.dense, c.rows, c.cols, { format: 'eie', indexBits, codebook: c.codebook });
        const codeBits = Math.log2(c.codebook.length);
        const want = eieFormatStorage({ rows: c.rows, cols: c.cols, values: c.dense }, indexBits, codeBits);
        let nnz = 0;
        let entries = 0;
        for (let r = 0; r < c.rows; r++) {
          const row = relativeIndex(c.dense.subarray(r * c.cols, (r + 1) * c.cols), indexBits);
          nnz += row.nnz;
          entries += row.entries;
        }
        expect(m.nnz, c.label).toBe(nnz);
        expect(m.eie, c.label).toEqual({ indexBits, codeBits, entries: want.entries, padding: want.padding });
        expect(want.entries).toBe(entries);
        expect(m.bytes, c.label).toBe((entries * (indexBits + codeBits)) / 8 + 4 * 2 ** codeBits + 4 * (c.rows + 1));
        expect(m.bytes).toBe(want.bytes);
      }
    }
  });

  it("agrees with compress/storage's Deep Compression accounting of the same layer (sharing stage)", () => {
    // A Gemm with transB = 1 stores W[out, in]: the storage report's matrix is the kernel's.
    const rng = new SeededRandom(11);
    for (const [rows, cols, density] of [[1, 700, 0.05], [48, 300, 0.06], [64, 64, 0.3]] as const) {
      const w = new Float32Array(rows * cols);
      for (let i = 0; i < w.length; i++) if (rng.next() < density) w[i] = rng.normal();
      const proto = buildModel({
        name: 'fc',
        nodes: [node('Gemm', ['x', 'w'], ['y'], 'fc', { transB: 1 })],
        initializers: [floatTensor('w', [rows, cols], w)],
        inputs: [valueInfo('x', [1, cols])],
        outputs: [valueInfo('y', [1, rows])],
      });
      const layer = storageReport(proto, { indexBits: 4, shareBits: 4 }).layers[0];
      expect([layer.rows, layer.cols]).toEqual([rows, cols]);
      const shared = shareWeights(w, 4);
      const m = sparseKernels().pack(shared.shared, rows, cols, { format: 'eie', indexBits: 4, codebook: shared.centroids });
      const label = `${rows}x${cols}`;
      // Restarting the gap sequence at each row never needs more padding than one sequence over the
      // flattened matrix; the row pointers are the only other difference.
      expect(m.eie!.entries, label).toBeLessThanOrEqual(layer.relative.entries);
      expect(m.bytes, label).toBe(layer.sharing.bytes - ((layer.relative.entries - m.eie!.entries) * (4 + 4)) / 8 + 4 * (rows + 1));
      if (rows === 1) expect(m.bytes, label).toBe(layer.sharing.bytes + 4 * 2);
    }
  });

  it("keeps inf and NaN activations at padding entries' columns and past a row's end out of the sums", () => {
    const k = sparseKernels();
    // Row 0: nonzeros at columns 0 and 20 (a padding entry lands on column 15); row 1: column 3.
    const codebook = Float32Array.from([1, 2]);
    const a = new Float32Array(2 * 24);
    a[0] = 1;
    a[20] = 2;
    a[24 + 3] = 1;
    const m = k.pack(a, 2, 24, { format: 'eie', codebook });
    expect(m.eie!.padding).toBe(1);
    const x = Float32Array.from({ length: 24 }, (_, i) => i + 1);
    x[15] = Number.POSITIVE_INFINITY;
    x[23] = Number.NaN;
    for (const simd of ['auto', 'scalar'] as const) {
      const out = new Float32Array(2);
      k.multiply(m, x, 1, out, { threads: 1, simd });
      expect([...out], simd).toEqual([1 + 2 * 21, 4]);
    }
  });

  it("takes an already weight-shared matrix's codebook from its distinct values", () => {
    const k = sparseKernels();
    // k-means with 32 centroids: at most 32 distinct nonzeros, padded with zeros to a power of two.
    const c = sharedCase('40x70 at 20%, 32 centroids', 40, 70, 0.2, 5, 12);
    const codebook = sharedCodebook(c.dense)!;
    expect(codebook.length).toBe(32);
    for (const v of c.dense) if (v !== 0) expect(codebook).toContain(v);
    expect([...codebook]).toEqual([...codebook].sort((a, b) => a - b));
    const m = k.pack(c.dense, c.rows, c.cols, { format: 'eie', codebook });
    const x = randomVector(c.cols, 13);
    const out = new Float32Array(c.rows);
    k.multiply(m, x, 1, out, { threads: 1 });
    const want = reference(c, x, 1);
    for (let i = 0; i < out.length; i++) expect(Math.abs(out[i] - want.value[i])).toBeLessThanOrEqual(1e-5 * (1 + want.scale[i]));
    // Three distinct values -> 4 entries; none -> 2 zeros; more than 256 -> not weight-shared.
    expect([...sharedCodebook(Float32Array.from([0.5, 0, -1, 0.5, 2, -0]))!]).toEqual([-1, 0.5, 2, 0]);
    expect([...sharedCodebook(new Float32Array(5))!]).toEqual([0, 0]);
    expect(sharedCodebook(Float32Array.from({ length: 257 }, (_, i) => i + 1))).toBeNull();
    expect(sharedCodebook(Float32Array.from({ length: 256 }, (_, i) => i + 1))!.length).toBe(256);
  });

  it('refuses bad eie calls with one clear line', () => {
    const k = sparseKernels();
    const a = Float32Array.from([1, 0, 2, 0]);
    const codebook = Float32Array.from([1, 2]);
    expect(() => k.pack(a, 2, 2, { format: 'eie' })).toThrow(/^eie needs codebook: a Float32Array of shared weights/);
    expect(() => k.pack(a, 2, 2, { format: 'eie', codebook: Float32Array.from([1, 2, 3]) })).toThrow(
      'the eie codebook must hold 2, 4, 8, ..., 256 values (2^codeBits), got 3',
    );
    expect(() => k.pack(a, 2, 2, { format: 'eie', codebook: new Float32Array(512) })).toThrow(/must hold 2, 4, 8, \.\.\., 256 values \(2\^codeBits\), got 512/);
    expect(() => k.pack(a, 2, 2, { format: 'eie', codebook, indexBits: 5 as EieIndexBits })).toThrow('eie relative column indices are 4 or 8 bits, got 5');
    expect(() => k.pack(Float32Array.from([1, 0, 3, 0]), 2, 2, { format: 'eie', codebook })).toThrow(
      /^cannot pack the matrix as eie: the value 3\.0+ at row 1, column 0 is not in the codebook \(every nonzero must be one of its values: share the weights first\)$/,
    );
    const m = k.pack(a, 2, 2, { format: 'eie', codebook });
    expect(() => k.multiply(m, new Float32Array(3), 1, new Float32Array(2), { threads: 1 })).toThrow('x has 3 values, expected 2 (batch 1 x 2 columns)');
  });
});
