/**
 * EIE's CPU benchmark reproduced (Han et al., ISCA 2016; ../shared/notes/anchors.md): the
 * nine fully connected layers at EIE's densities, onnxruntime dense (one MatMul, CPU EP, in
 * the run worker) against the native sparse kernels (in the sparse timing process), with
 * the same thread count, the same weights and the same input.
 *
 * Times are medians of whole products (the whole batch, not per input). EIE's batch-64
 * times are per input, so only the speedup ratios are compared across the two tables.
 *
 * Each layer is also run in EIE's own storage format ('eie': 4-bit relative column indices, a
 * 4-bit index into a 16-value codebook from k-means weight sharing) against onnxruntime dense on
 * the same weight-shared matrix (the values the codebook decodes to), reported as `eieFormat`.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { EdgescopeError } from '../../../shared/errors';
import { SeededRandom } from '../../../shared/random';
import { median } from '../analysis/stats';
import { zeroSmallest } from '../compress/prune';
import { shareWeights } from '../compress/weight-sharing';
import { countNonzeros } from '../compress/storage/formats';
import { lastLevelCacheBytes, readLinuxCaches } from '../machine/machine-info';
import { buildModel, floatTensor, node, valueInfo } from '../model/graph-builder';
import { writeModel } from '../model/onnx-io';
import { RunWorker, defaultWorkerScriptPath } from '../run/runner';
import { candidateFormats } from './formats';
import { loadSparseKernels } from './native';
import { SparseTimingProcess } from './timing-process';
import type { SparseTimingSpec } from './timing-messages';
import type { EieIndexBits, SparseFormat } from './types';

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

/** The EIE-format run: EIE's 4-bit relative indices and 4-bit codebook indices (16 shared weights). */
export const EIE_FORMAT_INDEX_BITS: EieIndexBits = 4;
export const EIE_FORMAT_SHARE_BITS = 4;

/** One layer at one batch in EIE's format, against ORT dense on the same weight-shared matrix. */
export interface EieFormatResult {
  /** Median ORT dense product on the weight-shared matrix (the codebook's values), microseconds. */
  denseUs: number;
  /** Median 'eie' kernel product, microseconds. */
  sparseUs: number;
  /** denseUs / sparseUs. */
  speedup: number;
  /** Exact bytes of the format: entries x (indexBits + codeBits) / 8 + codebook + row pointers. */
  bytes: number;
  /** Dense fp32 bytes / bytes. */
  byteRatioLimit: number;
  /** max |eie - ORT shared dense| / max |ORT shared dense| over the outputs. */
  maxRelError: number;
  indexBits: number;
  codeBits: number;
  /** Stored entries: nonzeros + padding entries (a gap beyond 2^indexBits - 1). */
  entries: number;
  padding: number;
  /** (Format bytes + input + output bytes) / median eie time. */
  sparseBandwidthBytesPerSec: number;
  sparseRegime: Regime;
  denseRuns: number;
  sparseRuns: number;
}

export interface FormatTrial {
  format: SparseFormat;
  sparseUs: number;
}

/** Timing of one measurement: untimed warm-up runs, then at least timedRuns runs and minTimeMs. */
interface BenchTiming {
  warmupRuns: number;
  timedRuns: number;
  minTimeMs: number;
}

/** Dense and sparse alternate in this many rounds per comparison (measurePair). */
const PAIRED_ROUNDS = 3;

/** A candidate format's trial: enough runs for a stable median, short next to the measurement itself. */
const FORMAT_TRIAL_TIMING = { warmupRuns: 3, timedRuns: 15, minTimeMs: 150 };

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
  /** The format measured: the fastest candidate in a short trial when there were several (formats.ts). */
  format: SparseFormat;
  /** The trial that chose `format` (median of a short run per candidate); absent with one candidate. */
  formatTrials?: FormatTrial[];
  denseBytes: number;
  sparseBytes: number;
  denseBandwidthBytesPerSec: number;
  denseRegime: Regime;
  sparseRegime: Regime;
  denseRuns: number;
  sparseRuns: number;
  eieFormat: EieFormatResult;
}

export interface EieBenchResult {
  threads: number;
  layers: EieBenchLayerResult[];
  /** The kernels' build (SIMD level, compiler). */
  sparseBuild: Record<string, string>;
  lastLevelCacheBytes: number;
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
  const steps = layers.length * (1 + 4 * options.batches.length);
  let step = 0;
  const report = (message: string) => progress(step++ / steps, message);

