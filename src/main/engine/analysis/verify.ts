/**
 * How far a variant's outputs are from the baseline's on the same inputs, and, given
 * class labels, how accurate each is.
 *
 * Classification metrics treat the last dimension as classes and every other index as a
 * row (one per batch item): top-1 agreement (same arg-max), top-5 agreement (the
 * baseline's arg-max is among the candidate's 5 highest scores; with fewer than 5
 * classes, among all of them), accuracy (arg-max equals the label).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TensorInfo, Verification } from '../../../shared/report';
import { canBatch, stackSamples, type InputSet } from '../model/input-set';
import type { OutputTensor } from '../run/messages';
import { RunWorker } from '../run/runner';
import { oneShotSpec } from '../run/one-shot';

export const TOP_K = 5;

export interface CompareOptions {
  /** Class index per row of the classified output: adds baselineAccuracy and candidateAccuracy. */
  labels?: readonly number[];
  /** Where the inputs came from (default: seeded random inputs). */
  inputs?: Verification['inputs'];
  /** The input-set file, when `inputs` is 'input-set'. */
  dataPath?: string;
}

export function compareOutputs(
  baseline: OutputTensor[],
  candidate: OutputTensor[],
  baselineId: string,
  ep: string,
  options: CompareOptions = {},
): Verification {
  let maxAbs = 0;
  let sumAbs = 0;
  let count = 0;
  let dot = 0;
  let normA = 0;
  let normB = 0;
  let rows = 0;
  let agree1 = 0;
  let agreeK = 0;
  let accuracy: { baseline: number; candidate: number } | undefined;
  const compared: string[] = [];
  for (const a of baseline) {
    const b = candidate.find((c) => c.name === a.name);
    if (!b || b.data.length !== a.data.length) continue;
    compared.push(a.name);
    for (let i = 0; i < a.data.length; i++) {
      const d = Math.abs(a.data[i] - b.data[i]);
      if (d > maxAbs || Number.isNaN(d)) maxAbs = Number.isNaN(d) ? Infinity : d;
      sumAbs += d;
      dot += a.data[i] * b.data[i];
      normA += a.data[i] ** 2;
      normB += b.data[i] ** 2;
    }
    count += a.data.length;
    const classes = a.dims[a.dims.length - 1] ?? 1;
    if (classes <= 1) continue;
    const k = Math.min(TOP_K, classes);
    const labels = options.labels && !accuracy && a.data.length / classes === options.labels.length ? options.labels : undefined;
    let right = { baseline: 0, candidate: 0 };
    for (let r = 0; r + classes <= a.data.length; r += classes) {
      const top = argmax(a.data, r, classes);
      const candidateTop = argmax(b.data, r, classes);
      rows++;
      if (top === candidateTop) agree1++;
      if (rankOf(b.data, r, classes, top) < k) agreeK++;
      if (labels) {
        const label = labels[r / classes];
        right = { baseline: right.baseline + (top === label ? 1 : 0), candidate: right.candidate + (candidateTop === label ? 1 : 0) };
      }
    }
    // Accuracy is over the first classified output whose rows match the labels.
    if (labels) accuracy = { baseline: right.baseline / labels.length, candidate: right.candidate / labels.length };
  }
  const cosine = normA > 0 && normB > 0 ? dot / Math.sqrt(normA * normB) : normA === normB ? 1 : 0;
  return {
    baseline: baselineId,
    ep,
    maxAbsError: maxAbs,
    meanAbsError: count > 0 ? sumAbs / count : 0,
    cosine,
    top1Agreement: rows > 0 ? agree1 / rows : 1,
    top5Agreement: rows > 0 ? agreeK / rows : 1,
    comparedOutputs: compared,
    samples: rows,
    inputs: options.inputs ?? 'random',
    ...(options.dataPath ? { dataPath: options.dataPath } : {}),
    ...(accuracy ? { baselineAccuracy: accuracy.baseline, candidateAccuracy: accuracy.candidate } : {}),
  };
}

export function argmax(data: ArrayLike<number>, offset: number, length: number): number {
  let best = 0;
  for (let i = 1; i < length; i++) if (data[offset + i] > data[offset + best]) best = i;
  return best;
}

/** How many classes score strictly higher than `cls` in this row (0: it is the top; ties favour it). */
function rankOf(data: ArrayLike<number>, offset: number, length: number, cls: number): number {
  const score = data[offset + cls];
  let higher = 0;
  for (let i = 0; i < length; i++) if (data[offset + i] > score) higher++;
  return higher;
}

