/**
 * Pruning sensitivity analysis, as Distiller's: prune each prunable layer alone at
 * sparsities 0, 0.1, ..., 0.9 (element or filter granularity, by L1 magnitude), run the
 * model on the same samples and record accuracy (when the samples have labels) or top-1
 * agreement with the dense model (when they do not). The curves show which layers
 * tolerate pruning; proposeTargets turns them into per-layer sparsities for an accuracy budget.
 *
 * Every run happens in one run worker; the pruned models are built in memory and written
 * to a scratch folder only because the worker opens models by path.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EdgescopeError } from '../../../shared/errors';
import { SeededRandom } from '../../../shared/random';
import type { TensorInfo } from '../../../shared/report';
import { pruneLayers } from '../compress/granularity';
import { prunableWeights } from '../compress/prune';
import { generateInputData, resolveInputs } from '../model/inputs';
import type { InputSet, InputSetSample } from '../model/input-set';
import { writeModel, type onnx } from '../model/onnx-io';
import type { OutputTensor } from '../run/messages';
import { RunWorker } from '../run/runner';
import { accuracyOf, compareOutputs, labelsOf, runOnInputSet } from './verify';

export type SensitivityGranularity = 'element' | 'filter';
export const SENSITIVITY_GRANULARITIES: readonly SensitivityGranularity[] = ['element', 'filter'];
export const DEFAULT_SPARSITIES: readonly number[] = [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9];
/** Samples of seeded random input when no input set is given. */
export const DEFAULT_RANDOM_SAMPLES = 256;

export type SensitivityMetric = 'accuracy' | 'top1Agreement';

export interface SensitivityPoint {
  sparsity: number;
  metric: number;
}

export interface LayerSensitivity {
  /** The weight initializer's name (what a recipe or --prune target names). */
  name: string;
  node: string;
  opType: string;
  points: SensitivityPoint[];
}

export interface SensitivityResult {
  metric: SensitivityMetric;
  granularity: SensitivityGranularity;
  /** The dense model's metric (accuracy, or 1 for agreement with itself). */
  baseline: number;
  samples: number;
  /** 'input-set' (with the file's path) or seeded random inputs. */
  inputs: 'input-set' | 'random';
  layers: LayerSensitivity[];
}

export interface SensitivityOptions {
  workerScriptPath?: string;
  granularity: SensitivityGranularity;
  sparsities?: readonly number[];
  /** Real samples; with labels the metric is accuracy. Without: DEFAULT_RANDOM_SAMPLES seeded random samples. */
  inputSet?: InputSet;
  seed?: number;
  ep?: string;
  threads?: number;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number, message: string) => void;
}

