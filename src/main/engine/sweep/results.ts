/**
 * DIR/results.json: the sweep's progress and its results, one entry per finished cell.
 *
 * Invariants: the file is only ever replaced whole (writeFileAtomic), after each cell, so
 * whatever moment a sweep dies at, the file parses and lists each finished cell once.
 * A cell is listed only after its report folder is in place under DIR/cells, so every
 * `ok` cell's report exists. Cells appear in the sweep's run order, whatever order they
 * were finished in.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EdgescopeError } from '../../../shared/errors';
import type { LatencyStats } from '../../../shared/report';
import { writeFileAtomic } from '../files/write-atomic';
import type { SweepCell } from './spec';
import type { CellVerification } from './verify-cell';

export const RESULTS_FILE = 'results.json';
export const RESULTS_VERSION = 1;

export interface CellResult {
  model: string;
  variant: string;
  ep: string;
  batch: number;
  threads: number;
  status: 'ok' | 'failed';
  /** Why the cell failed (one line). */
  error?: string;
  /** The cell's folder under DIR, relative, e.g. cells/lenet__dense__cpu__b1__t1. */
  key: string;
  /** The cell's report.json relative to DIR (ok cells only). */
  report?: string;
  latencyMs?: LatencyStats;
  throughputPerSec?: number;
  /** Achieved sparsity of the profiled model's prunable weights. */
  sparsity?: number;
  /** Share of operator time in each phase, 0..1 (from the profiled runs). */
  shares?: { memory: number; compute: number; overhead: number };
  sessionCreateMs?: number;
  /** Ok cells: the cell's outputs against the dense model's on the same EP, batch and threads (verify-cell.ts). */
  verification?: CellVerification;
  /** Ok cells whose verification could not run (the cell's numbers stand): why, one line. */
  verificationError?: string;
  /** Wall time of the cell (ms), including session creation and profiling. */
  wallMs: number;
  finishedAt: string;
}

export interface SweepResults {
  version: number;
  /** sha256 of the normalized sweep spec: a different spec may not reuse the folder (see --restart). */
  specHash: string;
  sweepFile: string;
  /** Cells in the sweep. */
  total: number;
  /** Every cell has an entry (ok or failed). */
  complete: boolean;
  startedAt: string;
  updatedAt: string;
  cells: CellResult[];
}

export function resultsPath(outDir: string): string {
  return join(outDir, RESULTS_FILE);
}

/** The results file in DIR, or null when there is none. A corrupt one is an error (never silently overwritten). */
export function readResults(outDir: string): SweepResults | null {
  const path = resultsPath(outDir);
  if (!existsSync(path)) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new EdgescopeError('E_BAD_REQUEST', `${path} is not valid JSON (${(err as Error).message}); move it away or pass --restart`);
  }
  const r = parsed as Partial<SweepResults>;
  if (typeof r !== 'object' || r === null || typeof r.specHash !== 'string' || !Array.isArray(r.cells)) {
    throw new EdgescopeError('E_BAD_REQUEST', `${path} is not a sweep results file; move it away or pass --restart`);
  }
  return r as SweepResults;
}

export async function writeResults(outDir: string, results: SweepResults): Promise<void> {
  await writeFileAtomic(resultsPath(outDir), `${JSON.stringify(results, null, 2)}\n`);
}

/**
 * Which cells still need a run: those without an entry, and failed ones when retrying.
 * Entries for cells the spec no longer has cannot occur (the hash guards the spec).
 */
export function pendingCells(cells: readonly SweepCell[], done: readonly CellResult[], retryFailed: boolean): SweepCell[] {
  const byKey = new Map(done.map((c) => [c.key, c]));
  return cells.filter((cell) => {
    const previous = byKey.get(cell.key);
    return previous === undefined || (retryFailed && previous.status === 'failed');
  });
}

/** Record a cell's result, replacing any earlier entry for it, and keep the sweep's order. */
export function recordCell(results: SweepResults, cells: readonly SweepCell[], result: CellResult): SweepResults {
  const order = new Map(cells.map((c, i) => [c.key, i]));
  const others = results.cells.filter((c) => c.key !== result.key);
  const merged = [...others, result].sort((a, b) => (order.get(a.key) ?? Infinity) - (order.get(b.key) ?? Infinity));
  return { ...results, cells: merged, complete: merged.length === results.total, updatedAt: result.finishedAt };
}
