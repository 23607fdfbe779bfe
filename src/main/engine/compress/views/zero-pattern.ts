/**
 * The zero pattern of a weight matrix as a heat map: the matrix (storage/matrix.ts's view: one row
 * per output feature, columns = fan-in) cut into at most maxCells x maxCells blocks, each holding
 * its exact count of nonzeros (every element is counted, none sampled), so pruned rows, filters,
 * 1x4 blocks and N:M groups stay visible when the matrix is large. A matrix that fits is not scaled:
 * one cell per weight.
 *
 * Block edges split as evenly as integers allow: cell i covers [floor(i*n/k), floor((i+1)*n/k)),
 * so when the size does not divide, blocks differ by at most one row or column. A down-sampled
 * matrix can be split on the boundaries of the structures pruning removed (`units`: a conv kernel's
 * kh*kw columns, a block's R rows and C columns, an N:M group's M columns): no cell then holds part
 * of one, so a pruned structure shows as whole white cells.
 */
import type { ZeroPattern } from '../../../../shared/api';
import type { MatrixView } from '../storage/formats';

export const DEFAULT_MAX_CELLS = 256;

/**
 * k + 1 edges splitting [0, size) into k near-equal spans: one per element when size <= maxCells,
 * else k = min(size / unit, maxCells) spans of whole units (size a multiple of unit).
 */
export function cellEdges(size: number, maxCells: number, unit = 1): number[] {
  const limit = Math.max(1, Math.floor(maxCells));
  const step = size > limit && unit > 1 && size % unit === 0 ? unit : 1;
  const units = size / step;
  const k = Math.min(units, limit);
  return Array.from({ length: k + 1 }, (_, i) => Math.floor((i * units) / k) * step);
}

/** Rows and columns that belong together, never split by a down-sampled cell (when they divide the matrix). */
export interface CellUnits {
  rows?: number;
  cols?: number;
}

export function zeroPattern(matrix: MatrixView, maxCells = DEFAULT_MAX_CELLS, units: CellUnits = {}): ZeroPattern {
  const { rows, cols, values } = matrix;
  const rowEdges = cellEdges(rows, maxCells, units.rows);
  const colEdges = cellEdges(cols, maxCells, units.cols);
  const gridRows = rowEdges.length - 1;
  const gridCols = colEdges.length - 1;
  // Which cell column each matrix column falls in, looked up once rather than searched per element.
  const cellOfCol = new Int32Array(cols);
  for (let c = 0; c < gridCols; c++) for (let j = colEdges[c]; j < colEdges[c + 1]; j++) cellOfCol[j] = c;
  const nonzeros = new Array<number>(gridRows * gridCols).fill(0);
  for (let r = 0; r < gridRows; r++) {
    const base = r * gridCols;
    for (let i = rowEdges[r]; i < rowEdges[r + 1]; i++) {
      const offset = i * cols;
      for (let j = 0; j < cols; j++) if (values[offset + j] !== 0) nonzeros[base + cellOfCol[j]]++;
    }
  }
  return { rows, cols, rowEdges, colEdges, nonzeros };
}

/** Elements in cell (r, c). */
export function cellSize(p: ZeroPattern, r: number, c: number): number {
  return (p.rowEdges[r + 1] - p.rowEdges[r]) * (p.colEdges[c + 1] - p.colEdges[c]);
}

/** Fraction of nonzeros per cell, row-major. */
export function cellDensities(p: ZeroPattern): number[] {
  const gridCols = p.colEdges.length - 1;
  return p.nonzeros.map((nz, i) => nz / cellSize(p, Math.floor(i / gridCols), i % gridCols));
}

/** Cell rows whose every weight is zero (a pruned row or filter shows up as one, or several). */
export function emptyCellRows(p: ZeroPattern): number {
  const gridCols = p.colEdges.length - 1;
  let empty = 0;
  for (let r = 0; r < p.rowEdges.length - 1; r++) {
    let any = false;
    for (let c = 0; c < gridCols && !any; c++) any = p.nonzeros[r * gridCols + c] > 0;
    if (!any) empty++;
  }
  return empty;
}
