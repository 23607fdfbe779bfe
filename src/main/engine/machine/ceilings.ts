/**
 * The machine's ceilings, measured with onnxruntime itself on the EP and thread count
 * being profiled (the roofline needs the bandwidth and FLOP rate *this* runtime
 * reaches, not a datasheet's):
 *
 * - memory bandwidth: an Add of two float arrays, each at least 4x the last-level cache
 *   (STREAM's rule), best of N runs; 12 bytes per element (two reads, one write; the
 *   write-allocate read is not counted, as in STREAM);
 * - cache bandwidth: the same kernel with the whole working set at half the LLC;
 * - peak FLOP/s: a 1024x1024x1024 fp32 MatMul, best of N;
 * - t0: the median kernel time of a chain of trivial 16-element Add/Mul nodes in the
 *   profiler, i.e. the fixed cost an op pays in the trace whatever its work.
 *
 * Results are cached per machine fingerprint, EP and thread count, in one file that also
 * holds the machine characterization (characterization.ts) under its own keys.
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Ceilings } from '../../../shared/report';
import { buildModel, floatTensor, node, valueInfo } from '../model/graph-builder';
import { writeModel } from '../model/onnx-io';
import type { ResolvedInput } from '../model/inputs';
import type { RunSpec } from '../run/messages';
import type { RunWorker } from '../run/runner';
import { parseTrace, readTraceFile } from '../trace/ort-trace';
import { median } from '../analysis/stats';
import { writeFileAtomic } from '../files/write-atomic';

const GEMM_SIZE = 1024;
const CHAIN_LENGTH = 64;

export function streamModel(): ReturnType<typeof buildModel> {
  return buildModel({
    name: 'stream-add',
    nodes: [node('Add', ['a', 'b'], ['c'], 'stream_add')],
    initializers: [],
    inputs: [valueInfo('a', ['n']), valueInfo('b', ['n'])],
    outputs: [valueInfo('c', ['n'])],
  });
}

function gemmModel(): ReturnType<typeof buildModel> {
  return buildModel({
    name: 'gemm',
    nodes: [node('MatMul', ['a', 'b'], ['c'], 'gemm')],
    initializers: [],
    inputs: [valueInfo('a', ['m', 'k']), valueInfo('b', ['k', 'n'])],
    outputs: [valueInfo('c', ['m', 'n'])],
  });
}

function chainModel(): ReturnType<typeof buildModel> {
  const nodes = [];
  const inits = [];
  let x = 'x';
  for (let i = 0; i < CHAIN_LENGTH; i++) {
    const c = `c${i}`;
    inits.push(floatTensor(c, [16], new Float32Array(16).fill(i % 2 === 0 ? 0.5 : 1.5)));
    const y = i === CHAIN_LENGTH - 1 ? 'y' : `t${i}`;
    nodes.push(node(i % 2 === 0 ? 'Add' : 'Mul', [x, c], [y], `op${i}`));
    x = y;
  }
  return buildModel({
    name: 'overhead-chain',
    nodes,
    initializers: inits,
    inputs: [valueInfo('x', [1, 16])],
    outputs: [valueInfo('y', [1, 16])],
  });
}

export interface CeilingsContext {
  /** The worker to measure in, started on first use (cached ceilings need none). */
  worker: () => Promise<RunWorker>;
  cacheDir: string;
  fingerprint: string;
  lastLevelCacheBytes: number;
  clockOriginNs: bigint;
  onProgress?: (message: string) => void;
}

/**
 * ceilings.json: one object keyed by what was measured. The profile's Ceilings keep the key
 * they have always had (`fingerprint|ep|threads`, so existing caches stay valid); other kinds
 * of measurement prefix it with their kind (`machine|fingerprint|ep|threads`).
 */
type CalibrationCache = Record<string, unknown>;

export type CacheKind = 'ceilings' | 'machine' | 'sparse-layers' | 'sparse-break-even';

function cacheKey(kind: CacheKind, fingerprint: string, ep: string, threads: number): string {
  const key = `${fingerprint}|${ep}|${threads}`;
  return kind === 'ceilings' ? key : `${kind}|${key}`;
}

const cachePath = (cacheDir: string) => join(cacheDir, 'ceilings.json');

function readCache(path: string): CalibrationCache {
  try {
    const parsed: unknown = existsSync(path) ? JSON.parse(readFileSync(path, 'utf8')) : {};
    return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as CalibrationCache) : {};
  } catch {
    return {}; // A corrupt cache is re-measured, not fatal.
  }
}

/** A cached measurement of this kind for the machine, EP and thread count, if any. */
export function readCachedEntry<T>(cacheDir: string, kind: CacheKind, fingerprint: string, ep: string, threads: number): T | undefined {
  return readCache(cachePath(cacheDir))[cacheKey(kind, fingerprint, ep, threads)] as T | undefined;
}

