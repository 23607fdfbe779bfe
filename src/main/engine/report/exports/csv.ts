/**
 * CSV (RFC 4180): one file per table, full-precision numbers, a header of column keys
 * with units in them (median_ms), so the files load into pandas or R unchanged.
 */
import type { Cell, Table } from './tables';

function field(cell: Cell): string {
  if (cell === null) return '';
  const text = typeof cell === 'number' ? (Number.isFinite(cell) ? String(cell) : '') : cell;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function tableToCsv(table: Table): string {
  const lines = [table.columns.map((c) => field(c.key)), ...table.rows.map((row) => row.map(field))];
  return `${lines.map((cells) => cells.join(',')).join('\r\n')}\r\n`;
}
