/**
 * Cold-cache mode: the DRAM share of each op measured rather than modelled
 * (docs/attribution.md, "Cold versus warm").
 *
 * In the run worker, before each timed run and before every second profiled run, a buffer of
 * FLUSH_LLC_MULTIPLE x the last-level cache is streamed through (one read per 64-byte line),
 * which evicts the model's weights and activations from the LLC and from the private caches of
 * the core doing the flush. Profiled runs alternate warm and cold in one profiling session, so
 * both halves see the same session, allocator state and machine conditions. The flush is
 * outside every latency and every profiled window.
 *
 * Per op: warm = median duration over warm runs, cold = median over cold runs, and
 * dram = cold - warm (clamped at 0): the time spent fetching from DRAM what a warm run found in
 * cache. A Mann-Whitney U test of the per-run durations says whether the difference is more
 * than noise.
 *
 * Limits: ORT's other intra-op threads run on other cores, whose private L2 keeps its lines
 * unless the LLC is inclusive (most Intel client CPUs before Skylake-SP); on non-inclusive LLCs
 * (Skylake-SP and later servers, AMD Zen) up to one L2 per extra thread stays warm. Data larger
 * than the LLC is streamed from DRAM warm or cold, so its dram share reads near 0: the method
 * measures what caching saved, not total memory time.
 */
import type { ColdCacheReport, ColdWarmOp } from '../../../shared/report';
import type { ColdCacheRunInfo } from '../run/messages';
import type { AggregatedOp } from '../trace/ort-trace';
import { mannWhitneyU } from './mann-whitney';
import { median } from './stats';

/** 2-4x the LLC is the usual eviction sweep (replacement is not strict LRU): take 3x. */
export const FLUSH_LLC_MULTIPLE = 3;
/** When the LLC size is unknown, assume a large desktop LLC. */
const ASSUMED_LLC_BYTES = 32 * 1024 * 1024;
const CACHE_LINE_BYTES = 64;

export function coldCacheFlushBytes(lastLevelCacheBytes: number): number {
  const llc = lastLevelCacheBytes > 0 ? lastLevelCacheBytes : ASSUMED_LLC_BYTES;
  return FLUSH_LLC_MULTIPLE * llc;
}

/** The buffer streamed to evict the caches; allocated and touched once per worker run. */
export class CacheFlusher {
  private readonly words: Int32Array;
  /** Kept so the JIT cannot drop the reads as dead code. */
  private checksum = 0;

  constructor(readonly bytes: number) {
    if (!(Number.isInteger(bytes) && bytes >= CACHE_LINE_BYTES)) throw new RangeError(`flush size must be a whole number of bytes >= 64, got ${bytes}`);
    this.words = new Int32Array(bytes / 4);
    // Untouched pages all map the kernel's single zero page, which would evict nothing: write them.
    this.words.fill(1);
  }

  /** Reads one word per cache line of the whole buffer; returns the time it took (ms). */
  flush(): number {
    const start = process.hrtime.bigint();
    const words = this.words;
    const stride = CACHE_LINE_BYTES / 4;
    let sum = 0;
    for (let i = 0; i < words.length; i += stride) sum = (sum + words[i]) | 0;
    this.checksum = (this.checksum + sum) | 0;
    return Number(process.hrtime.bigint() - start) / 1e6;
  }

  /** The sum of everything read (each flush reads bytes / 64 ones). */
  get readChecksum(): number {
    return this.checksum;
  }
}

/** Which profiled runs are cold: they alternate, the first warm. */
export function isColdProfiledRun(index: number): boolean {
  return index % 2 === 1;
}

export interface ColdCacheInputs {
  /** The run's ops, in report order (their index is ColdWarmOp.op). */
  opNames: readonly string[];
  warm: readonly AggregatedOp[];
  cold: readonly AggregatedOp[];
  info: ColdCacheRunInfo;
  lastLevelCacheBytes: number;
}

/** Cold vs warm per op; ops missing from either half (never both ran) are left out. */
export function coldCacheReport(inputs: ColdCacheInputs): ColdCacheReport {
  const warmByName = new Map(inputs.warm.map((op) => [op.name, op]));
  const coldByName = new Map(inputs.cold.map((op) => [op.name, op]));
  const ops: ColdWarmOp[] = inputs.opNames.flatMap((name, op) => {
    const warm = warmByName.get(name);
    const cold = coldByName.get(name);
    if (!warm || !cold) return [];
    const warmUs = median(warm.durUsPerRun);
    const coldUs = median(cold.durUsPerRun);
    const dramUs = Math.max(0, coldUs - warmUs);
    const enough = warm.durUsPerRun.length >= 3 && cold.durUsPerRun.length >= 3;
    return [{
      op,
      name,
      warmUs,
      coldUs,
      dramUs,
      dramShare: coldUs > 0 ? dramUs / coldUs : 0,
      pValue: enough ? mannWhitneyU(cold.durUsPerRun, warm.durUsPerRun).p : null,
    }];
  });
  const cold = inputs.info.profiledCold;
  return {
    flushBytes: inputs.info.flushBytes,
    lastLevelCacheBytes: inputs.lastLevelCacheBytes,
    flushes: inputs.info.flushMs.length,
    flushMedianMs: inputs.info.flushMs.length > 0 ? median(inputs.info.flushMs) : 0,
    warmRuns: cold.filter((c) => !c).length,
    coldRuns: cold.filter((c) => c).length,
    ops,
    totals: {
      warmUs: ops.reduce((s, o) => s + o.warmUs, 0),
      coldUs: ops.reduce((s, o) => s + o.coldUs, 0),
      dramUs: ops.reduce((s, o) => s + o.dramUs, 0),
    },
  };
}