export async function analyzeSensitivity(proto: onnx.IModelProto, declared: TensorInfo[], options: SensitivityOptions): Promise<SensitivityResult> {
  if (!SENSITIVITY_GRANULARITIES.includes(options.granularity)) {
    throw new EdgescopeError('E_BAD_REQUEST', `unknown granularity '${options.granularity}' for sensitivity (use ${SENSITIVITY_GRANULARITIES.join(' or ')})`);
  }
  const sparsities = options.sparsities ?? DEFAULT_SPARSITIES;
  for (const s of sparsities) {
    if (!(s >= 0 && s < 1)) throw new EdgescopeError('E_BAD_REQUEST', `sparsity ${s} is outside [0, 1)`);
  }
  const weights = prunableWeights(proto);
  if (weights.length === 0) throw new EdgescopeError('E_MODEL_INVALID', 'the model has no prunable weights (float32 Conv/ConvTranspose/Gemm/MatMul initializers)');
  const inputSet = options.inputSet ?? randomInputSet(declared, DEFAULT_RANDOM_SAMPLES, options.seed ?? 42);
  const labels = labelsOf(inputSet);
  const metric: SensitivityMetric = labels ? 'accuracy' : 'top1Agreement';

  const scratch = await mkdtemp(join(tmpdir(), 'edgescope-sensitivity-'));
  const worker = await RunWorker.start(options.workerScriptPath);
  const onAbort = () => worker.cancel();
  options.signal?.addEventListener('abort', onAbort);
  try {
    const run = async (model: onnx.IModelProto, file: string): Promise<OutputTensor[]> => {
      const path = join(scratch, file);
      await writeModel(path, model);
      try {
        return await runOnInputSet(path, declared, inputSet, { worker, ep: options.ep ?? 'cpu', threads: options.threads ?? 1, scratchDir: scratch });
      } finally {
        await rm(path, { force: true });
      }
    };
    const total = 1 + weights.length * sparsities.filter((s) => s > 0).length;
    let done = 0;
    options.onProgress?.(done, total, 'dense model');
    const dense = await run(proto, 'dense.onnx');
    const classified = dense.find((o) => (o.dims[o.dims.length - 1] ?? 1) > 1);
    if (!classified) throw new EdgescopeError('E_BAD_REQUEST', 'sensitivity needs a classifier: no model output has more than one class in its last dimension');
    const rows = classified.data.length / classified.dims[classified.dims.length - 1];
    if (labels && rows !== labels.length) {
      throw new EdgescopeError('E_BAD_REQUEST', `output '${classified.name}' has ${rows} rows for ${labels.length} labelled samples: labels need one class row per sample`);
    }
    const measure = (outputs: OutputTensor[]): number => {
      if (!labels) return compareOutputs(dense, outputs, 'dense', options.ep ?? 'cpu').top1Agreement;
      return accuracyOf(outputs.find((o) => o.name === classified.name)!, labels);
    };
    const baseline = measure(dense);
    done++;

    const layers: LayerSensitivity[] = [];
    for (const w of weights) {
      const name = w.initializer.name ?? w.nodeName;
      const points: SensitivityPoint[] = [];
      for (const sparsity of sparsities) {
        if (options.signal?.aborted) throw new EdgescopeError('E_CANCELLED', 'sensitivity analysis cancelled');
        // Pruning to 0 changes nothing: the dense model's metric is that point.
        if (sparsity === 0) {
          points.push({ sparsity, metric: baseline });
          continue;
        }
        options.onProgress?.(done, total, `${name} at ${(sparsity * 100).toFixed(0)}%`);
        const pruned = pruneLayers(proto, [{ layer: name, sparsity, granularity: { kind: options.granularity } }]);
        points.push({ sparsity, metric: measure(await run(pruned.model, 'pruned.onnx')) });
        done++;
      }
      layers.push({ name, node: w.nodeName, opType: w.opType, points });
    }
    options.onProgress?.(total, total, 'done');
    return { metric, granularity: options.granularity, baseline, samples: inputSet.samples.length, inputs: options.inputSet ? 'input-set' : 'random', layers };
  } catch (err) {
    if (options.signal?.aborted) throw new EdgescopeError('E_CANCELLED', 'sensitivity analysis cancelled');
    throw err;
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
    await worker.dispose();
    await rm(scratch, { recursive: true, force: true });
  }
}

/** Seeded random samples (float32 inputs only; every dimension but the batch must be fixed). */
export function randomInputSet(declared: TensorInfo[], count: number, seed: number): InputSet {
  const resolved = resolveInputs(declared, { batch: 1, dims: {}, shapes: {}, values: {}, seed });
  for (const r of resolved) {
    if (r.dtype !== 'float32') {
      throw new EdgescopeError('E_BAD_REQUEST', `input '${r.name}' is ${r.dtype}: random sensitivity inputs are float32 only; pass real samples with --data FILE`);
    }
  }
  const rng = new SeededRandom(seed);
  const samples: InputSetSample[] = [];
  for (let s = 0; s < count; s++) {
    samples.push({ feeds: Object.fromEntries(resolved.map((r) => [r.name, { dims: r.dims, data: generateInputData(r, rng) as Float32Array }])) });
  }
  return { samples };
}

export interface LayerTargetProposal {
  name: string;
  /** Largest tested sparsity such that it and every smaller one stay within the budget. */
  sparsity: number;
  metric: number;
}

/**
 * Per-layer targets for a budget: the metric may fall by at most `budget` (absolute, e.g.
 * 0.01 = one point of accuracy) below the dense model's. Conservative on noisy curves: a
 * layer stops at its first tested sparsity that exceeds the budget, even if a higher one
 * happens to be within it.
 */
export function proposeTargets(result: SensitivityResult, budget: number): LayerTargetProposal[] {
  if (!(budget >= 0 && budget <= 1)) throw new EdgescopeError('E_BAD_REQUEST', `budget ${budget} is outside [0, 1]`);
  const floor = result.baseline - budget;
  return result.layers.map((layer) => {
    let best: SensitivityPoint = { sparsity: 0, metric: result.baseline };
    for (const p of [...layer.points].sort((a, b) => a.sparsity - b.sparsity)) {
      // A tiny epsilon: accuracy is a ratio of counts, and 0.97 - 0.01 must admit 0.96.
      if (p.metric < floor - 1e-12) break;
      best = p;
    }
    return { name: layer.name, sparsity: best.sparsity, metric: best.metric };
  });
}

