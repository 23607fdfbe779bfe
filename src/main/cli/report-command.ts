/**
 * `edgescope report DIR|REPORT.json --format ...`: re-export a finished report in the
 * formats papers and spreadsheets want. The report is validated first; every output is
 * staged and renamed, so a failure (say, no browser for the PDF) leaves nothing half-written.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { SvgChart } from '../../shared/api';
import { EdgescopeError } from '../../shared/errors';
import type { Report } from '../../shared/report';
import { writeFilesTogether } from '../engine/files/write-atomic';
import { printHtmlWithChromium } from '../engine/report/exports/pdf';
import { renderCsvFiles, renderFile } from '../engine/report/exports/render';
import { reportSchemaErrors } from '../engine/report/report-schema';
import { pngFiles, svgFiles } from '../engine/report/charts/chart-files';
import { reportCharts } from '../engine/report/charts/report-charts';
import { renderSweepHtml } from '../engine/report/charts/sweep-page';
import { readResults, RESULTS_FILE } from '../engine/sweep/results';
import { readCellReports, sweepOverview, sweepProvenance } from '../engine/sweep/views';
import type { ReportCommand } from './args';

export function loadReport(source: string): { report: Report; path: string } {
  const given = resolve(source);
  const path = existsSync(given) && statSync(given).isDirectory() ? join(given, 'report.json') : given;
  if (!existsSync(path)) throw new EdgescopeError('E_NOT_FOUND', `no report at ${path}`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new EdgescopeError('E_BAD_REQUEST', `${path} is not JSON: ${(err as Error).message}`);
  }
  const errors = reportSchemaErrors(parsed);
  if (errors.length > 0) throw new EdgescopeError('E_BAD_REQUEST', `${path} is not an edgescope report: ${errors.slice(0, 3).join('; ')}`);
  return { report: parsed as Report, path };
}

/** A sweep's results.json, or a folder holding one and no report.json. */
function sweepResultsPath(source: string): string | null {
  const given = resolve(source);
  if (existsSync(given) && statSync(given).isDirectory()) {
    return !existsSync(join(given, 'report.json')) && existsSync(join(given, RESULTS_FILE)) ? join(given, RESULTS_FILE) : null;
  }
  return basename(given) === RESULTS_FILE ? given : null;
}

const SWEEP_FORMATS: readonly ReportCommand['formats'][number][] = ['html', 'svg', 'png'];

/** A sweep's dataset views: sweep.html, charts/*.svg and charts/*.png. */
async function exportSweep(cmd: ReportCommand, resultsFile: string, note: (line: string) => void): Promise<string[]> {
  const other = cmd.formats.find((f) => !SWEEP_FORMATS.includes(f));
  if (other) throw new EdgescopeError('E_BAD_REQUEST', `--format ${other} is for a report; a sweep's results export as ${SWEEP_FORMATS.join(', ')}`);
  const dir = dirname(resultsFile);
  const results = readResults(dir);
  if (!results) throw new EdgescopeError('E_NOT_FOUND', `no sweep results at ${resultsFile}`);
  const reports = readCellReports(dir, results);
  const overview = sweepOverview(dir);
  const outDir = resolve(cmd.outDir ?? dir);
  const files: { name: string; content: string | Uint8Array }[] = [];
  if (cmd.formats.includes('html')) files.push({ name: 'sweep.html', content: renderSweepHtml(overview, sweepProvenance(results, reports)) });
  files.push(...(await chartFiles(overview.charts, cmd.formats, note)));
  return writeAll(outDir, files);
}

/** SVG files for 'svg', PNG files for 'png'; PNG without a browser falls back to the SVGs and a note. */
async function chartFiles(charts: SvgChart[], formats: readonly string[], note: (line: string) => void): Promise<{ name: string; content: string | Uint8Array }[]> {
  const files = formats.includes('svg') ? svgFiles(charts) : [];
  if (formats.includes('png')) {
    const png = await pngFiles(charts);
    if (png.problem) {
      note(png.problem);
      if (!formats.includes('svg')) files.push(...svgFiles(charts));
    }
    files.push(...png.files);
  }
  return files;
}

function writeAll(outDir: string, files: { name: string; content: string | Uint8Array }[]): Promise<string[]> {
  return writeFilesTogether(files.map((f) => ({ path: join(outDir, f.name), content: f.content })));
}

/** Writes the requested formats; returns the written paths. */
export async function exportReport(cmd: ReportCommand, note: (line: string) => void = (line) => process.stderr.write(`edgescope: ${line}\n`)): Promise<string[]> {
  const sweepResults = sweepResultsPath(cmd.source);
  if (sweepResults) return exportSweep(cmd, sweepResults, note);
  const { report, path } = loadReport(cmd.source);
  const outDir = resolve(cmd.outDir ?? dirname(path));
  const files: { name: string; content: string | Uint8Array }[] = [];
  for (const format of cmd.formats) {
    if (format === 'pdf') files.push({ name: 'report.pdf', content: await printHtmlWithChromium(renderFile(report, 'html').content) });
    else if (format === 'svg' || format === 'png') {
      if (format === 'png' || !cmd.formats.includes('png')) files.push(...(await chartFiles(reportCharts(report), cmd.formats, note)));
    } else files.push(...(format === 'csv' ? renderCsvFiles(report) : [renderFile(report, format)]));
  }
  return writeAll(outDir, files);
}
