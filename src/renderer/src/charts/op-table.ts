/**
 * The per-op table of one run: rows, sorting and filtering. Pure, so the order and the matches are
 * unit-tested; OpTable.svelte owns the controls.
 */
import type { OpReport, RunReport } from '../../../shared/report';

export interface OpRow {
  /** Index into the run's ops. */
  index: number;
  name: string;
  opType: string;
  provider: string;
  durUs: number;
  /** durUs over the run's summed op time. */
  share: number;
  memoryUs: number;
  computeUs: number;
  overheadUs: number;
  flops: number | null;
  bytes: number;
  intensity: number | null;
  bound: OpReport['bound'];
  eta: number | null;
  lowConfidence: number;
}

export type OpColumn = 'name' | 'opType' | 'provider' | 'durUs' | 'share' | 'memoryUs' | 'computeUs' | 'overheadUs' | 'flops' | 'bytes' | 'intensity' | 'bound' | 'eta';

export interface OpSort {
  column: OpColumn;
  descending: boolean;
}

export function opRows(run: RunReport): OpRow[] {
  const totalUs = run.ops.reduce((sum, op) => sum + op.durUs, 0);
  return run.ops.map((op, index) => ({
    index,
    name: op.name,
    opType: op.opType,
    provider: op.provider,
    durUs: op.durUs,
    share: totalUs > 0 ? op.durUs / totalUs : 0,
    memoryUs: op.phases.memoryUs,
    computeUs: op.phases.computeUs,
    overheadUs: op.phases.overheadUs,
    flops: op.flops,
    bytes: op.bytes,
    intensity: op.intensity,
    bound: op.bound,
    eta: op.eta,
    lowConfidence: op.lowConfidence.length,
  }));
}

/**
 * Rows whose name, op type or provider contains every word of `query` (case-insensitive). A word like
 * `type:Conv` matches the op type exactly, `bound:memory` the bound.
 */
export function filterOps(rows: readonly OpRow[], query: string): OpRow[] {
  const words = query.toLowerCase().split(/\s+/).filter((w) => w !== '');
  if (words.length === 0) return [...rows];
  return rows.filter((row) =>
    words.every((word) => {
      const [key, value] = word.includes(':') ? word.split(':', 2) : [null, word];
      if (key === 'type') return row.opType.toLowerCase() === value;
      if (key === 'bound') return row.bound === value;
      return `${row.name}\n${row.opType}\n${row.provider}`.toLowerCase().includes(word);
    }),
  );
}

/** Sorted by one column; missing values (null) last either way; ties keep execution order. */
export function sortOps(rows: readonly OpRow[], sort: OpSort): OpRow[] {
  const sign = sort.descending ? -1 : 1;
  return [...rows].sort((a, b) => {
    const x = a[sort.column];
    const y = b[sort.column];
    if (x === null || y === null) return x === y ? a.index - b.index : x === null ? 1 : -1;
    const order = typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y));
    return order !== 0 ? sign * order : a.index - b.index;
  });
}
