/**
 * The machine characterization behind `edgescope machine`: the profile's ceilings
 * (ceilings.ts, the same cache entry the profile job uses) plus
 *
 * - a bandwidth curve: the ceilings' ORT `Add` stream kernel at working sets that sit in
 *   each cache level (1/8, 1/4 and 1/2 of it, above the level below) and in DRAM (4x the
 *   last-level cache), for 1..N threads; best kernel time of several profiled runs each;
 * - each level's bandwidth: the plateau of that curve at N threads (the median of the
 *   points in the level), so one unlucky point does not set it;
 * - int8 peak: a 1024^3 `MatMulInteger` (uint8 x int8 -> int32) on the CPU EP, or why not.
 *
 * Working-set bytes count the three arrays (a + b = c, 12 bytes per element), as the
 * ceilings do. With T threads each thread streams 1/T of the working set, so a working
 * set that is half a private cache fits in it at every thread count.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { CacheInfo, Ceilings } from '../../../shared/report';
import { median } from '../analysis/stats';
import { buildModel, node, valueInfo } from '../model/graph-builder';
import { DataType } from '../model/onnx-io';
import type { RunWorker } from '../run/runner';
import {
  bestKernelUs,
  ceilingsFor,
  constantInput,
  ensureModel,
  readCachedEntry,
  spec,
  streamModel,
  writeCachedEntry,
  type CeilingsContext,
} from './ceilings';
import { lastLevelCacheBytes } from './machine-info';

/** Bytes one element of the stream kernel moves: two float reads and one float write. */
const BYTES_PER_ELEMENT = 12;
/** Working sets are whole cache lines of every array: 64 elements = 768 bytes. */
const WORKING_SET_QUANTUM = 64 * BYTES_PER_ELEMENT;
const INT8_GEMM_SIZE = 1024;
export const DRAM_LEVEL = 'DRAM';

export interface WorkingSet {
  /** The cache level the working set sits in, or 'DRAM'. */
  level: string;
  workingSetBytes: number;
}

export interface BandwidthPoint extends WorkingSet {
  threads: number;
  /** Best kernel time of the profiled runs (the trace's resolution is 1 us). */
  kernelUs: number;
  /** workingSetBytes / kernelUs: t0 is not subtracted (see overheadBound). */
  bandwidthBytesPerSec: number;
}

export interface CacheBandwidth {
  level: string;
  /** Size of one instance of the cache, as the OS reports it. */
  bytes: number;
  /** Plateau of the bandwidth curve in this level at the characterization's thread count. */
  bandwidthBytesPerSec: number;
  /**
   * The level's kernels take under OVERHEAD_BOUND_FACTOR x t0: the fixed per-op cost, not
   * the cache, sets the number (typical of L1 through the profiler).
   */
  overheadBound: boolean;
}

export interface MachineCharacterization {
  /** The profile's DRAM ceiling: 3 arrays of max(32 Mi, LLC) floats (ceilings.ts). */
  memoryBandwidthBytesPerSec: number;
  /** Plateau of the curve's DRAM points (working set 4x the last-level cache) at `threads`. */
  dramBandwidthBytesPerSec: number;
  /** Best fp32 FLOP/s of a 1024^3 MatMul (the profile's ceiling). */
  peakFlopsPerSec: number;
  /** Best int8 ops/s (a multiply-add = 2) of a 1024^3 MatMulInteger; null when unavailable. */
  peakInt8OpsPerSec: number | null;
  /** Why peakInt8OpsPerSec is null. */
  int8Unavailable?: string;
  caches: CacheBandwidth[];
  /** t0: the fixed cost of one trivial operator in the trace (the profile's ceiling). */
  opOverheadUs: number;
  threads: number;
  ep: string;
  fingerprint: string;
  /** Every point measured, for thread counts 1..threads (powers of two and `threads` above 4). */
  bandwidthCurve: BandwidthPoint[];
  /** The ceilings the profile job uses for this EP and thread count (the same cache entry). */
  ceilings: Ceilings;
  measuredAt: string;
  /** Wall time of the measurement that produced this result. */
  measurementMs: number;
  /** True when read from the per-machine cache rather than measured now. */
  cached: boolean;
}

const quantize = (bytes: number) => Math.max(WORKING_SET_QUANTUM, Math.ceil(bytes / WORKING_SET_QUANTUM) * WORKING_SET_QUANTUM);

