/**
 * Input sets: real samples (and optional class labels) for verification, sensitivity and
 * calibration, read from a JSON file (format: docs/verification.md):
 *
 *   {"inputs": {"<input name>": [[...sample 0, flat...], [...sample 1...], ...], ...},
 *    "labels": [3, 7, ...],                       optional: one class index per sample
 *    "shapes": {"<input name>": [1, 3, 224, 224]}} optional: one sample's shape per input
 *
 * or, for a model with one input, {"inputs": [[...], ...]}. A sample is one batch item: its
 * shape is the declared shape with the leading symbolic (batch) dimension set to 1, unless
 * "shapes" gives it (needed when another dimension is symbolic). Everything is checked
 * against the model's declared inputs; a mismatch is one error naming the sample and input.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { EdgescopeError } from '../../../shared/errors';
import type { TensorInfo } from '../../../shared/report';
import { formatShape } from './inputs';

export interface InputSetTensor {
  dims: number[];
  data: Float32Array;
}

export interface InputSetSample {
  feeds: Record<string, InputSetTensor>;
  label?: number;
}

export interface InputSet {
  samples: InputSetSample[];
}

function bad(where: string, message: string): EdgescopeError {
  return new EdgescopeError('E_BAD_REQUEST', `input set ${where}: ${message}`);
}

export function readInputSet(path: string, declared: TensorInfo[]): InputSet {
  if (!existsSync(path) || !statSync(path).isFile()) throw new EdgescopeError('E_BAD_REQUEST', `input set file not found: ${path}`);
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw bad(path, `not valid JSON (${err instanceof Error ? err.message : String(err)})`);
  }
  return parseInputSet(json, declared, path);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Validate an already-parsed input set; `where` names it in errors (usually the file path). */
export function parseInputSet(json: unknown, declared: TensorInfo[], where: string): InputSet {
  if (!isRecord(json)) throw bad(where, 'expected a JSON object with "inputs" (and optionally "labels", "shapes")');
  for (const key of Object.keys(json)) {
    if (!['inputs', 'labels', 'shapes'].includes(key)) throw bad(where, `unknown field "${key}" (fields: inputs, labels, shapes)`);
  }
  const byName = namedInputs(json.inputs, declared, where);
  const shapes = json.shapes === undefined ? {} : json.shapes;
  if (!isRecord(shapes)) throw bad(where, '"shapes" must be an object {"<input>": [dims...]}');
  for (const name of Object.keys(shapes)) {
    if (!declared.some((d) => d.name === name)) throw bad(where, `"shapes" names '${name}', which is not an input of the model (inputs: ${declared.map((d) => d.name).join(', ')})`);
  }

  const counts = declared.map((d) => byName[d.name].length);
  const count = counts[0];
  declared.forEach((d, i) => {
    if (counts[i] !== count) throw bad(where, `input '${d.name}' has ${counts[i]} samples but '${declared[0].name}' has ${count}`);
  });
  if (count === 0) throw bad(where, 'it has no samples');

  const labels = parseLabels(json.labels, count, where);
  const sampleDims = Object.fromEntries(declared.map((d) => [d.name, sampleShape(d, shapes[d.name], where)]));
  const samples: InputSetSample[] = [];
  for (let s = 0; s < count; s++) {
    const feeds: Record<string, InputSetTensor> = {};
    for (const d of declared) {
      const dims = sampleDims[d.name];
      feeds[d.name] = { dims, data: sampleData(byName[d.name][s], dims, s, d.name, where) };
    }
    samples.push(labels ? { feeds, label: labels[s] } : { feeds });
  }
  return { samples };
}

/** "inputs" as {name: samples[]}, checked against the model's inputs (names and dtype). */
function namedInputs(inputs: unknown, declared: TensorInfo[], where: string): Record<string, unknown[]> {
  let byName: Record<string, unknown>;
  if (Array.isArray(inputs)) {
    if (declared.length !== 1) {
      throw bad(where, `"inputs" is a bare list of samples, but the model has ${declared.length} inputs: name them ({"inputs": {"${declared[0]?.name ?? 'x'}": [...]}})`);
    }
    byName = { [declared[0].name]: inputs };
  } else if (isRecord(inputs)) {
    byName = inputs;
  } else {
    throw bad(where, '"inputs" is missing: expected {"<input name>": [[...sample values...], ...]}');
  }
  for (const name of Object.keys(byName)) {
    if (!declared.some((d) => d.name === name)) throw bad(where, `the model has no input named '${name}' (inputs: ${declared.map((d) => d.name).join(', ')})`);
  }
  for (const d of declared) {
    if (!(d.name in byName)) throw bad(where, `no samples for the model's input '${d.name}'`);
    if (!Array.isArray(byName[d.name])) throw bad(where, `input '${d.name}' must be a list of samples (each a flat list of numbers)`);
    if (d.dtype !== 'float32') throw bad(where, `input '${d.name}' is ${d.dtype}; input sets hold float32 inputs only`);
  }
  return byName as Record<string, unknown[]>;
}