/** Long-format CSV: one row per layer and sparsity. */
export function sensitivityCsv(result: SensitivityResult): string {
  const lines = [`layer,sparsity,${result.metric}`];
  for (const layer of result.layers) {
    for (const p of layer.points) lines.push(`${csvField(layer.name)},${p.sparsity},${p.metric}`);
  }
  return `${lines.join('\n')}\n`;
}

function csvField(text: string): string {
  return /[",\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** d3's schemeCategory10: distinct, colour-blind-tolerable line colours. */
const PALETTE = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/**
 * A standalone SVG line chart: metric (y, 0..1) against sparsity (x), one line per layer,
 * with a legend. Built as a string so it renders without a DOM, in any viewer.
 */
export function sensitivitySvg(result: SensitivityResult): string {
  const width = 720;
  const legendRows = result.layers.length;
  const plot = { left: 60, top: 40, width: 460, height: 300 };
  const height = Math.max(plot.top + plot.height + 60, plot.top + 20 * legendRows + 20);
  const maxSparsity = Math.max(0.9, ...result.layers.flatMap((l) => l.points.map((p) => p.sparsity)));
  const x = (s: number) => plot.left + (s / maxSparsity) * plot.width;
  const y = (m: number) => plot.top + (1 - Math.min(1, Math.max(0, m))) * plot.height;
  const f = (v: number) => v.toFixed(1);
  const metricLabel = result.metric === 'accuracy' ? 'accuracy' : 'top-1 agreement with dense';
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="#fff"/>`,
    `<text x="${plot.left}" y="20" font-size="14" font-weight="bold">Pruning sensitivity (${result.granularity}, ${escapeXml(metricLabel)}, ${result.samples} samples)</text>`,
  ];
  for (let i = 0; i <= 10; i++) {
    const m = i / 10;
    parts.push(`<line x1="${plot.left}" x2="${plot.left + plot.width}" y1="${f(y(m))}" y2="${f(y(m))}" stroke="#e5e5e5"/>`);
    parts.push(`<text x="${plot.left - 6}" y="${f(y(m) + 4)}" text-anchor="end">${m.toFixed(1)}</text>`);
  }
  for (let tick = 0; tick <= Math.round(maxSparsity * 10); tick++) {
    const s = tick / 10;
    parts.push(`<line x1="${f(x(s))}" x2="${f(x(s))}" y1="${plot.top + plot.height}" y2="${plot.top + plot.height + 4}" stroke="#333"/>`);
    parts.push(`<text x="${f(x(s))}" y="${plot.top + plot.height + 18}" text-anchor="middle">${Math.round(s * 100)}%</text>`);
  }
  parts.push(`<rect x="${plot.left}" y="${plot.top}" width="${plot.width}" height="${plot.height}" fill="none" stroke="#333"/>`);
  parts.push(`<text x="${plot.left + plot.width / 2}" y="${plot.top + plot.height + 38}" text-anchor="middle">sparsity of the layer</text>`);
  parts.push(`<text transform="translate(16 ${plot.top + plot.height / 2}) rotate(-90)" text-anchor="middle">${escapeXml(metricLabel)}</text>`);
  result.layers.forEach((layer, i) => {
    const color = PALETTE[i % PALETTE.length];
    const points = [...layer.points].sort((a, b) => a.sparsity - b.sparsity);
    parts.push(`<polyline fill="none" stroke="${color}" stroke-width="2" points="${points.map((p) => `${f(x(p.sparsity))},${f(y(p.metric))}`).join(' ')}"/>`);
    for (const p of points) parts.push(`<circle cx="${f(x(p.sparsity))}" cy="${f(y(p.metric))}" r="3" fill="${color}"><title>${escapeXml(layer.name)} ${Math.round(p.sparsity * 100)}%: ${p.metric.toFixed(4)}</title></circle>`);
    const ly = plot.top + 10 + 20 * i;
    parts.push(`<line x1="${plot.left + plot.width + 20}" x2="${plot.left + plot.width + 40}" y1="${ly}" y2="${ly}" stroke="${color}" stroke-width="2"/>`);
    parts.push(`<text x="${plot.left + plot.width + 46}" y="${ly + 4}">${escapeXml(layer.name)}</text>`);
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}
