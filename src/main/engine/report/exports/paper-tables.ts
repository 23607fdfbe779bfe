/**
 * Markdown and LaTeX (booktabs) tables ready to paste into a paper: rounded numbers,
 * units in the header, and the reproducibility block.
 */
import type { Report } from '../../../../shared/report';
import { allTables, reproducibility, type Cell, type Table } from './tables';

/** Round for reading: 4 significant digits, integers as they are. */
function readable(cell: Cell): string {
  if (cell === null) return '';
  if (typeof cell === 'string') return cell;
  if (!Number.isFinite(cell)) return '';
  if (Number.isInteger(cell)) return String(cell);
  const magnitude = Math.abs(cell);
  if (magnitude !== 0 && (magnitude < 1e-3 || magnitude >= 1e7)) return cell.toExponential(3);
  return String(Number(cell.toPrecision(4)));
}

const header = (c: Table['columns'][number]) => (c.unit ? `${c.label} (${c.unit})` : c.label);

function markdownCell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

export function tableToMarkdown(table: Table): string {
  const numeric = table.columns.map((_, i) => table.rows.length > 0 && table.rows.every((r) => r[i] === null || typeof r[i] === 'number'));
  const lines = [
    `| ${table.columns.map((c) => markdownCell(header(c))).join(' | ')} |`,
    `| ${numeric.map((n) => (n ? '---:' : '---')).join(' | ')} |`,
    ...table.rows.map((row) => `| ${row.map((cell) => markdownCell(readable(cell))).join(' | ')} |`),
  ];
  return `**${table.caption}**\n\n${lines.join('\n')}\n`;
}

export function reportToMarkdown(report: Report): string {
  const parts = [`# edgescope report: ${report.model.path.split(/[\\/]/).pop()}`, ''];
  for (const t of allTables(report)) if (t.rows.length > 0) parts.push(tableToMarkdown(t));
  parts.push('## Reproducibility', '', ...reproducibility(report).map(([k, v]) => `- **${k}**: ${markdownCell(v)}`), '');
  return parts.join('\n');
}

const LATEX_SPECIALS: Record<string, string> = {
  '\\': '\\textbackslash{}', '&': '\\&', '%': '\\%', $: '\\$', '#': '\\#', _: '\\_', '{': '\\{', '}': '\\}',
  '~': '\\textasciitilde{}', '^': '\\textasciicircum{}', '<': '\\textless{}', '>': '\\textgreater{}', '|': '\\textbar{}',
};

export function escapeLatex(text: string): string {
  return text.replace(/[\\&%$#_{}~^<>|]/g, (ch) => LATEX_SPECIALS[ch]);
}

export function tableToLatex(table: Table): string {
  const numeric = table.columns.map((_, i) => table.rows.length > 0 && table.rows.every((r) => r[i] === null || typeof r[i] === 'number'));
  return [
    '\\begin{table}[htbp]',
    '  \\centering',
    `  \\caption{${escapeLatex(table.caption)}}`,
    `  \\label{tab:edgescope-${table.id}}`,
    `  \\begin{tabular}{${numeric.map((n) => (n ? 'r' : 'l')).join('')}}`,
    '    \\toprule',
    `    ${table.columns.map((c) => escapeLatex(header(c))).join(' & ')} \\\\`,
    '    \\midrule',
    ...table.rows.map((row) => `    ${row.map((cell) => escapeLatex(readable(cell))).join(' & ')} \\\\`),
    '    \\bottomrule',
    '  \\end{tabular}',
    '\\end{table}',
    '',
  ].join('\n');
}

/** A LaTeX fragment to \input{} (needs \usepackage{booktabs}). */
export function reportToLatex(report: Report): string {
  const parts = [
    '% edgescope report tables; requires \\usepackage{booktabs}',
    ...reproducibility(report).map(([k, v]) => `% ${k}: ${v.replace(/\r?\n/g, ' ')}`),
    '',
  ];
  for (const t of allTables(report)) if (t.rows.length > 0) parts.push(tableToLatex(t));
  return parts.join('\n');
}
