/**
 * EIE's CPU benchmark reproduced (Han et al., ISCA 2016; ../shared/notes/anchors.md): the
 * nine fully connected layers at EIE's densities, onnxruntime dense (one MatMul, CPU EP, in
 * the run worker) against the native sparse kernels (in the sparse timing process), with
 * the same thread count, the same weights and the same input.
 *
 * Times are medians of whole products (the whole batch, not per input). EIE's batch-64
 * times are per input, so only the speedup ratios are compared across the two tables.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { EdgescopeError } from '../../../shared/errors';
import { SeededRandom } from '../../../shared/random';
import { median } from '../analysis/stats';
import { zeroSmallest } from '../compress/prune';
import { countNonzeros } from '../compress/storage/formats';
import { lastLevelCacheBytes, readLinuxCaches } from '../machine/machine-info';
import { buildModel, floatTensor, node, valueInfo } from '../model/graph-builder';
import { writeModel } from '../model/onnx-io';
import { RunWorker, defaultWorkerScriptPath } from '../run/runner';
import { CSR16_MAX_COLS, loadSparseKernels } from './native';
import { SparseTimingProcess } from './timing-process';
import type { SparseFormat } from './types';

/** EIE's CPU times (Core i7-5930K, MKL), microseconds; batch 64 per input. */
interface EieCpuTimes {
  denseUs: number;
  sparseUs: number;
}

export interface EieLayer {
  name: string;
  title: string;
  inFeatures: number;
  outFeatures: number;
  /** Fraction of weights kept. */
  density: number;
  eieCpu: { 1: EieCpuTimes; 64: EieCpuTimes };
}

export const EIE_BENCH_LAYERS: readonly EieLayer[] = [
  { name: 'alexnet-fc6', title: 'AlexNet FC6', inFeatures: 9216, outFeatures: 4096, density: 0.09, eieCpu: { 1: { denseUs: 7516.2, sparseUs: 3066.5 }, 64: { denseUs: 318.4, sparseUs: 1417.6 } } },
  { name: 'alexnet-fc7', title: 'AlexNet FC7', inFeatures: 4096, outFeatures: 4096, density: 0.09, eieCpu: { 1: { denseUs: 6187.1, sparseUs: 1282.1 }, 64: { denseUs: 188.9, sparseUs: 682.1 } } },
  { name: 'alexnet-fc8', title: 'AlexNet FC8', inFeatures: 4096, outFeatures: 1000, density: 0.25, eieCpu: { 1: { denseUs: 1134.9, sparseUs: 890.5 }, 64: { denseUs: 45.8, sparseUs: 407.7 } } },
  { name: 'vgg16-fc6', title: 'VGG16 FC6', inFeatures: 25088, outFeatures: 4096, density: 0.04, eieCpu: { 1: { denseUs: 35022.8, sparseUs: 3774.3 }, 64: { denseUs: 1056.0, sparseUs: 1780.3 } } },
  { name: 'vgg16-fc7', title: 'VGG16 FC7', inFeatures: 4096, outFeatures: 4096, density: 0.04, eieCpu: { 1: { denseUs: 5372.8, sparseUs: 545.1 }, 64: { denseUs: 188.3, sparseUs: 274.9 } } },
  { name: 'vgg16-fc8', title: 'VGG16 FC8', inFeatures: 4096, outFeatures: 1000, density: 0.23, eieCpu: { 1: { denseUs: 774.2, sparseUs: 777.3 }, 64: { denseUs: 45.7, sparseUs: 363.1 } } },
  { name: 'neuraltalk-we', title: 'NeuralTalk We', inFeatures: 4096, outFeatures: 600, density: 0.1, eieCpu: { 1: { denseUs: 605.0, sparseUs: 261.2 }, 64: { denseUs: 28.7, sparseUs: 117.7 } } },
  { name: 'neuraltalk-wd', title: 'NeuralTalk Wd', inFeatures: 600, outFeatures: 8791, density: 0.11, eieCpu: { 1: { denseUs: 1361.4, sparseUs: 437.4 }, 64: { denseUs: 69.0, sparseUs: 176.4 } } },
  { name: 'neuraltalk-lstm', title: 'NeuralTalk LSTM', inFeatures: 1201, outFeatures: 2400, density: 0.1, eieCpu: { 1: { denseUs: 470.5, sparseUs: 260.0 }, 64: { denseUs: 28.8, sparseUs: 107.4 } } },
];

