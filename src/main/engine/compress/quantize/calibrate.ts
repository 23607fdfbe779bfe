/**
 * Min-max calibration: run the float model on each calibration sample in the run worker
 * (never in this process: ORT's run() blocks the thread) with the chosen intermediate
 * tensors exposed as extra graph outputs, and keep each tensor's smallest and largest value.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EdgescopeError } from '../../../../shared/errors';
import { DataType, elementCount, onnx, writeModel } from '../../model/onnx-io';
import type { RunWorker } from '../../run/runner';
import { oneShotSpec } from '../../run/one-shot';

/** One calibration sample: input name -> float32 tensor. */
export type CalibrationFeed = Record<string, { dims: number[]; data: Float32Array }>;

export interface TensorRange {
  min: number;
  max: number;
}

/** The graph inputs a feed must fill (initializers listed as inputs are not among them). */
function feedInputs(proto: onnx.IModelProto): string[] {
  const inits = new Set((proto.graph?.initializer ?? []).map((t) => t.name ?? ''));
  return (proto.graph?.input ?? []).map((v) => v.name ?? '').filter((name) => !inits.has(name));
}

export function checkCalibrationFeeds(proto: onnx.IModelProto, feeds: CalibrationFeed[]): void {
  const names = feedInputs(proto);
  feeds.forEach((feed, i) => {
    for (const name of names) {
      const t = feed[name];
      if (!t) throw new EdgescopeError('E_BAD_REQUEST', `calibration sample ${i} has no tensor for input '${name}'`);
      if (!(t.data instanceof Float32Array) || t.data.length !== elementCount(t.dims)) {
        throw new EdgescopeError('E_BAD_REQUEST', `calibration sample ${i}, input '${name}': ${t.data?.length ?? 0} float32 values do not fill shape [${t.dims.join(', ')}]`);
      }
    }
    for (const name of Object.keys(feed)) {
      if (!names.includes(name)) throw new EdgescopeError('E_BAD_REQUEST', `calibration sample ${i} names '${name}', which is not a model input (inputs: ${names.join(', ')})`);
    }
  });
}

/** The model with `tensors` added as float outputs (type only: their shapes need not be known). */
function withOutputs(proto: onnx.IModelProto, tensors: string[]): onnx.ModelProto {
  const existing = new Set((proto.graph?.output ?? []).map((v) => v.name ?? ''));
  const added = tensors.filter((t) => !existing.has(t)).map((name) => ({ name, type: { tensorType: { elemType: DataType.FLOAT } } }));
  return onnx.ModelProto.create({ ...proto, graph: { ...proto.graph, output: [...(proto.graph?.output ?? []), ...added] } });
}

export async function calibrateRanges(
  proto: onnx.IModelProto,
  tensors: string[],
  feeds: CalibrationFeed[],
  worker: RunWorker,
): Promise<Map<string, TensorRange>> {
  const ranges = new Map<string, TensorRange>(tensors.map((t) => [t, { min: Infinity, max: -Infinity }]));
  const dir = mkdtempSync(join(tmpdir(), 'edgescope-calibrate-'));
  try {
    const modelPath = join(dir, 'calibration.onnx');
    await writeModel(modelPath, withOutputs(proto, tensors));
    for (const feed of feeds) {
      const inputs = Object.entries(feed).map(([name, t]) => ({ name, dtype: 'float32', dims: t.dims }));
      const result = await worker.run(oneShotSpec({ modelPath, inputs, feeds: feed, profileDir: dir, graphOptimizationLevel: 'basic' }));
      for (const out of result.outputs ?? []) {
        const range = ranges.get(out.name);
        if (!range) continue;
        const data = out.data;
        for (let i = 0; i < data.length; i++) {
          if (data[i] < range.min) range.min = data[i];
          if (data[i] > range.max) range.max = data[i];
        }
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  for (const [name, r] of ranges) {
    if (!Number.isFinite(r.min) || !Number.isFinite(r.max)) {
      throw new EdgescopeError('E_RUN_FAILED', `calibration produced no finite values for tensor '${name}'`);
    }
  }
  return ranges;
}
