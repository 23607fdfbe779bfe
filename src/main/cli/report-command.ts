/**
 * `edgescope report DIR|REPORT.json --format ...`: re-export a finished report in the
 * formats papers and spreadsheets want. The report is validated first; every output is
 * staged and renamed, so a failure (say, no browser for the PDF) leaves nothing half-written.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { EdgescopeError } from '../../shared/errors';
import type { Report } from '../../shared/report';
import { StagedOutput } from '../engine/files/write-atomic';
import { htmlToPdf } from '../engine/report/exports/pdf';
import { renderCsvFiles, renderFile } from '../engine/report/exports/render';
import { reportSchemaErrors } from '../engine/report/report-schema';
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

/** Writes the requested formats; returns the written paths. */
export async function exportReport(cmd: ReportCommand): Promise<string[]> {
  const { report, path } = loadReport(cmd.source);
  const outDir = resolve(cmd.outDir ?? dirname(path));
  const staged = new StagedOutput();
  const written: string[] = [];
  const add = async (name: string, content: string | Uint8Array) => {
    await staged.add(join(outDir, name), content);
    written.push(join(outDir, name));
  };
  let scratch: string | null = null;
  try {
    for (const format of cmd.formats) {
      if (format === 'pdf') {
        scratch ??= await mkdtemp(join(tmpdir(), 'edgescope-pdf-'));
        const htmlPath = join(scratch, 'report.html');
        await writeFile(htmlPath, renderFile(report, 'html').content);
        await htmlToPdf(htmlPath, join(scratch, 'report.pdf'));
        await add('report.pdf', readFileSync(join(scratch, 'report.pdf')));
        continue;
      }
      for (const file of format === 'csv' ? renderCsvFiles(report) : [renderFile(report, format)]) await add(file.name, file.content);
    }
    await staged.commit();
    return written;
  } catch (err) {
    await staged.discard();
    throw err;
  } finally {
    if (scratch) await rm(scratch, { recursive: true, force: true });
  }
}