  const worker = await RunWorker.start(options.workerScriptPath ?? defaultWorkerScriptPath());
  let sparseProcess: SparseTimingProcess | undefined;
  try {
    sparseProcess = await SparseTimingProcess.start();
    const sparse = sparseProcess;
    const results: EieBenchLayerResult[] = [];
    for (const [index, layer] of layers.entries()) {
      report(`${layer.name}: building the ${layer.inFeatures}x${layer.outFeatures} layer at ${layer.density * 100}% density`);
      const weights = prunedWeights(layer, seed + index);
      const density = countNonzeros(weights) / weights.length;
      const weightName = `${layer.name}.weight`;
      const modelPath = join(options.workDir, `eie-${layer.name}.onnx`);
      const sharedModelPath = join(options.workDir, `eie-${layer.name}.shared.onnx`);
      const writeLayer = (path: string, values: Float32Array) =>
        writeModel(
          path,
          buildModel({
            name: layer.name,
            nodes: [node('MatMul', ['x', weightName], ['y'], layer.name)],
            initializers: [floatTensor(weightName, [layer.inFeatures, layer.outFeatures], values)],
            inputs: [valueInfo('x', ['batch', layer.inFeatures])],
            outputs: [valueInfo('y', ['batch', layer.outFeatures])],
          }),
        );
      await writeLayer(modelPath, weights);
      // EIE's format: 16 shared weights by k-means (Deep Compression's weight sharing).
      const shared = shareWeights(weights, EIE_FORMAT_SHARE_BITS);
      await writeLayer(sharedModelPath, shared.shared);
      const timeDense = (path: string, batch: number, inputSeed: number, t: BenchTiming) =>
        worker.run({
          modelPath: path,
          ep: 'cpu',
          threads: options.threads,
          graphOptimizationLevel: 'all',
          inputs: [{ name: 'x', dtype: 'float32', dims: [batch, layer.inFeatures] }],
          seed: inputSeed,
          ...t,
          profiledRuns: 0,
          profileDir: options.workDir,
          returnOutputs: true,
          clockOriginNs: process.hrtime.bigint().toString(),
        });
      const timeSparse = (path: string, pack: SparseTimingSpec['pack'], batch: number, inputSeed: number, t: BenchTiming) =>
        sparse.time({ modelPath: path, weightName, pack, threads: options.threads, batch, inputSeed, ...t, returnOutputs: true });
      /**
       * ORT dense and a sparse kernel on the same weights, measured in alternating rounds (each a third of
       * the runs and time) so that slow swings of a shared machine fall on both sides of the ratio.
       */
      const measurePair = async (path: string, pack: SparseTimingSpec['pack'], batch: number, inputSeed: number) => {
        const round = { warmupRuns: timing.warmupRuns, timedRuns: Math.ceil(timing.timedRuns / PAIRED_ROUNDS), minTimeMs: timing.minTimeMs / PAIRED_ROUNDS };
        const denseRounds = [];
        const sparseRounds = [];
        for (let r = 0; r < PAIRED_ROUNDS; r++) {
          denseRounds.push(await timeDense(path, batch, inputSeed, round));
          sparseRounds.push(await timeSparse(path, pack, batch, inputSeed, round));
        }
        return {
          dense: { ...denseRounds[0], latenciesMs: denseRounds.flatMap((d) => d.latenciesMs) },
          sparse: { ...sparseRounds[0], latenciesUs: sparseRounds.flatMap((s) => s.latenciesUs) },
        };
      };
      /**
       * The format to measure: with several candidates, each is timed briefly first and the fastest
       * is then measured in full, so the reported time is not the luckiest of several samples.
       */
      const chooseFormat = async (cols: number, batch: number, inputSeed: number) => {
        const candidates = candidateFormats(cols, batch, status.kernels.buildInfo);
        if (candidates.length === 1) return { format: candidates[0], trials: undefined };
        report(`${layer.name} batch ${batch}: choosing among ${candidates.join(', ')}`);
        const trials: FormatTrial[] = [];
        for (const candidate of candidates) {
          const trial = await sparse.time({ modelPath, weightName, pack: { format: candidate }, threads: options.threads, batch, inputSeed, ...FORMAT_TRIAL_TIMING, returnOutputs: false });
          trials.push({ format: candidate, sparseUs: median(trial.latenciesUs) });
        }
        const fastest = trials.reduce((a, b) => (b.sparseUs < a.sparseUs ? b : a));
        return { format: fastest.format, trials };
      };
      /** Both outputs of one comparison, checked to exist and agree in size. */
      const outputsOf = (dense: { outputs?: { data: Float32Array | ArrayLike<number> }[] }, sparseOut: Float32Array | undefined, what: string, batch: number) => {
        const denseOut = dense.outputs?.[0]?.data;
        if (!denseOut || !sparseOut || denseOut.length !== sparseOut.length) {
          throw new EdgescopeError('E_INTERNAL', `${layer.name} batch ${batch}: the dense and ${what} outputs are missing or differ in size`);
        }
        return { denseOut, sparseOut };
      };
      try {
        for (const batch of options.batches) {
          const inputSeed = seed + 1000 + batch;
          const { format, trials } = await chooseFormat(layer.inFeatures, batch, inputSeed);
          report(`${layer.name} batch ${batch}: onnxruntime dense and sparse ${format}, alternating`);
          const { dense, sparse: csr } = await measurePair(modelPath, { format }, batch, inputSeed);
          const { denseOut, sparseOut } = outputsOf(dense, csr.outputs, 'sparse', batch);
          const denseUs = median(dense.latenciesMs) * 1e3;
          const sparseUs = median(csr.latenciesUs);
          const denseBytes = 4 * layer.inFeatures * layer.outFeatures;
          const activationBytes = 4 * batch * (layer.inFeatures + layer.outFeatures);

          report(`${layer.name} batch ${batch}: onnxruntime dense on the weight-shared matrix and sparse eie, alternating`);
          const eiePack = { format: 'eie' as const, indexBits: EIE_FORMAT_INDEX_BITS, codebook: shared.centroids };
          const { dense: sharedDense, sparse: eie } = await measurePair(sharedModelPath, eiePack, batch, inputSeed);
          const eieOutputs = outputsOf(sharedDense, eie.outputs, 'eie', batch);
          if (!eie.eie) throw new EdgescopeError('E_INTERNAL', `${layer.name}: the eie timing returned no layout`);
          const sharedDenseUs = median(sharedDense.latenciesMs) * 1e3;
          const eieUs = median(eie.latenciesUs);

          results.push({
            name: layer.name,
            density,
            batch,
            denseUs,
            sparseUs,
            speedup: denseUs / sparseUs,
            eieCpuSpeedup: eieSpeedup(layer, batch),
            byteRatioLimit: denseBytes / csr.bytes,
            sparseBandwidthBytesPerSec: (csr.bytes + activationBytes) / (sparseUs * 1e-6),
            maxRelError: maxRelError(sparseOut, denseOut),
            title: layer.title,
            inFeatures: layer.inFeatures,
            outFeatures: layer.outFeatures,
            format,
            ...(trials ? { formatTrials: trials } : {}),
            denseBytes,
            sparseBytes: csr.bytes,
            denseBandwidthBytesPerSec: (denseBytes + activationBytes) / (denseUs * 1e-6),
            denseRegime: regime(denseBytes, llcBytes),
            sparseRegime: regime(csr.bytes, llcBytes),
            denseRuns: dense.latenciesMs.length,
            sparseRuns: csr.latenciesUs.length,
            eieFormat: {
              denseUs: sharedDenseUs,
              sparseUs: eieUs,
              speedup: sharedDenseUs / eieUs,
              bytes: eie.bytes,
              byteRatioLimit: denseBytes / eie.bytes,
              maxRelError: maxRelError(eieOutputs.sparseOut, eieOutputs.denseOut),
              indexBits: eie.eie.indexBits,
              codeBits: eie.eie.codeBits,
              entries: eie.eie.entries,
              padding: eie.eie.padding,
              sparseBandwidthBytesPerSec: (eie.bytes + activationBytes) / (eieUs * 1e-6),
              sparseRegime: regime(eie.bytes, llcBytes),
              denseRuns: sharedDense.latenciesMs.length,
              sparseRuns: eie.latenciesUs.length,
            },
          });
        }
      } finally {
        rmSync(modelPath, { force: true });
        rmSync(sharedModelPath, { force: true });
      }
    }
    progress(1, 'done');
    return { threads: options.threads, layers: results, sparseBuild: { ...status.kernels.buildInfo }, lastLevelCacheBytes: llcBytes };
  } finally {
    await sparseProcess?.dispose();
    await worker.dispose();
  }
}