/** Re-reads the file just before writing, so entries other jobs wrote meanwhile survive. */
export async function writeCachedEntry(cacheDir: string, kind: CacheKind, fingerprint: string, ep: string, threads: number, value: unknown): Promise<void> {
  const path = cachePath(cacheDir);
  await writeFileAtomic(path, JSON.stringify({ ...readCache(path), [cacheKey(kind, fingerprint, ep, threads)]: value }, null, 2));
}

export async function ensureModel(dir: string, name: string, build: () => ReturnType<typeof buildModel>): Promise<string> {
  const path = join(dir, `${name}.onnx`);
  if (!existsSync(path)) await writeModel(path, build());
  return path;
}

export function spec(ctx: CeilingsContext, modelPath: string, ep: string, threads: number, inputs: ResolvedInput[], runs: number, profiledRuns = 0): RunSpec {
  return {
    modelPath,
    ep,
    threads,
    graphOptimizationLevel: 'all',
    inputs,
    seed: 1,
    warmupRuns: 2,
    timedRuns: runs,
    minTimeMs: 0,
    profiledRuns,
    profileDir: join(ctx.cacheDir, 'calibration'),
    returnOutputs: false,
    clockOriginNs: ctx.clockOriginNs.toString(),
  };
}

export const constantInput = (name: string, dims: number[]): ResolvedInput => ({ name, dtype: 'float32', dims, constant: 1 });

/**
 * Kernel times from the profiler rather than run() latencies: they exclude the copy of
 * the output into JavaScript memory and the per-run overhead, exactly as the op
 * durations that the ceilings are compared with do.
 */
async function kernelDurations(ctx: CeilingsContext, runSpec: RunSpec): Promise<number[]> {
  const result = await (await ctx.worker()).run(runSpec);
  const trace = parseTrace(readTraceFile(result.profilePath!));
  await rm(result.profilePath!, { force: true });
  return trace.runs.slice(1).flatMap((r) => r.kernels.map((k) => k.durUs));
}

export async function bestKernelUs(ctx: CeilingsContext, runSpec: RunSpec): Promise<number> {
  const durations = await kernelDurations(ctx, runSpec);
  if (durations.length === 0) throw new Error('calibration run produced no kernel events');
  return Math.min(...durations);
}

export async function measureCeilings(ctx: CeilingsContext, ep: string, threads: number): Promise<Ceilings> {
  const dir = join(ctx.cacheDir, 'calibration');
  await mkdir(dir, { recursive: true });
  const streamPath = await ensureModel(dir, 'stream-add', streamModel);
  const gemmPath = await ensureModel(dir, 'gemm-1024', gemmModel);
  const chainPath = await ensureModel(dir, 'overhead-chain', chainModel);

  ctx.onProgress?.(`measuring memory bandwidth (${ep}, ${threads} threads)`);
  const llc = ctx.lastLevelCacheBytes;
  const dramElements = Math.max(32 * 1024 * 1024, Math.ceil((4 * llc) / 4));
  const dramUs = await bestKernelUs(ctx, spec(ctx, streamPath, ep, threads, [constantInput('a', [dramElements]), constantInput('b', [dramElements])], 1, 8));
  const memoryBandwidthBytesPerSec = (12 * dramElements) / (dramUs / 1e6);

  const cacheElements = Math.floor(llc / 2 / 12);
  const cacheUs = await bestKernelUs(ctx, spec(ctx, streamPath, ep, threads, [constantInput('a', [cacheElements]), constantInput('b', [cacheElements])], 1, 50));
  const cacheBandwidthBytesPerSec = (12 * cacheElements) / (cacheUs / 1e6);

  ctx.onProgress?.(`measuring peak FLOP/s (${ep}, ${threads} threads)`);
  const n = GEMM_SIZE;
  const gemmUs = await bestKernelUs(ctx, spec(ctx, gemmPath, ep, threads, [constantInput('a', [n, n]), constantInput('b', [n, n])], 1, 8));
  const peakFlopsPerSec = (2 * n * n * n) / (gemmUs / 1e6);

  ctx.onProgress?.(`measuring per-op overhead (${ep}, ${threads} threads)`);
  const chainKernels = await kernelDurations(ctx, spec(ctx, chainPath, ep, threads, [constantInput('x', [1, 16])], 1, 20));
  const opOverheadUs = chainKernels.length > 0 ? median(chainKernels) : 0;

  return {
    memoryBandwidthBytesPerSec,
    cacheBandwidthBytesPerSec,
    peakFlopsPerSec,
    opOverheadUs,
    ep,
    threads,
    lastLevelCacheBytes: llc,
    measuredAt: new Date().toISOString(),
    cached: false,
  };
}

/** Ceilings from the cache, or measured now and cached. */
export async function ceilingsFor(ctx: CeilingsContext, ep: string, threads: number, recalibrate = false): Promise<Ceilings> {
  const cached = recalibrate ? undefined : readCachedEntry<Ceilings>(ctx.cacheDir, 'ceilings', ctx.fingerprint, ep, threads);
  if (cached) return { ...cached, cached: true };
  const measured = await measureCeilings(ctx, ep, threads);
  await writeCachedEntry(ctx.cacheDir, 'ceilings', ctx.fingerprint, ep, threads, measured);
  return measured;
}
