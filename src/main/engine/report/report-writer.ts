/**
 * Writing a job's report files: report.json (validated against the schema first),
 * report.html and trace.json. All three are staged and renamed into place together,
 * so the folder never holds a partial set or a half-written file.
 */
import { join, resolve } from 'node:path';
import type { Report } from '../../../shared/report';
import { renderFile } from './exports/render';
import { assertValidReport } from './report-schema';
import { writeFilesTogether } from '../files/write-atomic';

export const REPORT_FILES = { report: 'report.json', html: 'report.html', trace: 'trace.json' } as const;

export async function writeReportFiles(outDir: string, report: Report): Promise<{ report: string; html: string; trace: string }> {
  assertValidReport(report);
  const dir = resolve(outDir);
  const paths = {
    report: join(dir, REPORT_FILES.report),
    html: join(dir, REPORT_FILES.html),
    trace: join(dir, REPORT_FILES.trace),
  };
  await writeFilesTogether([
    { path: paths.report, content: renderFile(report, 'json').content },
    { path: paths.html, content: renderFile(report, 'html').content },
    { path: paths.trace, content: renderFile(report, 'trace').content },
  ]);
  return paths;
}