function parseLabels(labels: unknown, count: number, where: string): number[] | undefined {
  if (labels === undefined) return undefined;
  if (!Array.isArray(labels)) throw bad(where, '"labels" must be a list of class indices, one per sample');
  if (labels.length !== count) throw bad(where, `${labels.length} labels for ${count} samples`);
  labels.forEach((l, i) => {
    if (typeof l !== 'number' || !Number.isInteger(l) || l < 0) throw bad(where, `label of sample ${i} is ${JSON.stringify(l)}, not a class index (an integer >= 0)`);
  });
  return labels as number[];
}

/** One sample's dims: "shapes" if given (checked against fixed dims), else the declared shape with a symbolic leading dim of 1. */
function sampleShape(input: TensorInfo, given: unknown, where: string): number[] {
  if (given !== undefined) {
    if (!Array.isArray(given) || !given.every((d) => Number.isInteger(d) && d > 0)) throw bad(where, `"shapes" of '${input.name}' must be a list of positive integers`);
    const dims = given as number[];
    if (dims.length !== input.shape.length) {
      throw bad(where, `"shapes" of '${input.name}' has ${dims.length} dimensions but the model declares ${input.shape.length} (${formatShape(input.shape)})`);
    }
    dims.forEach((d, i) => {
      const fixed = input.shape[i];
      if (typeof fixed === 'number' && fixed !== d) throw bad(where, `"shapes" of '${input.name}': dimension ${i} is fixed to ${fixed} in the model, got ${d}`);
    });
    return [...dims];
  }
  return input.shape.map((d, i) => {
    if (typeof d === 'number') return d;
    if (i === 0) return 1;
    throw bad(where, `input '${input.name}' has a symbolic dimension at index ${i} of ${formatShape(input.shape)}: give one sample's shape in "shapes": {"${input.name}": [...]}`);
  });
}

function sampleData(values: unknown, dims: number[], sample: number, input: string, where: string): Float32Array {
  const expected = dims.reduce((a, b) => a * b, 1);
  if (!Array.isArray(values)) throw bad(where, `sample ${sample} of input '${input}' is not a flat list of numbers`);
  if (values.length !== expected) {
    throw bad(where, `sample ${sample} of input '${input}' has ${values.length} values, expected ${expected} (one sample of shape ${formatShape(dims)})`);
  }
  const data = new Float32Array(expected);
  for (let i = 0; i < expected; i++) {
    const v = values[i];
    if (typeof v !== 'number' || !Number.isFinite(v)) throw bad(where, `sample ${sample} of input '${input}': value ${i} is ${JSON.stringify(v)}, not a finite number`);
    data[i] = v;
  }
  return data;
}

/** Whether samples can be stacked into one batch: every input's leading dimension is symbolic. */
export function canBatch(declared: TensorInfo[]): boolean {
  return declared.every((d) => d.shape.length > 0 && typeof d.shape[0] !== 'number');
}

/**
 * Samples concatenated along the leading dimension, per input: one feed for a batched run.
 * Samples must have the same per-sample shapes (they do when read by readInputSet).
 */
export function stackSamples(samples: InputSetSample[]): Record<string, InputSetTensor> {
  const feeds: Record<string, InputSetTensor> = {};
  for (const name of Object.keys(samples[0].feeds)) {
    const first = samples[0].feeds[name];
    const size = first.data.length;
    const data = new Float32Array(size * samples.length);
    samples.forEach((s, i) => data.set(s.feeds[name].data, i * size));
    feeds[name] = { dims: [first.dims[0] * samples.length, ...first.dims.slice(1)], data };
  }
  return feeds;
}
