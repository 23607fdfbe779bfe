/**
 * Recording a finished profile job in the workspace's history: a job that wrote into
 * WORKSPACE/runs/<id> (the app's) is indexed where it is; one that wrote elsewhere (a CLI
 * --out folder, a sweep cell) is copied into a new run folder first, so that every run of
 * the history is self-contained whatever happens to the folder it was written to.
 */
import { basename, dirname, resolve } from 'node:path';
import type { HistoryEntry, HistorySource } from '../../../shared/api';
import type { Report } from '../../../shared/report';
import { RunHistory } from './index';

export async function recordInHistory(workspaceDir: string, outDir: string, report: Report, source: HistorySource): Promise<HistoryEntry> {
  const history = new RunHistory(workspaceDir);
  const dir = resolve(outDir);
  if (dirname(dir) === history.runsDir) return history.record(basename(dir), report, source);
  return history.importRun(dir, report, source);
}
