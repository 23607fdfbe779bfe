/**
 * What the sparse-vs-dense policy remembers between runs, in the per-machine cache
 * (machine/ceilings.ts: one file, keyed by machine fingerprint, EP and thread count):
 * per-layer timings, so a repeated profile of the same model skips re-timing, and the
 * break-even table (./break-even-table.ts). Both are valid for one build of the sparse
 * kernels only: a rebuilt addon (new code, compiler or SIMD level) starts afresh.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { readCachedEntry, writeCachedEntry, type CacheKind } from '../../machine/ceilings';
import { addonPath } from '../native';
import type { SparseFormat, SparseKernels } from '../types';
import type { TimedLayer } from './policy';

// TODO(lead): add these two to CacheKind in machine/ceilings.ts and drop the casts (see the report).
/** The cache's kind for per-layer timings. */
export const LAYER_TIMINGS_KIND: CacheKind = 'sparse-layers';
/** The cache's kind for the break-even table. */
export const BREAK_EVEN_TABLE_KIND: CacheKind = 'sparse-break-even';

/** Whose measurements: they hold for this machine, EP, thread count and kernel build only. */
export interface CacheIdentity {
  cacheDir: string;
  fingerprint: string;
  ep: string;
  threads: number;
  /** kernelBuildId of the sparse kernels timed. */
  build: string;
}

/**
 * The kernels' build identity: their build info (SIMD level, compiler) and the digest of the
 * addon binary when it exists, so a rebuild with changed kernel code invalidates the cache.
 */
export function kernelBuildId(kernels: Pick<SparseKernels, 'buildInfo'>, addonFile = addonPath()): string {
  const info = Object.entries(kernels.buildInfo).sort(([a], [b]) => a.localeCompare(b));
  const hash = createHash('sha256').update(JSON.stringify(info));
  if (existsSync(addonFile)) hash.update(readFileSync(addonFile));
  return hash.digest('hex').slice(0, 16);
}

/**
 * A layer as far as its timing goes: shape, nonzeros, product rows, and the candidate formats
 * timed (formats.ts), so a timing among csr16 alone is never read back as one among csr16 and sell.
 */
export interface LayerMeasurementKey {
  rows: number;
  cols: number;
  nnz: number;
  batch: number;
  formats: readonly SparseFormat[];
}

/** A cached timing; `format` says which candidate won (its time is sparseUs). */
export interface CachedMeasurement extends TimedLayer {
  format: SparseFormat;
  measuredAt: string;
}

interface StoredMeasurements {
  build: string;
  layers: Record<string, CachedMeasurement>;
}

const keyOf = (k: LayerMeasurementKey) => `${k.rows}x${k.cols} nnz ${k.nnz} batch ${k.batch} formats ${k.formats.join('+')}`;

/** Per-layer timings for one identity. Reads the file once; each put re-reads and writes it atomically. */
export class LayerMeasurementCache {
  private readonly layers: Record<string, CachedMeasurement>;

  constructor(private readonly id: CacheIdentity) {
    this.layers = LayerMeasurementCache.stored(id);
  }

  /** The timing, when there is one that names its winning format among the key's. */
  get(key: LayerMeasurementKey): CachedMeasurement | undefined {
    const m = this.layers[keyOf(key)];
    return m && key.formats.includes(m.format) ? m : undefined;
  }

  /** `timing.format` defaults to the first candidate (a single-format timing). */
  async put(key: LayerMeasurementKey, timing: TimedLayer, measuredAt = new Date().toISOString()): Promise<CachedMeasurement> {
    const format = timing.format ?? key.formats[0];
    const measurement: CachedMeasurement = { denseUs: timing.denseUs, sparseUs: timing.sparseUs, format, ...(timing.candidates ? { candidates: timing.candidates } : {}), measuredAt };
    this.layers[keyOf(key)] = measurement;
    // Another run may have added layers since this cache was read: merge with the file's.
    const layers = { ...LayerMeasurementCache.stored(this.id), [keyOf(key)]: measurement };
    const value: StoredMeasurements = { build: this.id.build, layers };
    await writeCachedEntry(this.id.cacheDir, LAYER_TIMINGS_KIND, this.id.fingerprint, this.id.ep, this.id.threads, value);
    return measurement;
  }

  private static stored(id: CacheIdentity): Record<string, CachedMeasurement> {
    const stored = readCachedEntry<StoredMeasurements>(id.cacheDir, LAYER_TIMINGS_KIND, id.fingerprint, id.ep, id.threads);
    return stored?.build === id.build && stored.layers !== null && typeof stored.layers === 'object' ? { ...stored.layers } : {};
  }
}