/** Data caches smallest first, one per level (instruction caches and unknown sizes dropped). */
export function dataCaches(caches: readonly CacheInfo[]): CacheInfo[] {
  const byLevel = new Map<string, CacheInfo>();
  for (const c of caches) if (c.bytes > 0 && !/i$/i.test(c.level) && !byLevel.has(c.level)) byLevel.set(c.level, c);
  return [...byLevel.values()].sort((a, b) => a.bytes - b.bytes);
}

/**
 * Working sets to measure: 1/8, 1/4 and 1/2 of each data cache that are larger than the
 * level below it (so they sit in this level, not the one below), the midpoint of the two
 * levels when none is, and one DRAM point at 4x the last-level cache (STREAM's rule).
 */
export function workingSetSizes(caches: readonly CacheInfo[]): WorkingSet[] {
  const levels = dataCaches(caches);
  const sets: WorkingSet[] = [];
  let below = 0;
  for (const c of levels) {
    let sizes = [c.bytes / 8, c.bytes / 4, c.bytes / 2].filter((b) => b > below);
    if (sizes.length === 0) sizes = [(below + c.bytes) / 2];
    for (const b of new Set(sizes.map(quantize))) sets.push({ level: c.level, workingSetBytes: b });
    below = c.bytes;
  }
  sets.push({ level: DRAM_LEVEL, workingSetBytes: quantize(4 * lastLevelCacheBytes(levels)) });
  return sets;
}

/** The level a working set sits in: the smallest data cache it fits in, else DRAM. */
export function levelOf(workingSetBytes: number, caches: readonly CacheInfo[]): string {
  return dataCaches(caches).find((c) => workingSetBytes <= c.bytes)?.level ?? DRAM_LEVEL;
}

/**
 * The plateau of each level at one thread count: the median bandwidth of the curve's
 * points whose working set sits in that level (levelOf). Levels without a point are absent.
 */
export function plateaus(curve: readonly BandwidthPoint[], caches: readonly CacheInfo[], threads: number): Map<string, number> {
  const byLevel = new Map<string, number[]>();
  for (const p of curve) {
    if (p.threads !== threads || !(p.bandwidthBytesPerSec > 0)) continue;
    const level = levelOf(p.workingSetBytes, caches);
    byLevel.set(level, [...(byLevel.get(level) ?? []), p.bandwidthBytesPerSec]);
  }
  return new Map([...byLevel].map(([level, values]) => [level, median(values)]));
}

export const OVERHEAD_BOUND_FACTOR = 4;

/** Whether the level's points at this thread count are dominated by the fixed per-op cost t0. */
export function isOverheadBound(curve: readonly BandwidthPoint[], level: string, threads: number, opOverheadUs: number): boolean {
  const times = curve.filter((p) => p.level === level && p.threads === threads).map((p) => p.kernelUs);
  return times.length > 0 && median(times) < OVERHEAD_BOUND_FACTOR * opOverheadUs;
}

/** 1..N, or above 4 threads the powers of two and N (each thread count costs a sweep). */
export function threadCounts(threads: number): number[] {
  if (threads <= 4) return Array.from({ length: threads }, (_, i) => i + 1);
  const counts: number[] = [];
  for (let t = 1; t < threads; t *= 2) counts.push(t);
  return [...counts, threads];
}

function int8GemmModel(): ReturnType<typeof buildModel> {
  return buildModel({
    name: 'gemm-int8',
    nodes: [node('MatMulInteger', ['a', 'b'], ['c'], 'gemm_int8')],
    initializers: [],
    inputs: [valueInfo('a', ['m', 'k'], DataType.UINT8), valueInfo('b', ['k', 'n'], DataType.INT8)],
    outputs: [valueInfo('c', ['m', 'n'], DataType.INT32)],
  });
}

/** Profiled runs per point: small kernels are noisy and cheap, DRAM sweeps the opposite. */
const profiledRunsFor = (ws: WorkingSet) => (ws.level === DRAM_LEVEL ? 5 : ws.workingSetBytes > 4 * 1024 ** 2 ? 15 : 40);

export interface CharacterizationContext extends Omit<CeilingsContext, 'worker' | 'lastLevelCacheBytes' | 'onProgress'> {
  caches: readonly CacheInfo[];
  /** Started only when something must be measured; disposed by characterizationFor. */
  startWorker: () => Promise<RunWorker>;
  onProgress?: (fraction: number, message: string) => void;
}

