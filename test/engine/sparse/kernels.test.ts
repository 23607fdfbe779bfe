/**
 * The native sparse kernels against a straightforward float64 reference: every format x
 * batch (1, 3, 64, and 70 for a second batch tile) x threads (1, 2) x SIMD (auto, scalar)
 * on seeded matrices with awkward shapes, empty rows, all zeros and fully dense; byte
 * counts against the storage formulas of compress/storage; bad calls as one error line.
 */
import { describe, expect, it } from 'vitest';
import { csrBytes, countNonzeros } from '../../../src/main/engine/compress/storage/formats';
import { loadSparseKernels } from '../../../src/main/engine/sparse/native';
import type { PackOptions } from '../../../src/main/engine/sparse/types';
import { SeededRandom } from '../../../src/shared/random';
import { expectMatchesReference, randomVector, reference, sparseKernels, type DenseCase as Case } from './kernel-reference';

/** Seeded matrix with the given density; `emptyRows` are forced to zero. */
function randomMatrix(label: string, rows: number, cols: number, density: number, seed: number, emptyRows: number[] = []): Case {
  const rng = new SeededRandom(seed);
  const dense = new Float32Array(rows * cols);
  for (let i = 0; i < dense.length; i++) if (rng.next() < density) dense[i] = rng.uniform(-1, 1);
  for (const r of emptyRows) dense.fill(0, r * cols, (r + 1) * cols);
  return { label, rows, cols, dense };
}

const CASES: Case[] = [
  randomMatrix('37x53 at 30%, empty rows 0, 5, 36', 37, 53, 0.3, 1, [0, 5, 36]),
  randomMatrix('70x9 at 50%', 70, 9, 0.5, 2),
  randomMatrix('19x29 fully dense', 19, 29, 1, 3),
  randomMatrix('10x13 all zero', 10, 13, 0, 4),
  randomMatrix('1x1', 1, 1, 1, 5),
  randomMatrix('130x301 at 7%', 130, 301, 0.07, 6),
  // More than 6144 columns: CSR stored as three column panels.
  randomMatrix('23x9001 at 5%', 23, 9001, 0.05, 10),
];

const FORMATS: PackOptions[] = [
  { format: 'csr32' },
  { format: 'csr16' },
  { format: 'bsr', block: [1, 4] },
  { format: 'bsr', block: [4, 4] },
  { format: 'bsr', block: [2, 4] },
  { format: 'bsr', block: [3, 5] },
  { format: 'sell' },
];

const formatLabel = (f: PackOptions) => (f.block ? `${f.format} ${f.block[0]}x${f.block[1]}` : f.format);

