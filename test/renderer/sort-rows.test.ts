/** The one row sort of the app's sortable tables: numbers, text, missing values last, stable ties. */
import { describe, expect, it } from 'vitest';
import { sortRows } from '../../src/shared/sort-rows';

const rows = [
  { id: 'a', us: 3, name: 'conv' },
  { id: 'b', us: null, name: 'gemm' },
  { id: 'c', us: 10, name: 'add' },
  { id: 'd', us: 3, name: null },
];

describe('sortRows', () => {
  it('orders numbers either way with missing values last and ties in their original order', () => {
    expect(sortRows(rows, (r) => r.us, false).map((r) => r.id)).toEqual(['a', 'd', 'c', 'b']);
    expect(sortRows(rows, (r) => r.us, true).map((r) => r.id)).toEqual(['c', 'a', 'd', 'b']);
  });

  it('orders text A to Z (Z to A descending), missing last, and leaves the input alone', () => {
    expect(sortRows(rows, (r) => r.name, false).map((r) => r.id)).toEqual(['c', 'a', 'b', 'd']);
    expect(sortRows(rows, (r) => r.name, true).map((r) => r.id)).toEqual(['b', 'a', 'c', 'd']);
    expect(rows.map((r) => r.id)).toEqual(['a', 'b', 'c', 'd']);
  });
});