async function measureCharacterization(ctx: CharacterizationContext, worker: RunWorker, ep: string, threads: number, recalibrate: boolean): Promise<MachineCharacterization> {
  const startMs = Date.now();
  const sets = workingSetSizes(ctx.caches);
  const counts = threadCounts(threads);
  const steps = 4 + sets.length * counts.length; // three ceilings (when not cached), the curve, int8
  let step = 0;
  const progress = (message: string) => ctx.onProgress?.(Math.min(1, step++ / steps), message);
  const base: CeilingsContext = { ...ctx, worker: async () => worker, lastLevelCacheBytes: lastLevelCacheBytes(ctx.caches), onProgress: progress };

  const ceilings = await ceilingsFor(base, ep, threads, recalibrate);
  const dir = join(ctx.cacheDir, 'calibration');
  await mkdir(dir, { recursive: true });
  const streamPath = await ensureModel(dir, 'stream-add', streamModel);

  const curve: BandwidthPoint[] = [];
  for (const t of counts) {
    for (const ws of sets) {
      progress(`bandwidth of ${ws.level} (${ws.workingSetBytes} bytes, ${t} thread${t === 1 ? '' : 's'})`);
      const n = ws.workingSetBytes / BYTES_PER_ELEMENT;
      const us = await bestKernelUs(base, spec(base, streamPath, ep, t, [constantInput('a', [n]), constantInput('b', [n])], 1, profiledRunsFor(ws)));
      curve.push({ ...ws, threads: t, kernelUs: us, bandwidthBytesPerSec: ws.workingSetBytes / (us / 1e6) });
    }
  }

  progress(`int8 peak (${ep}, ${threads} threads)`);
  let peakInt8OpsPerSec: number | null = null;
  let int8Unavailable: string | undefined;
  if (ep !== 'cpu') {
    // Other EPs would fall back to the CPU for MatMulInteger, and the number would be the CPU's.
    int8Unavailable = `measured on the cpu EP only (MatMulInteger on ${ep} may fall back to the CPU)`;
  } else {
    try {
      const n = INT8_GEMM_SIZE;
      const path = await ensureModel(dir, 'gemm-int8-1024', int8GemmModel);
      const inputs = [
        { name: 'a', dtype: 'uint8', dims: [n, n], constant: 1 },
        { name: 'b', dtype: 'int8', dims: [n, n], constant: 1 },
      ];
      const us = await bestKernelUs(base, spec(base, path, ep, threads, inputs, 1, 5));
      peakInt8OpsPerSec = (2 * n * n * n) / (us / 1e6);
    } catch (err) {
      int8Unavailable = `MatMulInteger did not run: ${(err as Error).message.split('\n')[0]}`;
    }
  }

  const atN = plateaus(curve, ctx.caches, threads);
  return {
    memoryBandwidthBytesPerSec: ceilings.memoryBandwidthBytesPerSec,
    dramBandwidthBytesPerSec: atN.get(DRAM_LEVEL) ?? 0,
    peakFlopsPerSec: ceilings.peakFlopsPerSec,
    peakInt8OpsPerSec,
    ...(int8Unavailable ? { int8Unavailable } : {}),
    caches: dataCaches(ctx.caches).map((c) => ({
      level: c.level,
      bytes: c.bytes,
      bandwidthBytesPerSec: atN.get(c.level) ?? 0,
      overheadBound: isOverheadBound(curve, c.level, threads, ceilings.opOverheadUs),
    })),
    opOverheadUs: ceilings.opOverheadUs,
    threads,
    ep,
    fingerprint: ctx.fingerprint,
    bandwidthCurve: curve,
    ceilings,
    measuredAt: new Date().toISOString(),
    measurementMs: Date.now() - startMs,
    cached: false,
  };
}

/**
 * The characterization from the cache (no worker is started), or measured now and cached
 * next to the ceilings. recalibrate re-measures both, the profile's ceilings included.
 */
export async function characterizationFor(ctx: CharacterizationContext, ep: string, threads: number, recalibrate = false): Promise<MachineCharacterization> {
  const cached = recalibrate ? undefined : readCachedEntry<MachineCharacterization>(ctx.cacheDir, 'machine', ctx.fingerprint, ep, threads);
  if (cached) return { ...cached, cached: true };
  const worker = await ctx.startWorker();
  try {
    const measured = await measureCharacterization(ctx, worker, ep, threads, recalibrate);
    await writeCachedEntry(ctx.cacheDir, 'machine', ctx.fingerprint, ep, threads, measured);
    return measured;
  } finally {
    await worker.dispose();
  }
}
