import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { csvParseRows } from 'd3';
import { describe, expect, it } from 'vitest';
import { renderCsvFiles } from '../../../../src/main/engine/report/exports/render';
import { escapeLatex, reportToLatex, reportToMarkdown } from '../../../../src/main/engine/report/exports/paper-tables';
import { findChromium, htmlToPdf } from '../../../../src/main/engine/report/exports/pdf';
import { renderReportHtml } from '../../../../src/main/engine/report/report-html';
import { HOSTILE_TEXT, buildHostileReport, buildSampleReport } from '../../../fixtures/reports/sample-report';
import { tempDir } from '../../../helpers';
import type { Report } from '../../../../src/shared/report';

const dir = tempDir();
const report = buildSampleReport();

/** File name -> content of the CSV export. */
function reportToCsv(r: Report): Record<string, string> {
  return Object.fromEntries(renderCsvFiles(r).map((f) => [f.name, f.content]));
}

describe('CSV export', () => {
  it('writes one parseable file per table with full-precision numbers', () => {
    const files = reportToCsv(report);
    expect(Object.keys(files)).toEqual(['runs.csv', 'comparisons.csv', 'verification.csv', 'layers.csv', 'ops.csv', 'energy.csv', 'throttling.csv', 'reproducibility.csv']);
    const runs = csvParseRows(files['runs.csv']);
    expect(runs[0].slice(0, 6)).toEqual(['variant', 'ep', 'sparsity', 'threads', 'batch', 'median_ms']);
    const runCount = report.variants.reduce((s, v) => s + v.runs.length, 0);
    expect(runs).toHaveLength(1 + runCount);
    expect(Number(runs[1][5])).toBe(report.variants[0].runs[0].latencyMs.median);
    const ops = csvParseRows(files['ops.csv']);
    expect(ops).toHaveLength(1 + report.variants.reduce((s, v) => s + v.runs.reduce((t, r) => t + r.ops.length, 0), 0));
    expect(ops.every((row) => row.length === ops[0].length)).toBe(true);
  });

  it('quotes commas, quotes and newlines in user data', () => {
    const hostile = buildHostileReport();
    const ops = csvParseRows(reportToCsv(hostile)['ops.csv']);
    const names = ops.slice(1).map((r) => r[2]);
    expect(names.some((n) => n.includes(HOSTILE_TEXT))).toBe(true);
  });
});

describe('Markdown and LaTeX tables', () => {
  it('renders every non-empty table with units and a reproducibility block', () => {
    const md = reportToMarkdown(report);
    expect(md).toContain('| variant | EP | sparsity | threads | batch | median (ms) |');
    expect(md).toMatch(/\| ---: \|/);
    expect(md).toContain('## Reproducibility');
    expect(md).toContain(report.model.sha256);
    const tex = reportToLatex(report);
    expect(tex).toContain('\\toprule');
    expect(tex).toContain('\\midrule');
    expect(tex).toContain('\\bottomrule');
    expect(tex.match(/\\begin\{table\}/g)?.length).toBe(tex.match(/\\end\{table\}/g)?.length);
    expect(tex).toContain('median (ms)');
  });

  it('escapes LaTeX specials', () => {
    expect(escapeLatex('fc1/MatMul_0 & 50% {x} #2 $y ^z ~w \\')).toBe(
      'fc1/MatMul\\_0 \\& 50\\% \\{x\\} \\#2 \\$y \\textasciicircum{}z \\textasciitilde{}w \\textbackslash{}',
    );
    const tex = reportToLatex(buildHostileReport());
    const body = tex.split('\n').filter((line) => !line.startsWith('%'));
    expect(body.join('\n')).toContain('\\textless{}/script\\textgreater{}');
    // Outside comments no raw specials survive from user data.
    expect(body.filter((line) => /[<>]/.test(line))).toEqual([]);
    // Comment lines stay single lines, so user data cannot end a comment and start code.
    expect(tex.split('\n').filter((l) => l.startsWith('%')).every((l) => !l.includes('\r'))).toBe(true);
  });
});

describe('PDF export', () => {
  it('prints the HTML report with headless Chromium into pages that render', async () => {
    expect(findChromium(), 'PDF export needs Chromium: apt-get install chromium (.ci/run does)').not.toBeNull();
    const html = join(dir, 'report.html');
    writeFileSync(html, renderReportHtml(report));
    const pdf = join(dir, 'report.pdf');
    await htmlToPdf(html, pdf);
    expect(existsSync(pdf)).toBe(true);
    execFileSync('pdftoppm', ['-r', '30', '-png', pdf, join(dir, 'page')]);
    const pages = readdirSync(dir).filter((f) => /^page-\d+\.png$/.test(f));
    expect(pages.length).toBeGreaterThanOrEqual(2);
    expect(readdirSync(dir).filter((f) => f.includes('.tmp'))).toEqual([]);
  });

  it('says what to install when no browser is found', async () => {
    expect(findChromium({ PATH: dir })).toBeNull();
    await expect(htmlToPdf(join(dir, 'report.html'), join(dir, 'x.pdf'), null)).rejects.toThrow(/PDF export needs Chromium or Chrome, and none was found/);
    expect(existsSync(join(dir, 'x.pdf'))).toBe(false);
  });
});
