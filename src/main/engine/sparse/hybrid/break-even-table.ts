/**
 * The break-even table: for a layer shape (rows x cols) and batch, the density below which
 * the sparse kernel beats onnxruntime dense on this machine, EP, thread count and kernel
 * build. Each entry is timed at a ladder of densities (./break-even-calibration.ts) and the
 * crossover interpolated between the two ladder points around it. The sparse side of each
 * point is the fastest of the candidate storage formats at that batch (formats.ts), as in a
 * run. Kept in the per-machine cache (machine/ceilings.ts) beside the ceilings.
 */
import { readCachedEntry, writeCachedEntry } from '../../machine/ceilings';
import type { SparseFormat } from '../types';
import { BREAK_EVEN_TABLE_KIND, type CacheIdentity } from './measurement-cache';

/** Densities (nonzeros / weights) each shape and batch is timed at. */
export const DENSITY_LADDER: readonly number[] = [0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5];

export interface LayerShape {
  /** Output features. */
  rows: number;
  /** Input features (fan-in). */
  cols: number;
}

/** Common fully connected shapes: EIE's layers (AlexNet/VGG16 FC6-FC8, NeuralTalk) and LeNet-300-100's first. */
export const DEFAULT_SHAPES: readonly LayerShape[] = [
  { rows: 4096, cols: 9216 },
  { rows: 4096, cols: 4096 },
  { rows: 1000, cols: 4096 },
  { rows: 2400, cols: 1201 },
  { rows: 8791, cols: 600 },
  { rows: 300, cols: 784 },
];

export const DEFAULT_BATCHES: readonly number[] = [1, 8, 64];

export interface BreakEvenPoint {
  /** Achieved density of the timed matrix. */
  density: number;
  /** Median of ORT dense (one Gemm, the pruned weights stored dense). */
  denseUs: number;
  /** Median of the sparse kernel on the same input, in the fastest candidate format. */
  sparseUs: number;
  /** That format (absent in hand-made entries). */
  format?: SparseFormat;
  /** Every candidate format's median, in candidate order. */
  candidates?: { format: SparseFormat; sparseUs: number }[];
}

/**
 * How the break-even was found: interpolated between two ladder points, or outside the ladder
 * (the sparse kernel lost even at the lowest density, or won even at the highest one), in
 * which case breakEvenDensity is that ladder end: a bound, not a crossover.
 */
export type Crossover = 'interpolated' | 'below-ladder' | 'above-ladder';

export interface BreakEvenEntry extends LayerShape {
  batch: number;
  /** Sparse beats dense below this density (a bound when `crossover` is not 'interpolated'). */
  breakEvenDensity: number;
  crossover: Crossover;
  points: BreakEvenPoint[];
  measuredAt: string;
}

/**
 * The density where sparse stops beating dense, from points timed at increasing densities.
 * Dense time hardly depends on density and sparse time grows with the nonzeros, so
 * sparseUs - denseUs is close to linear in density: it is interpolated linearly between the
 * last point where sparse wins and the first where it does not. With noise the two curves
 * can cross more than once; the first crossing from the sparse end is taken (past it, sparse
 * has lost at least once).
 */
export function crossoverOf(points: readonly BreakEvenPoint[]): Pick<BreakEvenEntry, 'breakEvenDensity' | 'crossover'> {
  if (points.length === 0) throw new Error('crossoverOf needs at least one point');
  const sorted = [...points].sort((a, b) => a.density - b.density);
  const gap = (p: BreakEvenPoint) => p.sparseUs - p.denseUs;
  if (gap(sorted[0]) >= 0) return { breakEvenDensity: sorted[0].density, crossover: 'below-ladder' };
  for (let i = 1; i < sorted.length; i++) {
    const [lo, hi] = [sorted[i - 1], sorted[i]];
    if (gap(hi) < 0) continue;
    const t = -gap(lo) / (gap(hi) - gap(lo));
    return { breakEvenDensity: lo.density + t * (hi.density - lo.density), crossover: 'interpolated' };
  }
  return { breakEvenDensity: sorted[sorted.length - 1].density, crossover: 'above-ladder' };
}

/** The table's entry for exactly this shape and batch: the table does not guess between shapes. */
export function entryFor(entries: readonly BreakEvenEntry[], rows: number, cols: number, batch: number): BreakEvenEntry | undefined {
  return entries.find((e) => e.rows === rows && e.cols === cols && e.batch === batch);
}

/**
 * The format a layer of this density predicted sparse is packed in: the one that was fastest at
 * the entry's timed density nearest it (by ratio), among the layer's candidates; else the first
 * candidate (CSR).
 */
export function fastestFormatNear(entry: Pick<BreakEvenEntry, 'points'>, density: number, candidates: readonly SparseFormat[]): SparseFormat {
  const distance = (p: BreakEvenPoint) => Math.abs(Math.log(p.density / density));
  const timed = entry.points.filter((p) => p.format !== undefined && candidates.includes(p.format) && p.density > 0);
  const nearest = timed.reduce<BreakEvenPoint | undefined>((best, p) => (!best || distance(p) < distance(best) ? p : best), undefined);
  return nearest?.format ?? candidates[0];
}

/** What the cache keeps per machine, EP and thread count: the entries of one kernel build. */
interface StoredTable {
  build: string;
  entries: BreakEvenEntry[];
}

/** The cached entries for this identity; none when the kernels were rebuilt since. */
export function readBreakEvenTable(id: CacheIdentity): BreakEvenEntry[] {
  const stored = readCachedEntry<StoredTable>(id.cacheDir, BREAK_EVEN_TABLE_KIND, id.fingerprint, id.ep, id.threads);
  return stored?.build === id.build && Array.isArray(stored.entries) ? stored.entries : [];
}

/** Adds or replaces entries by shape and batch (entries of another build are dropped). */
export async function writeBreakEvenEntries(id: CacheIdentity, entries: readonly BreakEvenEntry[]): Promise<void> {
  const kept = readBreakEvenTable(id).filter((old) => !entryFor(entries, old.rows, old.cols, old.batch));
  const table: StoredTable = { build: id.build, entries: [...kept, ...entries] };
  await writeCachedEntry(id.cacheDir, BREAK_EVEN_TABLE_KIND, id.fingerprint, id.ep, id.threads, table);
}
