/**
 * A report as files: one name, media type and content per export format, the same for
 * the profile job's output folder, `edgescope report` and the app's export buttons.
 * (PDF is printed from the HTML file by exports/pdf.ts, so it is not rendered here.)
 */
import type { Report } from '../../../../shared/report';
import { toChromeTrace } from '../chrome-trace';
import { renderReportHtml } from '../report-html';
import { reproducibilityCsv, tableToCsv } from './csv';
import { reportToLatex, reportToMarkdown } from './paper-tables';
import { allTables, type Table } from './tables';

export interface RenderedFile {
  /** Base name; callers may prefix it (the app adds the model's name). */
  name: string;
  mimeType: string;
  content: string;
}

/** One file per kind; `csv:<table>` is one of the report's tables (exports/tables.ts). */
export type FileKind = 'json' | 'html' | 'trace' | 'md' | 'tex' | `csv:${Table['id']}`;


export function renderFile(report: Report, kind: FileKind): RenderedFile {
  switch (kind) {
    case 'json':
      return { name: 'report.json', mimeType: 'application/json', content: JSON.stringify(report, null, 1) };
    case 'html':
      return { name: 'report.html', mimeType: 'text/html', content: renderReportHtml(report) };
    case 'trace':
      return { name: 'trace.json', mimeType: 'application/json', content: JSON.stringify(toChromeTrace(report)) };
    case 'md':
      return { name: 'report.md', mimeType: 'text/markdown', content: reportToMarkdown(report) };
    case 'tex':
      return { name: 'report.tex', mimeType: 'application/x-tex', content: reportToLatex(report) };
    default: {
      const id = kind.slice('csv:'.length);
      const table = allTables(report).find((t) => t.id === id);
      if (!table) throw new Error(`unknown table ${id}`);
      return { name: `${id}.csv`, mimeType: 'text/csv', content: tableToCsv(table) };
    }
  }
}

/** Every table of the report as its own CSV file, and the reproducibility block as reproducibility.csv. */
export function renderCsvFiles(report: Report): RenderedFile[] {
  return [
    ...allTables(report).map((t) => renderFile(report, `csv:${t.id}`)),
    { name: 'reproducibility.csv', mimeType: 'text/csv', content: reproducibilityCsv(report) },
  ];
}
