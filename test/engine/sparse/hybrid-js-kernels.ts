/**
 * A plain-JS SparseKernels (CSR32 only, one thread) for testing the hybrid splitter,
 * policy and executor where the native addon is not built. Test-only: the product
 * never uses it. Bytes are counted as the contract says (values + indices + row pointers).
 */
import type { PackOptions, SparseKernels, SparseMatrix } from '../../../src/main/engine/sparse/types';

interface JsCsr extends SparseMatrix {
  values: Float32Array;
  colIndex: Int32Array;
  rowPtr: Int32Array;
}

export const jsKernels: SparseKernels = {
  buildInfo: { implementation: 'test-js' },
  pack(dense: Float32Array, rows: number, cols: number, options: PackOptions): SparseMatrix {
    const rowPtr = new Int32Array(rows + 1);
    const values: number[] = [];
    const colIndex: number[] = [];
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < cols; c++) {
        const v = dense[r * cols + c];
        if (v !== 0) {
          values.push(v);
          colIndex.push(c);
        }
      }
      rowPtr[r + 1] = values.length;
    }
    const indexBytes = options.format === 'csr16' ? 2 : 4;
    const m: JsCsr = {
      rows,
      cols,
      format: options.format,
      nnz: values.length,
      bytes: values.length * (4 + indexBytes) + (rows + 1) * 4,
      values: Float32Array.from(values),
      colIndex: Int32Array.from(colIndex),
      rowPtr,
    };
    return m;
  },
  multiply(a: SparseMatrix, x: Float32Array, batch: number, out: Float32Array, options: { threads: number; bias?: Float32Array }): void {
    const m = a as JsCsr;
    for (let b = 0; b < batch; b++) {
      for (let r = 0; r < m.rows; r++) {
        let sum = options.bias ? options.bias[r] : 0;
        for (let k = m.rowPtr[r]; k < m.rowPtr[r + 1]; k++) sum += m.values[k] * x[b * m.cols + m.colIndex[k]];
        out[b * m.rows + r] = sum;
      }
    }
  },
};
