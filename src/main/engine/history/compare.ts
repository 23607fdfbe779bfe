/**
 * Two runs from two history runs compared with the comparison the engine makes inside one
 * report (analysis/compare.ts); only the labels differ, so that "dense" of one day and
 * "dense" of another stay apart in the table.
 */
import type { HistoryRunRef } from '../../../shared/api';
import { EdgescopeError } from '../../../shared/errors';
import type { Comparison, Report, RunReport, VariantReport } from '../../../shared/report';
import { comparison } from '../analysis/compare';

export interface HistorySide {
  ref: HistoryRunRef;
  report: Report;
}

function findRun({ ref, report }: HistorySide): { variant: VariantReport; run: RunReport } {
  const variant = report.variants.find((v) => v.id === ref.variant);
  const run = variant?.runs.find((r) => r.ep === ref.ep);
  if (!variant || !run) {
    const known = report.variants.flatMap((v) => v.runs.map((r) => `${v.id}@${r.ep}`)).join(', ');
    throw new EdgescopeError('E_NOT_FOUND', `no run ${ref.variant}@${ref.ep} in history run ${ref.runId} (runs: ${known})`);
  }
  return { variant, run };
}

/** "pruned-0.9 · 2026-11-29T04-00-00": the variant and when its run was made. */
export function historyRunLabel(ref: HistoryRunRef): string {
  return `${ref.variant} · ${ref.runId.slice(0, 19)}`;
}

export function compareHistoryRuns(baseline: HistorySide, candidate: HistorySide): Comparison {
  const b = findRun(baseline);
  const c = findRun(candidate);
  let bLabel = historyRunLabel(baseline.ref);
  let cLabel = historyRunLabel(candidate.ref);
  if (bLabel === cLabel) {
    bLabel += ' (a)';
    cLabel += ' (b)';
  }
  return comparison(bLabel, b.run, b.variant.fileBytes, cLabel, c.run, c.variant.fileBytes);
}
