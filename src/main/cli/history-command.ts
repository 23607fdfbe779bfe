/**
 * `edgescope history [--json] [filters]` lists the workspace's runs (newest first);
 * `edgescope history rm ID` deletes one. The workspace is EDGESCOPE_WORKSPACE, else the
 * app's data folder, the same one the app's History view shows.
 */
import type { HistoryEntry } from '../../shared/api';
import { EdgescopeError } from '../../shared/errors';
import { defaultWorkspaceDir } from '../engine/engine';
import { RunHistory } from '../engine/history/index';
import { formatDurationMs } from '../engine/report/html/format';
import type { HistoryCommand } from './args';
import { table } from './summary-table';

export function formatHistory(entries: readonly HistoryEntry[], workspaceDir: string): string {
  if (entries.length === 0) return `no runs in ${workspaceDir}`;
  const rows = entries.map((e) => [
    e.id,
    e.createdAt.replace('T', ' ').slice(0, 19),
    e.source,
    e.model,
    e.variants.join(','),
    e.backends.join(','),
    String(e.batch),
    String(e.threads),
    e.runs.map((r) => formatDurationMs(r.medianMs)).join(' / '),
  ]);
  return `${table(['id', 'date (UTC)', 'source', 'model', 'variants', 'backends', 'batch', 'threads', 'median per run'], rows, [6, 7])}\n\n${entries.length} runs in ${workspaceDir}`;
}

/** Returns what to print on stdout. */
export async function history(cmd: HistoryCommand, workspaceDir = defaultWorkspaceDir()): Promise<string> {
  const store = new RunHistory(workspaceDir);
  if (cmd.action === 'rm') {
    if (!(await store.delete(cmd.id))) throw new EdgescopeError('E_NOT_FOUND', `no run ${cmd.id} in ${workspaceDir} (edgescope history lists them)`);
    return `deleted ${cmd.id}`;
  }
  const entries = await store.list(cmd.filter);
  return cmd.json ? JSON.stringify(entries) : formatHistory(entries, workspaceDir);
}