describe('sparse kernels', () => {
  it('are built on this machine', () => {
    const status = loadSparseKernels();
    expect(status.available ? 'available' : status.reason).toBe('available');
    if (status.available) expect(status.kernels.buildInfo.simd).toMatch(/^(avx512|avx2|neon|scalar)$/);
  });

  it('compute a hand-checked product', () => {
    const k = sparseKernels();
    // [[1, 0, 2], [0, 0, 0], [0, 3, 0]] x [1, 2, 3] = [7, 0, 6]; + bias [0.5, 1, -1].
    const a = Float32Array.from([1, 0, 2, 0, 0, 0, 0, 3, 0]);
    for (const options of FORMATS) {
      const m = k.pack(a, 3, 3, options);
      const out = new Float32Array(3);
      k.multiply(m, Float32Array.from([1, 2, 3]), 1, out, { threads: 1, bias: Float32Array.from([0.5, 1, -1]) });
      expect([...out], formatLabel(options)).toEqual([7.5, 1, 5]);
    }
  });

  for (const c of CASES) {
    for (const options of FORMATS) {
      it(`match the reference: ${c.label}, ${formatLabel(options)}`, () => {
        const k = sparseKernels();
        const m = k.pack(c.dense, c.rows, c.cols, options);
        expect(m.rows).toBe(c.rows);
        expect(m.cols).toBe(c.cols);
        expectMatchesReference(k, m, c, (batch) => batch === 3);
      });
    }
  }

  it('split rows over more threads than rows and still cover every row', () => {
    const k = sparseKernels();
    const c = randomMatrix('3x40', 3, 40, 0.5, 8);
    const m = k.pack(c.dense, c.rows, c.cols, { format: 'csr32' });
    const x = randomVector(64 * 40, 9);
    const want = reference(c, x, 64);
    for (const threads of [3, 5, 8]) {
      const out = new Float32Array(64 * 3).fill(Number.NaN);
      k.multiply(m, x, 64, out, { threads });
      for (let i = 0; i < out.length; i++) expect(Math.abs(out[i] - want.value[i])).toBeLessThanOrEqual(1e-5 * (1 + want.scale[i]));
    }
  });

  it("keep one row's inf or NaN activations out of another row's sum", () => {
    const k = sparseKernels();
    // Row 0 has 3 nonzeros (a vector tail that reads on into row 1's column 9); row 1 has one.
    // CSR only: BSR multiplies a block's explicit zeros, as a dense product does (0 * inf = NaN).
    const a = new Float32Array(2 * 10);
    a.set([1, 2, 3], 0);
    a[10 + 9] = 1;
    const x = Float32Array.from({ length: 10 }, (_, i) => i + 1);
    x[9] = Number.POSITIVE_INFINITY;
    for (const options of FORMATS.filter((f) => f.format !== 'bsr')) {
      const out = new Float32Array(2);
      k.multiply(k.pack(a, 2, 10, options), x, 1, out, { threads: 1 });
      expect([...out], formatLabel(options)).toEqual([1 + 4 + 9, Number.POSITIVE_INFINITY]);
    }
    x[9] = Number.NaN;
    const out = new Float32Array(2);
    k.multiply(k.pack(a, 2, 10, { format: 'csr16' }), x, 1, out, { threads: 1 });
    expect(out[0]).toBe(14);
    expect(out[1]).toBeNaN();
    // SELL pads row 0 (two nonzeros beside row 1's three) with a zero weight at window offset 0, where the
    // activation is inf: the padding must not turn row 0 into NaN.
    const b = new Float32Array(2 * 10);
    b.set([0, 2, 3], 0);
    b.set([1, 0, 0, 0, 0, 1, 0, 1], 10);
    const y = Float32Array.from({ length: 10 }, (_, i) => i + 1);
    y[0] = Number.POSITIVE_INFINITY;
    for (const options of FORMATS.filter((f) => f.format !== 'bsr')) {
      for (const simd of ['auto', 'scalar'] as const) {
        const res = new Float32Array(2);
        k.multiply(k.pack(b, 2, 10, options), y, 1, res, { threads: 1, simd });
        expect([...res], `${formatLabel(options)} ${simd}`).toEqual([2 * 2 + 3 * 3, Number.POSITIVE_INFINITY]);
      }
    }
  });

  it('count bytes as the storage formulas do (csr32 = 8 nnz + 4 (rows + 1), csr16 = 6 nnz + 4 (rows + 1); per column panel beyond 6144 columns)', () => {
    const k = sparseKernels();
    for (const c of CASES) {
      const nnz = countNonzeros(c.dense);
      const csr32 = k.pack(c.dense, c.rows, c.cols, { format: 'csr32' });
      const csr16 = k.pack(c.dense, c.rows, c.cols, { format: 'csr16' });
      expect(csr32.nnz).toBe(nnz);
      expect(csr16.nnz).toBe(nnz);
      // Wide matrices keep one row-pointer array per column panel of at most 4096 columns.
      const panels = c.cols > 6144 ? Math.ceil(c.cols / 4096) : 1;
      const pointerBytes = 4 * (c.rows + 1) * (panels - 1);
      expect(csr32.bytes).toBe(csrBytes(nnz, c.rows, 4) + pointerBytes);
      expect(csr16.bytes).toBe(csrBytes(nnz, c.rows, 2) + pointerBytes);
      expect(csr32.bytes).toBe(8 * nnz + 4 * (c.rows + 1) * panels);
      expect(csr16.bytes).toBe(6 * nnz + 4 * (c.rows + 1) * panels);
    }
  });

  it('count SELL bytes with its padding: 5 per stored lane (value + offset) + 4 per segment + 8 (slices + 1)', () => {
    const k = sparseKernels();
    for (const c of CASES) {
      let steps = 0;
      let segments = 0;
      const slices = Math.ceil(c.rows / 16);
      for (let s = 0; s < slices; s++) {
        for (let w = 0; w < Math.ceil(c.cols / 64); w++) {
          let most = 0;
          for (let r = s * 16; r < Math.min(c.rows, (s + 1) * 16); r++) {
            most = Math.max(most, countNonzeros(c.dense.subarray(r * c.cols + w * 64, r * c.cols + Math.min(c.cols, (w + 1) * 64))));
          }
          steps += most;
          segments += most > 0 ? 1 : 0;
        }
      }
      const m = k.pack(c.dense, c.rows, c.cols, { format: 'sell' });
      expect(m.nnz, c.label).toBe(countNonzeros(c.dense));
      expect(m.bytes, c.label).toBe(16 * steps * 5 + 4 * segments + 8 * (slices + 1));
    }
  });

  it('count BSR bytes as whole blocks: 4 R C per block + 4 per block index + 4 (block rows + 1)', () => {
    const k = sparseKernels();
    const c = CASES[0]; // 37x53
    for (const [R, C] of [[1, 4], [4, 4], [3, 5]] as const) {
      let blocks = 0;
      for (let br = 0; br < Math.ceil(c.rows / R); br++) {
        for (let bc = 0; bc < Math.ceil(c.cols / C); bc++) {
          let any = false;
          for (let r = br * R; r < Math.min(c.rows, (br + 1) * R); r++) {
            for (let col = bc * C; col < Math.min(c.cols, (bc + 1) * C); col++) any ||= c.dense[r * c.cols + col] !== 0;
          }
          if (any) blocks++;
        }
      }
      const m = k.pack(c.dense, c.rows, c.cols, { format: 'bsr', block: [R, C] });
      expect(m.nnz).toBe(blocks * R * C);
      expect(m.bytes).toBe(4 * R * C * blocks + 4 * blocks + 4 * (Math.ceil(c.rows / R) + 1));
      expect(m.block).toEqual([R, C]);
    }
  });

  it('address column 65535 with 16-bit indices, and refuse csr16 beyond 65536 columns', () => {
    const k = sparseKernels();
    const wide = new Float32Array(65536);
    wide[65535] = 2;
    wide[0] = 1;
    const m = k.pack(wide, 1, 65536, { format: 'csr16' });
    const x = new Float32Array(65536);
    x[65535] = 3;
    x[0] = 5;
    const out = new Float32Array(1);
    k.multiply(m, x, 1, out, { threads: 2 });
    expect(out[0]).toBe(11);
    expect(() => k.pack(new Float32Array(65537), 1, 65537, { format: 'csr16' })).toThrow(
      /csr16 stores column indices in 16 bits, so it needs cols <= 65536; this matrix has 65537 columns \(use csr32\)/,
    );
    expect(k.pack(new Float32Array(65537), 1, 65537, { format: 'csr32' }).nnz).toBe(0);
  });

  it('reject bad arguments with one clear line', () => {
    const k = sparseKernels();
    const m = k.pack(new Float32Array(6).fill(1), 2, 3, { format: 'csr32' });
    const expectBad = (f: () => unknown, message: RegExp) => {
      try {
        f();
      } catch (err) {
        expect((err as { code?: string }).code).toBe('E_BAD_REQUEST');
        expect((err as Error).message).toMatch(message);
        expect((err as Error).message).not.toContain('\n');
        return;
      }
      throw new Error('expected an error');
    };
    expectBad(() => k.pack(new Float32Array(5), 2, 3, { format: 'csr32' }), /dense matrix has 5 values, expected 6/);
    expectBad(() => k.pack(new Float32Array(6), 2, 3, { format: 'coo' as never }), /unknown sparse format 'coo'/);
    expectBad(() => k.pack(new Float32Array(6), 2, 3, { format: 'bsr' }), /bsr needs a block shape/);
    expectBad(() => k.pack(new Float32Array(6), 2, 3, { format: 'bsr', block: [0, 4] }), /block sides must be integers in \[1, 16\]/);
    expectBad(() => k.multiply(m, new Float32Array(4), 1, new Float32Array(2), { threads: 1 }), /x has 4 values, expected 3/);
    expectBad(() => k.multiply(m, new Float32Array(3), 1, new Float32Array(3), { threads: 1 }), /out has 3 values, expected 2/);
    expectBad(() => k.multiply(m, new Float32Array(3), 1, new Float32Array(2), { threads: 0 }), /threads must be an integer >= 1/);
    expectBad(() => k.multiply(m, new Float32Array(3), 1, new Float32Array(2), { threads: 1, bias: new Float32Array(3) }), /bias has 3 values/);
    expectBad(() => k.multiply({ ...m }, new Float32Array(3), 1, new Float32Array(2), { threads: 1 }), /a matrix returned by pack/);
  });
});
