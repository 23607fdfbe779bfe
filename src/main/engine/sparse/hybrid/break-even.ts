/**
 * Timing one layer both ways at the run's batch, for the policy: ORT dense on a one-node
 * model with the layer's (pruned, dense-stored) weights against the sparse kernel in each
 * candidate storage format (formats.ts), on the layer's real input activations and the same
 * thread count; the fastest format is the sparse side. Worker-only (both block).
 *
 * A run that was given the per-machine cache (RunSpec.hybrid.breakEven) first looks for
 * what it already knows (./policy.ts): a cached timing of the same layer, then the
 * break-even table; what it times it adds to the cache.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import * as ort from 'onnxruntime-node';
import { buildModel, floatTensor, node, valueInfo } from '../../model/graph-builder';
import { encodeModel } from '../../model/onnx-io';
import { median } from '../../analysis/stats';
import type { SparseFormat, SparseKernels, SparseMatrix } from '../types';
import { entryFor, fastestFormatNear, readBreakEvenTable, type BreakEvenEntry } from './break-even-table';
import { sessionOptions, type SessionSettings } from './executor';
import { candidateFormats } from '../formats';
import { kernelBuildId, LayerMeasurementCache } from './measurement-cache';
import { predictFromTable, type LayerTiming, type TimedFormat, type TimedLayer } from './policy';
import type { SparseLayer } from './split';

/** Each side runs until both of these are reached (after WARMUP untimed runs). */
const MIN_REPS = 7;
const MIN_TIME_MS = 30;
const WARMUP = 2;

/** Median microseconds of `fn` over at least MIN_REPS runs and MIN_TIME_MS, after WARMUP runs. */
export async function timeRepeated(fn: () => unknown | Promise<unknown>): Promise<number> {
  for (let i = 0; i < WARMUP; i++) await fn();
  const samples: number[] = [];
  const start = process.hrtime.bigint();
  while (samples.length < MIN_REPS || Number(process.hrtime.bigint() - start) / 1e6 < MIN_TIME_MS) {
    const t = process.hrtime.bigint();
    await fn();
    samples.push(Number(process.hrtime.bigint() - t) / 1e3);
  }
  return median(samples);
}

/** What timing a layer needs of it: its pruned weights, stored by output row, and bias. */
export type DenseLayer = Pick<SparseLayer, 'node' | 'rows' | 'cols' | 'weights' | 'bias'>;

type TimingSettings = Pick<SessionSettings, 'ep' | 'threads' | 'graphOptimizationLevel'>;

/** The layer as ORT would run it dense: Gemm with the output-major weights (transB) and bias. */
function denseLayerModel(layer: DenseLayer): Uint8Array {
  const inits = [floatTensor('w', [layer.rows, layer.cols], layer.weights)];
  if (layer.bias) inits.push(floatTensor('b', [layer.rows], layer.bias));
  return encodeModel(
    buildModel({
      name: `break-even-${layer.node}`,
      nodes: [node('Gemm', ['x', 'w', ...(layer.bias ? ['b'] : [])], ['y'], 'layer', { transB: 1 })],
      initializers: inits,
      inputs: [valueInfo('x', ['batch', layer.cols])],
      outputs: [valueInfo('y', ['batch', layer.rows])],
    }),
  );
}

/** An ORT session running the layer dense, for any batch. */
export function openDenseLayer(layer: DenseLayer, settings: TimingSettings): Promise<ort.InferenceSession> {
  return ort.InferenceSession.create(denseLayerModel(layer), sessionOptions(settings));
}

/**
 * ORT dense against each of `matrices` (the layer packed in each candidate format, in candidate
 * order); the sparse side is the fastest, ties to the earlier. `x`: the layer's input as product
 * rows, [batch x cols]; `session` from openDenseLayer.
 */
