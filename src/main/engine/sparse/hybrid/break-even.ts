/**
 * Timing one layer both ways at the run's batch, for the policy: ORT dense on a one-node
 * model with the layer's (pruned, dense-stored) weights against the sparse kernel, on the
 * layer's real input activations and the same thread count. Worker-only (both block).
 */
import * as ort from 'onnxruntime-node';
import { buildModel, floatTensor, node, valueInfo } from '../../model/graph-builder';
import { encodeModel } from '../../model/onnx-io';
import { median } from '../../analysis/stats';
import type { SparseKernels, SparseMatrix } from '../types';
import { sessionOptions, type SessionSettings } from './executor';
import type { LayerTiming } from './policy';
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

/** The layer as ORT would run it dense: Gemm with the output-major weights (transB) and bias. */
function denseLayerModel(layer: SparseLayer): Uint8Array {
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

/** `x`: the layer's input as product rows, [batch x cols]. */
export async function timeLayer(
  layer: SparseLayer,
  matrix: SparseMatrix,
  kernels: SparseKernels,
  x: Float32Array,
  batch: number,
  settings: Pick<SessionSettings, 'ep' | 'threads' | 'graphOptimizationLevel'>,
): Promise<LayerTiming> {
  const session = await ort.InferenceSession.create(denseLayerModel(layer), sessionOptions(settings));
  try {
    const feeds = { x: new ort.Tensor('float32', x, [batch, layer.cols]) };
    const denseUs = await timeRepeated(() => session.run(feeds));
    const out = new Float32Array(batch * layer.rows);
    const options = { threads: settings.threads, ...(layer.bias ? { bias: layer.bias } : {}) };
    const sparseUs = await timeRepeated(() => kernels.multiply(matrix, x, batch, out, options));
    return { denseUs, sparseUs };
  } finally {
    await session.release();
  }
}