/** Fraction of rows of a classified output whose arg-max equals the label. */
export function accuracyOf(output: OutputTensor, labels: readonly number[]): number {
  const classes = output.dims[output.dims.length - 1] ?? 1;
  let right = 0;
  labels.forEach((label, row) => {
    if (argmax(output.data, row * classes, classes) === label) right++;
  });
  return labels.length > 0 ? right / labels.length : 0;
}

/** Concatenate per-batch outputs along the leading dimension (same output names, same trailing dims). */
export function concatOutputs(batches: OutputTensor[][]): OutputTensor[] {
  if (batches.length === 1) return batches[0];
  return batches[0].map((first) => {
    const parts = batches.map((b) => b.find((o) => o.name === first.name)!);
    const data = new Float64Array(parts.reduce((n, p) => n + p.data.length, 0));
    let offset = 0;
    for (const p of parts) {
      data.set(p.data, offset);
      offset += p.data.length;
    }
    return { ...first, dims: [parts.reduce((n, p) => n + (p.dims[0] ?? 1), 0), ...first.dims.slice(1)], data };
  });
}

export interface InputSetRunOptions {
  worker: RunWorker;
  ep: string;
  threads: number;
  /** Folder for the (unused) profile output of the run spec; a temporary one when absent. */
  scratchDir?: string;
  /** Input values per batched run at most (default MAX_BATCH_VALUES). */
  maxBatchValues?: number;
}

/**
 * A model's outputs on every sample of an input set, run in the run worker: samples stacked
 * into batches (up to MAX_BATCH_VALUES input values each) when every input's leading
 * dimension is symbolic, else one run per sample.
 */
export async function runOnInputSet(modelPath: string, declared: TensorInfo[], set: InputSet, options: InputSetRunOptions): Promise<OutputTensor[]> {
  const scratch = options.scratchDir ?? (await mkdtemp(join(tmpdir(), 'edgescope-verify-')));
  try {
    const batches = canBatch(declared) ? chunks(set.samples, options.maxBatchValues ?? MAX_BATCH_VALUES) : set.samples.map((s) => [s]);
    const outputs: OutputTensor[][] = [];
    for (const batch of batches) {
      const feeds = stackSamples(batch);
      const inputs = declared.map((d) => ({ name: d.name, dtype: d.dtype, dims: feeds[d.name].dims }));
      const result = await options.worker.run(oneShotSpec({ modelPath, ep: options.ep, threads: options.threads, inputs, feeds, profileDir: scratch }));
      outputs.push(result.outputs ?? []);
    }
    return concatOutputs(outputs);
  } finally {
    if (!options.scratchDir) await rm(scratch, { recursive: true, force: true });
  }
}

/** Input values per batched run at most (64 MB of float32): bounds the worker's memory on large sets. */
export const MAX_BATCH_VALUES = 16 * 1024 * 1024;

/** Consecutive samples grouped so that each group's input values stay under MAX_BATCH_VALUES. */
function chunks(samples: InputSet['samples'], maxValues: number): InputSet['samples'][] {
  const perSample = Object.values(samples[0].feeds).reduce((n, t) => n + t.data.length, 0);
  const size = Math.max(1, Math.floor(maxValues / Math.max(1, perSample)));
  const out: InputSet['samples'][] = [];
  for (let i = 0; i < samples.length; i += size) out.push(samples.slice(i, i + size));
  return out;
}

export function labelsOf(set: InputSet): number[] | undefined {
  return set.samples.every((s) => s.label !== undefined) ? set.samples.map((s) => s.label!) : undefined;
}

export interface InputSetVerification {
  workerScriptPath: string;
  baseline: { id: string; modelPath: string };
  candidates: { id: string; modelPath: string }[];
  declared: TensorInfo[];
  set: InputSet;
  dataPath: string;
  ep: string;
  threads: number;
  signal?: AbortSignal;
}

/** Verify each candidate against the baseline on an input set, every run in one run worker. */
export async function verifyOnInputSet(job: InputSetVerification): Promise<Map<string, Verification>> {
  const worker = await RunWorker.start(job.workerScriptPath);
  const cancel = () => worker.cancel();
  job.signal?.addEventListener('abort', cancel);
  try {
    const options = { worker, ep: job.ep, threads: job.threads };
    const baseline = await runOnInputSet(job.baseline.modelPath, job.declared, job.set, options);
    const labels = labelsOf(job.set);
    const results = new Map<string, Verification>();
    for (const c of job.candidates) {
      const outputs = await runOnInputSet(c.modelPath, job.declared, job.set, options);
      results.set(c.id, compareOutputs(baseline, outputs, job.baseline.id, job.ep, { labels, inputs: 'input-set', dataPath: job.dataPath }));
    }
    return results;
  } finally {
    job.signal?.removeEventListener('abort', cancel);
    await worker.dispose();
  }
}
