/**
 * CSV (RFC 4180): one file per table, full-precision numbers, a header of column keys
 * with units in them (median_ms), so the files load into pandas or R unchanged.
 */
import type { Report } from '../../../../shared/report';
import { reproducibility, type Cell, type Table } from './tables';

function field(cell: Cell): string {
  if (cell === null) return '';
  const text = typeof cell === 'number' ? (Number.isFinite(cell) ? String(cell) : '') : cell;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

function toCsv(header: readonly string[], rows: readonly (readonly Cell[])[]): string {
  const lines = [header.map(field), ...rows.map((row) => row.map(field))];
  return `${lines.map((cells) => cells.join(',')).join('\r\n')}\r\n`;
}

export function tableToCsv(table: Table): string {
  return toCsv(table.columns.map((c) => c.key), table.rows);
}

/**
 * reproducibility.csv, written next to the tables: the report's reproducibility block
 * (machine, ceilings, versions, settings, model hashes, command line) as key,value rows.
 */
export function reproducibilityCsv(report: Report): string {
  return toCsv(['key', 'value'], reproducibility(report));
}
