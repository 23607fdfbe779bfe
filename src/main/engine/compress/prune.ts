/**
 * Unstructured magnitude pruning (Han et al., 2015): in each prunable weight, the
 * elements of smallest |w| are set to zero until the target sparsity is reached.
 *
 * Exactness: for a target s over n weights exactly round(s * n) elements are zero
 * afterwards (existing zeros count, as they have the smallest magnitude), and every
 * zeroed element's magnitude is <= every kept element's. Ties at the threshold are
 * broken by index order, so the result is deterministic.
 *
 * Scope: the weight (input 1) of Conv, ConvTranspose, Gemm and MatMul nodes when it is
 * a float32 initializer with at least 2 dimensions. Biases and normalizations are kept.
 */
import { EdgescopeError } from '../../../shared/errors';
import type { LayerSparsity } from '../../../shared/report';
import { elementCount, floatValues, onnx, tensorDims, DataType } from '../model/onnx-io';
import { smallestMagnitudes } from './select';

export const PRUNABLE_OPS = new Set(['Conv', 'ConvTranspose', 'Gemm', 'MatMul']);
/**
 * Recurrent layers whose gate weights magnitude pruning also covers (W: input 1, R: input 2), for the
 * profile's pruned variants, which the hybrid executor can run sparse. The structured granularities,
 * thinning, quantization and the layer views work on the ops above only.
 */
export const RECURRENT_PRUNABLE_OPS = new Set(['LSTM']);

export interface PrunableWeight {
  initializer: onnx.ITensorProto;
  nodeName: string;
  opType: string;
}

/** `recurrent`: also the gate weights W and R of RECURRENT_PRUNABLE_OPS. */
export function prunableWeights(proto: onnx.IModelProto, options: { recurrent?: boolean } = {}): PrunableWeight[] {
  const inits = new Map((proto.graph?.initializer ?? []).map((t) => [t.name ?? '', t]));
  const seen = new Set<string>();
  const out: PrunableWeight[] = [];
  for (const n of proto.graph?.node ?? []) {
    if (n.domain && n.domain !== 'ai.onnx') continue;
    const opType = n.opType ?? '';
    const weightInputs = PRUNABLE_OPS.has(opType) ? [1] : options.recurrent && RECURRENT_PRUNABLE_OPS.has(opType) ? [1, 2] : [];
    for (const input of weightInputs) {
      const weightName = n.input?.[input];
      const t = weightName ? inits.get(weightName) : undefined;
      if (!t || t.dataType !== DataType.FLOAT || tensorDims(t).length < 2 || seen.has(weightName!)) continue;
      seen.add(weightName!);
      out.push({ initializer: t, nodeName: n.name || n.output?.[0] || weightName!, opType });
    }
  }
  return out;
}

function layerSparsity(w: PrunableWeight, targetSparsity: number): LayerSparsity {
  const v = floatValues(w.initializer);
  let zeros = 0;
  for (let j = 0; j < v.length; j++) if (v[j] === 0) zeros++;
  return {
    initializer: w.initializer.name ?? '',
    node: w.nodeName,
    opType: w.opType,
    elementCount: elementCount(tensorDims(w.initializer)),
    zeros,
    sparsity: v.length > 0 ? zeros / v.length : 0,
    targetSparsity,
  };
}

/** Sparsity of every prunable layer as the model stands (no pruning). */
export function prunableLayerSparsity(proto: onnx.IModelProto): LayerSparsity[] {
  return prunableWeights(proto).map((w) => layerSparsity(w, 0));
}

export interface PruneOptions {
  /** One sparsity for every prunable layer (per layer, unless `global`). */
  sparsity?: number;
  /** Per-layer targets by initializer or node name; override `sparsity`. */
  perLayer?: Record<string, number>;
  /** One magnitude threshold across all layers instead of the same sparsity in each. */
  global?: boolean;
}

export interface PruneResult {
  model: onnx.ModelProto;
  layers: LayerSparsity[];
  /** Achieved sparsity over all prunable weights. */
  sparsity: number;
}

function checkSparsity(s: number, what: string): void {
  if (!(s >= 0 && s < 1)) throw new EdgescopeError('E_BAD_REQUEST', `sparsity ${s} for ${what} is outside [0, 1)`);
}

/** Zero the `count` smallest magnitudes of `w` in place (ties by index order). */
export function zeroSmallest(w: Float32Array, count: number): void {
  zeroSmallestAcross([w], count);
}

/**
 * Zero the `count` smallest magnitudes over all arrays together, in place: one threshold
 * for all of them; ties at the threshold go in array order, then index order.
 */
function zeroSmallestAcross(arrays: Float32Array[], count: number): void {
  const total = arrays.reduce((s, v) => s + v.length, 0);
  if (count <= 0) return;
  if (count >= total) {
    for (const v of arrays) v.fill(0);
    return;
  }
  const { thresholdBits, below } = smallestMagnitudes(arrays, count);
  let ties = count - below;
  for (const v of arrays) {
    const bits = new Uint32Array(v.buffer, v.byteOffset, v.length);
    for (let i = 0; i < bits.length; i++) {
      const m = bits[i] & 0x7fffffff;
      if (m < thresholdBits) v[i] = 0;
      else if (m === thresholdBits && ties > 0) {
        v[i] = 0;
        ties--;
      }
    }
  }
}

function copyModel(proto: onnx.IModelProto): onnx.ModelProto {
  // Shallow copies down to the initializer list; tensors we prune get new data buffers.
  const graph = { ...proto.graph, initializer: (proto.graph?.initializer ?? []).map((t) => ({ ...t })) };
  return onnx.ModelProto.create({ ...proto, graph });
}

export function pruneModel(proto: onnx.IModelProto, options: PruneOptions): PruneResult {
  const model = copyModel(proto);
  const weights = prunableWeights(model, { recurrent: true });
  if (weights.length === 0) {
    throw new EdgescopeError('E_MODEL_INVALID', 'the model has no prunable weights (float32 Conv/ConvTranspose/Gemm/MatMul/LSTM initializers)');
  }
  const base = options.sparsity ?? 0;
  checkSparsity(base, 'the model');
  const perLayer = options.perLayer ?? {};
  for (const [name, s] of Object.entries(perLayer)) {
    checkSparsity(s, name);
    if (!weights.some((w) => w.initializer.name === name || w.nodeName === name)) {
      throw new EdgescopeError('E_BAD_REQUEST', `no prunable layer named '${name}' (layers: ${weights.map((w) => w.initializer.name).join(', ')})`);
    }
  }
  const targetOf = (w: PrunableWeight) => perLayer[w.initializer.name ?? ''] ?? perLayer[w.nodeName] ?? base;

  const values = weights.map((w) => Float32Array.from(floatValues(w.initializer)));
  if (options.global && Object.keys(perLayer).length === 0) {
    // One threshold over all layers: exactly round(s * total) zeros in all.
    zeroSmallestAcross(values, Math.round(base * values.reduce((s, v) => s + v.length, 0)));
  } else {
    weights.forEach((w, i) => zeroSmallest(values[i], Math.round(targetOf(w) * values[i].length)));
  }

  weights.forEach((w, i) => {
    w.initializer.rawData = new Uint8Array(values[i].buffer);
    w.initializer.floatData = [];
  });
  const layers = weights.map((w) => layerSparsity(w, targetOf(w)));
  const total = layers.reduce((s, l) => s + l.elementCount, 0);
  const zeros = layers.reduce((s, l) => s + l.zeros, 0);
  return { model, layers, sparsity: total > 0 ? zeros / total : 0 };
}
