/**
 * One run of the history as the index lists it: what a table row and a filter need, taken
 * from the run's report.json (the report stays the source of truth; an entry can always be
 * made again from it).
 */
import type { HistoryEntry, HistoryFilter, HistorySource } from '../../../shared/api';
import type { Report } from '../../../shared/report';

export function entryFromReport(id: string, report: Report, source: HistorySource): HistoryEntry {
  const runs = report.variants.flatMap((v) => v.runs.map((r) => ({ variant: v.id, ep: r.ep, medianMs: r.latencyMs.median })));
  return {
    id,
    createdAt: report.generatedAt,
    source,
    model: report.model.path.split(/[\\/]/).pop() ?? report.model.path,
    modelPath: report.model.path,
    modelSha256: report.model.sha256,
    variants: report.variants.map((v) => v.id),
    backends: [...new Set(runs.map((r) => r.ep))],
    batch: report.settings.batch,
    threads: report.settings.threads,
    runs,
    ...(report.tool.commandLine ? { commandLine: report.tool.commandLine } : {}),
  };
}

/** Filters combine with AND; `model` matches part of the file name, the rest match exactly; dates are inclusive. */
export function matchesFilter(entry: HistoryEntry, filter: HistoryFilter): boolean {
  if (filter.model && !entry.model.toLowerCase().includes(filter.model.toLowerCase())) return false;
  if (filter.variant && !entry.variants.includes(filter.variant)) return false;
  if (filter.backend && !entry.backends.includes(filter.backend)) return false;
  const at = Date.parse(entry.createdAt);
  if (filter.from && at < Date.parse(filter.from)) return false;
  // A bare date as the end means the whole of that day.
  if (filter.to && at > endOf(filter.to)) return false;
  return true;
}

function endOf(date: string): number {
  const t = Date.parse(date);
  return /^\d{4}-\d{2}-\d{2}$/.test(date) ? t + 86_400_000 - 1 : t;
}

/** Newest first; ties by id so the order is stable. */
export function byNewest(a: HistoryEntry, b: HistoryEntry): number {
  return b.createdAt.localeCompare(a.createdAt) || b.id.localeCompare(a.id);
}

/** A structurally sound entry (a file another process or version wrote may be anything). */
export function isEntry(value: unknown): value is HistoryEntry {
  const e = value as Partial<HistoryEntry>;
  return (
    typeof e === 'object' && e !== null && typeof e.id === 'string' && typeof e.createdAt === 'string' && typeof e.model === 'string' &&
    Array.isArray(e.variants) && Array.isArray(e.backends) && Array.isArray(e.runs)
  );
}
