/**
 * Report tables from column definitions, so every table aligns numbers the same way:
 * numeric columns are right-aligned with tabular digits, and units live in the header
 * (under "median": "ms"), not in each cell.
 */
import { html, type HtmlValue, type SafeHtml } from './safe-html';

export interface Column<Row> {
  header: string;
  unit?: string;
  numeric?: boolean;
  /** Class for the cells, e.g. 'name' for op names (monospace, wrapping). */
  className?: string;
  cell: (row: Row) => HtmlValue;
}

export function table<Row>(columns: readonly Column<Row>[], rows: readonly Row[]): SafeHtml {
  const cellClass = (column: Column<Row>) => [column.numeric ? 'num' : '', column.className ?? ''].filter(Boolean).join(' ');
  const head = columns.map(
    (column) =>
      html`<th class="${column.numeric ? 'num' : ''}">${column.header}${
        column.unit ? html`<br><span class="unit">${column.unit}</span>` : ''
      }</th>`,
  );
  const body = rows.map((row) => html`<tr>${columns.map((column) => html`<td class="${cellClass(column)}">${column.cell(row)}</td>`)}</tr>`);
  return html`<div class="table-wrap"><table><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table></div>`;
}

/** A boolean cell, coloured. */
export function yesNo(value: boolean): SafeHtml {
  return value ? html`<span class="yes">yes</span>` : html`<span class="no">no</span>`;
}