export async function timeBothWays(
  session: ort.InferenceSession,
  layer: DenseLayer,
  matrices: readonly SparseMatrix[],
  kernels: SparseKernels,
  x: Float32Array,
  batch: number,
  threads: number,
): Promise<TimedLayer & Required<Pick<TimedLayer, 'format' | 'candidates'>>> {
  if (matrices.length === 0) throw new Error('timeBothWays needs at least one packed matrix');
  const feeds = { x: new ort.Tensor('float32', x, [batch, layer.cols]) };
  const denseUs = await timeRepeated(() => session.run(feeds));
  const out = new Float32Array(batch * layer.rows);
  const options = { threads, ...(layer.bias ? { bias: layer.bias } : {}) };
  const candidates: TimedFormat[] = [];
  for (const matrix of matrices) candidates.push({ format: matrix.format, sparseUs: await timeRepeated(() => kernels.multiply(matrix, x, batch, out, options)) });
  const fastest = candidates.reduce((best, c) => (c.sparseUs < best.sparseUs ? c : best));
  return { denseUs, sparseUs: fastest.sparseUs, format: fastest.format, candidates };
}

/** The layer in each format, reusing `packed` where it already is in one of them. */
export function packCandidates(layer: DenseLayer, formats: readonly SparseFormat[], kernels: SparseKernels, packed?: SparseMatrix): SparseMatrix[] {
  return formats.map((format) => (packed?.format === format ? packed : kernels.pack(layer.weights, layer.rows, layer.cols, { format })));
}

/**
 * How a hybrid run uses the per-machine cache (RunSpec.hybrid.breakEven; absent: every layer
 * is timed and nothing is kept). 'use': cached timings and the table first, new timings
 * added; 'recalibrate': every layer timed again and the cache refreshed.
 */
export interface BreakEvenCacheSpec {
  cacheDir: string;
  fingerprint: string;
  mode: 'use' | 'recalibrate';
}

/** What a run already knows, for timeLayer. */
export interface BreakEvenSources {
  measurements: LayerMeasurementCache;
  table: readonly BreakEvenEntry[];
  /** false (recalibrate): time every layer, only write. */
  reuse: boolean;
}

export function breakEvenSources(spec: BreakEvenCacheSpec, kernels: SparseKernels, settings: Pick<SessionSettings, 'ep' | 'threads'>): BreakEvenSources {
  const id = { cacheDir: spec.cacheDir, fingerprint: spec.fingerprint, ep: settings.ep, threads: settings.threads, build: kernelBuildId(kernels) };
  return { measurements: new LayerMeasurementCache(id), table: readBreakEvenTable(id), reuse: spec.mode === 'use' };
}

/**
 * The run's sources, around its planning (worker-run.ts), so timeLayer finds them without
 * every planner in between passing them on.
 */
const runSources = new AsyncLocalStorage<BreakEvenSources | undefined>();

export function withBreakEvenSources<T>(sources: BreakEvenSources | undefined, plan: () => Promise<T>): Promise<T> {
  return runSources.run(sources, plan);
}

/**
 * The layer's timing: from the cache or the table when `sources` has it (see policy.ts),
 * else timed now in every candidate format (and cached). `matrix`: the layer as the first
 * pass packed it (its nonzeros key the cache; reused when it is in a candidate format).
 * `x`: the layer's input as product rows, [batch x cols].
 */
export async function timeLayer(
  layer: SparseLayer,
  matrix: SparseMatrix,
  kernels: SparseKernels,
  x: Float32Array,
  batch: number,
  settings: TimingSettings,
  sources: BreakEvenSources | undefined = runSources.getStore(),
): Promise<LayerTiming> {
  const formats = candidateFormats(layer.cols, batch, kernels.buildInfo);
  const key = { rows: layer.rows, cols: layer.cols, nnz: matrix.nnz, batch, formats };
  if (sources?.reuse) {
    const cached = sources.measurements.get(key);
    if (cached) return { basis: 'cached', ...cached };
    const entry = entryFor(sources.table, layer.rows, layer.cols, batch);
    const choice = entry ? predictFromTable(entry, layer.density) : null;
    if (entry && choice) {
      const format = fastestFormatNear(entry, layer.density, formats);
      return { basis: 'predicted', choice, format, entry: { breakEvenDensity: entry.breakEvenDensity, crossover: entry.crossover, measuredAt: entry.measuredAt } };
    }
  }
  const matrices = packCandidates(layer, formats, kernels, matrix);
  const session = await openDenseLayer(layer, settings);
  let timed: TimedLayer;
  try {
    timed = await timeBothWays(session, layer, matrices, kernels, x, batch, settings.threads);
  } finally {
    await session.release();
  }
  await sources?.measurements.put(key, timed);
  return { basis: 'timed', ...timed };
}