export interface EieBenchOptions {
  batches: number[];
  threads: number;
  /** A subset of EIE_BENCH_LAYERS by name (default: all nine). */
  layers?: string[];
  warmupRuns?: number;
  /** At least this many timed runs per measurement... */
  timedRuns?: number;
  /** ...and at least this long. */
  minTimeMs?: number;
  seed?: number;
  /** Where the one-MatMul models are written (each is removed after its layer). */
  workDir: string;
  workerScriptPath?: string;
  onProgress?: (fraction: number, message: string) => void;
}

/** Whether a layer's weights fit the last-level cache (they stay there between warm runs) or stream from DRAM. */
export type Regime = 'cache' | 'dram' | 'unknown';

/** One layer at one batch. The first ten fields are the (other checks depend on the names). */
export interface EieBenchLayerResult {
  name: string;
  /** Achieved fraction of weights kept. */
  density: number;
  batch: number;
  /** Median ORT dense product, microseconds (whole batch). */
  denseUs: number;
  /** Median sparse product, microseconds (whole batch). */
  sparseUs: number;
  speedup: number;
  /** EIE's CPU dense / sparse time at this batch (null for batches EIE did not measure). */
  eieCpuSpeedup: number | null;
  /** Dense fp32 bytes / sparse format bytes: a memory-bound product's best possible speedup. */
  byteRatioLimit: number;
  /** (Sparse matrix + input + output bytes) / median sparse time. */
  sparseBandwidthBytesPerSec: number;
  /** max |sparse - dense| / max |dense| over the outputs. */
  maxRelError: number;
  title: string;
  inFeatures: number;
  outFeatures: number;
  format: SparseFormat;
  denseBytes: number;
  sparseBytes: number;
  denseBandwidthBytesPerSec: number;
  denseRegime: Regime;
  sparseRegime: Regime;
  denseRuns: number;
  sparseRuns: number;
}

export interface EieBenchResult {
  threads: number;
  layers: EieBenchLayerResult[];
  /** The kernels' build (SIMD level, compiler). */
  sparseBuild: Record<string, string>;
  lastLevelCacheBytes: number;
}

/** CSR with 16-bit column indices wherever they reach: 2 bytes less per nonzero than csr32. */
export function bestFormat(cols: number): SparseFormat {
  return cols <= CSR16_MAX_COLS ? 'csr16' : 'csr32';
}

export function maxRelError(sparse: ArrayLike<number>, dense: ArrayLike<number>): number {
  let maxDiff = 0;
  let maxRef = 0;
  for (let i = 0; i < dense.length; i++) {
    maxDiff = Math.max(maxDiff, Math.abs(sparse[i] - dense[i]));
    maxRef = Math.max(maxRef, Math.abs(dense[i]));
  }
  return maxRef > 0 ? maxDiff / maxRef : maxDiff;
}

/** He-initialised weights [in x out], then the smallest magnitudes zeroed down to the layer's density. */
export function prunedWeights(layer: EieLayer, seed: number): Float32Array {
  const rng = new SeededRandom(seed);
  const scale = Math.sqrt(2 / layer.inFeatures);
  const w = new Float32Array(layer.inFeatures * layer.outFeatures);
  for (let i = 0; i < w.length; i++) w[i] = rng.normal() * scale;
  zeroSmallest(w, Math.round((1 - layer.density) * w.length));
  return w;
}

function selectLayers(names: string[] | undefined): EieLayer[] {
  if (!names || names.length === 0) return [...EIE_BENCH_LAYERS];
  return names.map((name) => {
    const layer = EIE_BENCH_LAYERS.find((l) => l.name === name);
    if (!layer) throw new EdgescopeError('E_BAD_REQUEST', `no EIE layer named '${name}' (layers: ${EIE_BENCH_LAYERS.map((l) => l.name).join(', ')})`);
    return layer;
  });
}

function regime(bytes: number, llcBytes: number): Regime {
  if (llcBytes <= 0) return 'unknown';
  return bytes <= llcBytes ? 'cache' : 'dram';
}

function eieSpeedup(layer: EieLayer, batch: number): number | null {
  const times = batch === 1 ? layer.eieCpu[1] : batch === 64 ? layer.eieCpu[64] : undefined;
  return times ? times.denseUs / times.sparseUs : null;
}

export async function runEieBench(options: EieBenchOptions): Promise<EieBenchResult> {
  const layers = selectLayers(options.layers);
  if (options.batches.length === 0 || options.batches.some((b) => !Number.isInteger(b) || b < 1)) {
    throw new EdgescopeError('E_BAD_REQUEST', `batches must be integers >= 1, got ${options.batches.join(',')}`);
  }
  const status = loadSparseKernels();
  if (!status.available) throw new EdgescopeError('E_BACKEND_UNAVAILABLE', status.reason);
  const seed = options.seed ?? 42;
  const timing = { warmupRuns: options.warmupRuns ?? 5, timedRuns: options.timedRuns ?? 30, minTimeMs: options.minTimeMs ?? 500 };
  const llcBytes = process.platform === 'linux' ? lastLevelCacheBytes(readLinuxCaches()) : 0;
  const progress = options.onProgress ?? (() => {});
  const steps = layers.length * (1 + 2 * options.batches.length);
  let step = 0;
  const report = (message: string) => progress(step++ / steps, message);

  const worker = await RunWorker.start(options.workerScriptPath ?? defaultWorkerScriptPath());
  let sparseProcess: SparseTimingProcess | undefined;
  try {
    sparseProcess = await SparseTimingProcess.start();
    const results: EieBenchLayerResult[] = [];
    for (const [index, layer] of layers.entries()) {
      report(`${layer.name}: building the ${layer.inFeatures}x${layer.outFeatures} layer at ${layer.density * 100}% density`);
      const weights = prunedWeights(layer, seed + index);
      const density = countNonzeros(weights) / weights.length;
      const weightName = `${layer.name}.weight`;
      const modelPath = join(options.workDir, `eie-${layer.name}.onnx`);
      await writeModel(
        modelPath,
        buildModel({
          name: layer.name,
          nodes: [node('MatMul', ['x', weightName], ['y'], layer.name)],
          initializers: [floatTensor(weightName, [layer.inFeatures, layer.outFeatures], weights)],
          inputs: [valueInfo('x', ['batch', layer.inFeatures])],
          outputs: [valueInfo('y', ['batch', layer.outFeatures])],
        }),
      );
      const format = bestFormat(layer.inFeatures);
      try {
        for (const batch of options.batches) {
          const inputSeed = seed + 1000 + batch;
          report(`${layer.name} batch ${batch}: onnxruntime dense`);
          const dense = await worker.run({
            modelPath,
            ep: 'cpu',
            threads: options.threads,
            graphOptimizationLevel: 'all',
            inputs: [{ name: 'x', dtype: 'float32', dims: [batch, layer.inFeatures] }],
            seed: inputSeed,
            ...timing,
            profiledRuns: 0,
            profileDir: options.workDir,
            returnOutputs: true,
            clockOriginNs: process.hrtime.bigint().toString(),
          });
          report(`${layer.name} batch ${batch}: sparse ${format}`);
          const sparse = await sparseProcess.time({
            modelPath,
            weightName,
            pack: { format },
            threads: options.threads,
            batch,
            inputSeed,
            ...timing,
            returnOutputs: true,
          });
          const denseOut = dense.outputs?.[0]?.data;
          if (!denseOut || !sparse.outputs || denseOut.length !== sparse.outputs.length) {
            throw new EdgescopeError('E_INTERNAL', `${layer.name} batch ${batch}: the dense and sparse outputs are missing or differ in size`);
          }
          const denseUs = median(dense.latenciesMs) * 1e3;
          const sparseUs = median(sparse.latenciesUs);
          const denseBytes = 4 * layer.inFeatures * layer.outFeatures;
          const activationBytes = 4 * batch * (layer.inFeatures + layer.outFeatures);
          results.push({
            name: layer.name,
            density,
            batch,
            denseUs,
            sparseUs,
            speedup: denseUs / sparseUs,
            eieCpuSpeedup: eieSpeedup(layer, batch),
            byteRatioLimit: denseBytes / sparse.bytes,
            sparseBandwidthBytesPerSec: (sparse.bytes + activationBytes) / (sparseUs * 1e-6),
            maxRelError: maxRelError(sparse.outputs, denseOut),
            title: layer.title,
            inFeatures: layer.inFeatures,
            outFeatures: layer.outFeatures,
            format,
            denseBytes,
            sparseBytes: sparse.bytes,
            denseBandwidthBytesPerSec: (denseBytes + activationBytes) / (denseUs * 1e-6),
            denseRegime: regime(denseBytes, llcBytes),
            sparseRegime: regime(sparse.bytes, llcBytes),
            denseRuns: dense.latenciesMs.length,
            sparseRuns: sparse.latenciesUs.length,
          });
        }
      } finally {
        rmSync(modelPath, { force: true });
      }
    }
    progress(1, 'done');
    return { threads: options.threads, layers: results, sparseBuild: { ...status.kernels.buildInfo }, lastLevelCacheBytes: llcBytes };
  } finally {
    await sparseProcess?.dispose();
    await worker.dispose();
  }
}
