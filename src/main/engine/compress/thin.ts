/**
 * Thinning (Distiller's "network thinning"): after structured pruning, physically remove
 * the pruned filters / output features of a layer and the matching input channels of the
 * layer it feeds, so the smaller dense model computes what the masked model computed.
 *
 * Chains handled: P -> [channel-wise ops] -> C, where P and C are Conv (group 1), Gemm or
 * 2-D MatMul with initializer weights, and the ops between them act on each channel alone:
 * BatchNormalization, a per-channel bias Add, elementwise activations, MaxPool, unpadded
 * AveragePool, Dropout, Identity. A conv must feed a conv and a fully connected layer a fully
 * connected layer (a Flatten or Reshape between them moves channels around: refused).
 *
 * Channel ch of P can go when
 * - C's weights for input ch are all zero (channel pruning of C: C ignores it), or
 * - P's weights for output ch are all zero (filter / row pruning of P): the channel is then
 *   a constant v (P's bias through the chain). v = 0 removes cleanly; v != 0 is folded into
 *   C's bias (sum of C's weights on ch times v), which is exact for Gemm, for MatMul followed
 *   by a bias Add, and for an unpadded Conv. A padded Conv sees zeros at the border, not v,
 *   so such channels stay (said in the reason).
 * Anything else is refused per layer with the reason: a tensor with several consumers
 * (residual Add, Concat, a branch), a graph output, grouped or depthwise convs, shared
 * initializers, non-initializer weights or parameters.
 */
import { EdgescopeError } from '../../../shared/errors';
import { floatTensor } from '../model/graph-builder';
import { DataType, floatValues, onnx, tensorDims, toNumber } from '../model/onnx-io';
import { forEachElement, weightLayout, type WeightLayout } from './granularity';
import { prunableWeights } from './prune';

export interface ThinLayer {
  /** The producing layer's weight initializer. */
  layer: string;
  /** Output channels / features removed and kept. */
  removed: number;
  kept: number;
  /** Why nothing (or not every pruned structure) was removed. */
  reason?: string;
}

export interface ThinResult {
  model: onnx.ModelProto;
  layers: ThinLayer[];
}

const LAYER_OPS = new Set(['Conv', 'Gemm', 'MatMul']);
const ACTIVATIONS = new Set(['Relu', 'LeakyRelu', 'Sigmoid', 'Tanh', 'Clip', 'Elu', 'Selu', 'HardSigmoid', 'Softplus', 'Dropout', 'Identity']);

/** Why a chain cannot be thinned; caught per layer and reported. */
class Unsafe extends Error {}

type Graph = {
  nodes: onnx.INodeProto[];
  inits: Map<string, onnx.ITensorProto>;
  consumers: Map<string, onnx.INodeProto[]>;
  outputs: Set<string>;
};

function indexGraph(model: onnx.ModelProto): Graph {
  const nodes = model.graph?.node ?? [];
  const consumers = new Map<string, onnx.INodeProto[]>();
  for (const n of nodes) for (const i of n.input ?? []) if (i) consumers.set(i, [...(consumers.get(i) ?? []), n]);
  return {
    nodes,
    inits: new Map((model.graph?.initializer ?? []).map((t) => [t.name ?? '', t])),
    consumers,
    outputs: new Set((model.graph?.output ?? []).map((o) => o.name ?? '')),
  };
}

function attr(n: onnx.INodeProto, name: string): onnx.IAttributeProto | undefined {
  return (n.attribute ?? []).find((a) => a.name === name);
}

function intAttr(n: onnx.INodeProto, name: string, fallback: number): number {
  const a = attr(n, name);
  return a ? toNumber(a.i as number) : fallback;
}

function floatAttr(n: onnx.INodeProto, name: string, fallback: number): number {
  const a = attr(n, name);
  return a ? (a.f ?? fallback) : fallback;
}

function label(n: onnx.INodeProto): string {
  return `${n.opType} '${n.name || n.output?.[0]}'`;
}

/** A float32 initializer used by this node only (we are about to change it). */
function ownInitializer(g: Graph, name: string | undefined | null, what: string): onnx.ITensorProto {
  const t = name ? g.inits.get(name) : undefined;
  if (!t) throw new Unsafe(`${what} is not an initializer`);
  if (t.dataType !== DataType.FLOAT) throw new Unsafe(`${what} is not float32`);
  if ((g.consumers.get(name!) ?? []).length !== 1) throw new Unsafe(`${what} (${name}) is shared with other nodes`);
  return t;
}

/** The layout of a node's weight, or why it cannot take part. */
function layerLayout(g: Graph, n: onnx.INodeProto): { weight: onnx.ITensorProto; layout: WeightLayout; outAxis: number; inAxis: number } {
  const weight = ownInitializer(g, n.input?.[1], `the weight of ${label(n)}`);
  const dims = tensorDims(weight);
  if (n.opType === 'Conv' && intAttr(n, 'group', 1) !== 1) throw new Unsafe(`${label(n)} is a grouped or depthwise conv`);
  if (n.opType === 'MatMul' && dims.length !== 2) throw new Unsafe(`${label(n)} has a batched weight`);
  if (n.opType === 'Gemm' && intAttr(n, 'transA', 0) !== 0) throw new Unsafe(`${label(n)} has transA = 1`);
  // alpha scales the product and beta the bias: the constants folded below assume both are 1.
  if (n.opType === 'Gemm' && (floatAttr(n, 'alpha', 1) !== 1 || floatAttr(n, 'beta', 1) !== 1)) {
    throw new Unsafe(`${label(n)} has alpha = ${floatAttr(n, 'alpha', 1)}, beta = ${floatAttr(n, 'beta', 1)} (only 1 and 1 are thinned)`);
  }
  const transB = n.opType === 'Gemm' ? intAttr(n, 'transB', 0) : 0;
  const layout = weightLayout(n.opType!, dims, transB);
  const outFirst = n.opType === 'Conv' || transB === 1;
  return { weight, layout, outAxis: outFirst ? 0 : 1, inAxis: outFirst ? 1 : 0 };
}

/** One op between P and C, with what thinning needs of it. */
interface ChainOp {
  node: onnx.INodeProto;
  /** Per-channel parameters to slice (BN's four, an Add's bias). */
  params: onnx.ITensorProto[];
  /** The channel's constant through this op. */
  apply(x: number, ch: number): number;
}

function chainOp(g: Graph, n: onnx.INodeProto, channels: number, conv: boolean): ChainOp {
  const op = n.opType ?? '';
  const perChannel = (name: string | null | undefined, what: string) => {
    const t = ownInitializer(g, name, what);
    const dims = tensorDims(t);
    const count = dims.reduce((a, b) => a * b, 1);
    // [C] for fully connected outputs [.., C]; [C, 1, 1] (or [1, C, 1, 1]) for conv outputs [N, C, H, W].
    const ok = count === channels && (conv ? dims.length >= 3 && dims[dims.length - 3] === channels : dims[dims.length - 1] === channels);
    if (!ok) throw new Unsafe(`${what} of shape [${dims.join(', ')}] is not one value per channel`);
    return t;
  };
  if (op === 'BatchNormalization') {
    if (!conv) throw new Unsafe(`${label(n)} after a fully connected layer`);
    const [scale, bias, mean, variance] = [1, 2, 3, 4].map((i) => ownInitializer(g, n.input?.[i], `parameter ${i} of ${label(n)}`));
    for (const t of [scale, bias, mean, variance]) if (tensorDims(t).join() !== String(channels)) throw new Unsafe(`${label(n)} parameters are not [${channels}]`);
    const [s, b, m, v] = [scale, bias, mean, variance].map((t) => floatValues(t));
    const eps = floatAttr(n, 'epsilon', 1e-5);
    return { node: n, params: [scale, bias, mean, variance], apply: (x, ch) => (s[ch] * (x - m[ch])) / Math.sqrt(v[ch] + eps) + b[ch] };
  }
  if (op === 'Add') {
    const other = (n.input ?? []).find((i) => g.inits.has(i ?? ''));
    if (!other) throw new Unsafe(`${label(n)} adds another tensor (a residual connection)`);
    const t = perChannel(other, `the bias of ${label(n)}`);
    const b = floatValues(t);
    return { node: n, params: [t], apply: (x, ch) => x + b[ch] };
  }
  if (op === 'MaxPool' || op === 'AveragePool') {
    if (!conv) throw new Unsafe(`${label(n)} after a fully connected layer`);
    const pads = (attr(n, 'pads')?.ints ?? []).map((p) => toNumber(p as number));
    const autoPad = new TextDecoder().decode(attr(n, 'auto_pad')?.s ?? new Uint8Array());
    const padded = pads.some((p) => p !== 0) || (autoPad !== '' && autoPad !== 'NOTSET' && autoPad !== 'VALID');
    if (op === 'AveragePool' && padded && intAttr(n, 'count_include_pad', 0) === 1) throw new Unsafe(`${label(n)} averages padding into its output`);
    return { node: n, params: [], apply: (x) => x };
  }
  if (ACTIVATIONS.has(op)) {
    if (op === 'Clip' && (n.input ?? []).slice(1).some((i) => i && !g.inits.has(i))) throw new Unsafe(`${label(n)} has computed bounds`);
    // Clip-11+ takes its bounds as inputs 1 and 2; Clip-6 (ReLU6 in older exports) as attributes.
    const bound = (i: 1 | 2, fallback: number) => {
      const t = n.input?.[i] ? g.inits.get(n.input[i]!) : undefined;
      return t ? floatValues(t)[0] : floatAttr(n, i === 1 ? 'min' : 'max', fallback);
    };
    const alpha = floatAttr(n, 'alpha', op === 'LeakyRelu' ? 0.01 : op === 'HardSigmoid' ? 0.2 : op === 'Selu' ? 1.67326319217681884765625 : 1);
    const gamma = floatAttr(n, 'gamma', 1.05070102214813232421875);
    const beta = floatAttr(n, 'beta', 0.5);
    const f: Record<string, (x: number) => number> = {
      Relu: (x) => Math.max(0, x),
      LeakyRelu: (x) => (x >= 0 ? x : alpha * x),
      Sigmoid: (x) => 1 / (1 + Math.exp(-x)),
      Tanh: Math.tanh,
      Clip: (x) => Math.min(bound(2, Infinity), Math.max(bound(1, -Infinity), x)),
      Elu: (x) => (x >= 0 ? x : alpha * (Math.exp(x) - 1)),
      Selu: (x) => (x > 0 ? gamma * x : gamma * alpha * (Math.exp(x) - 1)),
      HardSigmoid: (x) => Math.max(0, Math.min(1, alpha * x + beta)),
      Softplus: (x) => Math.log1p(Math.exp(x)),
      Dropout: (x) => x,
      Identity: (x) => x,
    };
    if (op === 'Dropout' && (n.output ?? []).filter(Boolean).length > 1) throw new Unsafe(`${label(n)} outputs a mask`);
    return { node: n, params: [], apply: (x) => f[op](x) };
  }
  throw new Unsafe(`${label(n)} between the layers ${op === 'Concat' ? 'concatenates channels' : op === 'Flatten' || op === 'Reshape' ? 'moves channels around' : 'is not a per-channel op'}`);
}

interface Chain {
  producer: onnx.INodeProto;
  ops: ChainOp[];
  consumer: onnx.INodeProto;
}

/** Follow P's output through per-channel ops to the next layer, or throw why not. */
function followChain(g: Graph, producer: onnx.INodeProto, channels: number): Chain {
  const conv = producer.opType === 'Conv';
  const ops: ChainOp[] = [];
  let tensor = producer.output?.[0] ?? '';
  for (;;) {
    if (g.outputs.has(tensor)) throw new Unsafe(`its output reaches a graph output (${tensor})`);
    const next = g.consumers.get(tensor) ?? [];
    if (next.length === 0) throw new Unsafe('nothing consumes its output');
    if (next.length > 1) {
      throw new Unsafe(`tensor ${tensor} is consumed by ${next.length} nodes (${next.map(label).join(', ')}): a branch or residual connection`);
    }
    const n = next[0];
    if (LAYER_OPS.has(n.opType ?? '') && (!n.domain || n.domain === 'ai.onnx')) {
      if (n.input?.[0] !== tensor) throw new Unsafe(`${label(n)} takes it as its weight, not its input`);
      if ((n.opType === 'Conv') !== conv) throw new Unsafe(`${label(n)} is ${conv ? 'fully connected after a conv' : 'a conv after a fully connected layer'}`);
      return { producer, ops, consumer: n };
    }
    ops.push(chainOp(g, n, channels, conv));
    tensor = n.output?.[0] ?? '';
  }
}

/** Keep `keep` indices of axis `axis` of a float tensor (new data, new dims). */
function sliceAxis(t: onnx.ITensorProto, axis: number, keep: number[]): void {
  const dims = tensorDims(t);
  const v = floatValues(t);
  const outer = dims.slice(0, axis).reduce((a, b) => a * b, 1);
  const inner = dims.slice(axis + 1).reduce((a, b) => a * b, 1);
  const out = new Float32Array(outer * keep.length * inner);
  let o = 0;
  for (let a = 0; a < outer; a++) {
    const row = a * dims[axis];
    if (inner === 1) {
      // The last axis (a MatMul weight's outputs): element by element, no subarray per value.
      for (const k of keep) out[o++] = v[row + k];
      continue;
    }
    for (const k of keep) {
      out.set(v.subarray((row + k) * inner, (row + k + 1) * inner), o);
      o += inner;
    }
  }
  t.dims = dims.map((d, i) => (i === axis ? keep.length : d));
  t.rawData = new Uint8Array(out.buffer);
  t.floatData = [];
}

/** Slice a per-channel parameter on its channel axis (the last dim of size `channels` before trailing 1s). */
function sliceParam(t: onnx.ITensorProto, channels: number, keep: number[]): void {
  const dims = tensorDims(t);
  let axis = dims.length - 1;
  while (axis > 0 && dims[axis] === 1 && channels !== 1) axis--;
  sliceAxis(t, axis, keep);
}

/** Which outputs and which inputs of a weight are entirely zero (one pass in memory order). */
function zeroStructures(v: Float32Array, L: WeightLayout): { outputs: Uint8Array; inputs: Uint8Array } {
  const outputNonzero = new Uint8Array(L.outputs);
  const inputNonzero = new Uint8Array(L.inputs);
  forEachElement(L, (e, o, i) => {
    if (v[e] !== 0) {
      outputNonzero[o] = 1;
      inputNonzero[i] = 1;
    }
  });
  return { outputs: outputNonzero.map((n) => 1 - n), inputs: inputNonzero.map((n) => 1 - n) };
}

/** Where a constant input channel can be folded: C's bias tensor and whether folding is exact. */
function foldTarget(g: Graph, model: onnx.ModelProto, c: onnx.INodeProto, outputs: number): { bias: () => onnx.ITensorProto | null; reason?: string } {
  if (c.opType === 'Conv') {
    const pads = (attr(c, 'pads')?.ints ?? []).map((p) => toNumber(p as number));
    const autoPad = new TextDecoder().decode(attr(c, 'auto_pad')?.s ?? new Uint8Array());
    if (pads.some((p) => p !== 0) || (autoPad !== '' && autoPad !== 'NOTSET' && autoPad !== 'VALID')) {
      return { bias: () => null, reason: `${label(c)} pads its input, so a constant channel cannot be folded into its bias` };
    }
  }
  if (c.opType === 'MatMul') {
    const next = g.consumers.get(c.output?.[0] ?? '') ?? [];
    const add = next.length === 1 && next[0].opType === 'Add' && !g.outputs.has(c.output?.[0] ?? '') ? next[0] : undefined;
    const biasName = add?.input?.find((i) => i && i !== c.output?.[0] && g.inits.has(i));
    const t = biasName ? g.inits.get(biasName) : undefined;
    const ok = t && t.dataType === DataType.FLOAT && tensorDims(t).reduce((a, b) => a * b, 1) === outputs && (g.consumers.get(biasName!) ?? []).length === 1;
    if (!ok) return { bias: () => null, reason: `${label(c)} has no bias Add to fold a constant channel into` };
    return { bias: () => t! };
  }
  // Conv input 2, Gemm input C: use it when it is this node's own [outputs] initializer, else add one.
  const index = 2;
  const name = c.input?.[index];
  if (name) {
    const t = g.inits.get(name);
    const own = t && t.dataType === DataType.FLOAT && (g.consumers.get(name) ?? []).length === 1 && tensorDims(t).reduce((a, b) => a * b, 1) === outputs;
    if (!own) return { bias: () => null, reason: `the bias of ${label(c)} is not its own per-output initializer` };
    return { bias: () => t! };
  }
  return {
    bias: () => {
      const t = floatTensor(`${c.name || c.output?.[0]}.thin_bias`, [outputs], new Float32Array(outputs));
      model.graph!.initializer!.push(t);
      g.inits.set(t.name!, t);
      g.consumers.set(t.name!, [c]);
      c.input = [...(c.input ?? []).slice(0, 2), t.name!];
      return t;
    },
  };
}

function thinChain(g: Graph, model: onnx.ModelProto, producer: onnx.INodeProto): ThinLayer {
  const P = layerLayout(g, producer);
  const channels = P.layout.outputs;
  const base = { layer: P.weight.name ?? '', removed: 0, kept: channels };
  const chain = followChain(g, producer, channels);
  const C = layerLayout(g, chain.consumer);
  if (C.layout.inputs !== channels) throw new Unsafe(`${label(chain.consumer)} takes ${C.layout.inputs} inputs, not ${channels} channels`);
  const pBias = producer.input?.[2] ? ownInitializer(g, producer.input[2], `the bias of ${label(producer)}`) : undefined;
  // [N] or [1, N] (Gemm's C broadcast over rows): either way its last axis is the channel.
  const pBiasDims = pBias ? tensorDims(pBias) : [];
  if (pBias && (pBiasDims.reduce((a, b) => a * b, 1) !== channels || pBiasDims[pBiasDims.length - 1] !== channels)) {
    throw new Unsafe(`the bias of ${label(producer)} of shape [${pBiasDims.join(', ')}] is not one value per output`);
  }

  const pw = floatValues(P.weight);
  const cw = floatValues(C.weight);
  const pb = pBias ? floatValues(pBias) : undefined;
  const fold = foldTarget(g, model, chain.consumer, C.layout.outputs);
  const remove: number[] = [];
  const folds: { ch: number; value: number }[] = [];
  let unfoldable = 0;
  const zeroInputsOfC = zeroStructures(cw, C.layout).inputs;
  const zeroOutputsOfP = zeroStructures(pw, P.layout).outputs;
  for (let ch = 0; ch < channels; ch++) {
    if (zeroInputsOfC[ch]) remove.push(ch);
    else if (zeroOutputsOfP[ch]) {
      const value = chain.ops.reduce((x, op) => op.apply(x, ch), pb ? pb[ch] : 0);
      if (value === 0) remove.push(ch);
      else if (!fold.reason) {
        remove.push(ch);
        folds.push({ ch, value });
      } else unfoldable++;
    }
  }
  if (remove.length === 0) return { ...base, reason: unfoldable > 0 ? `${unfoldable} pruned outputs kept: ${fold.reason}` : 'no pruned filters or channels to remove' };
  if (remove.length === channels) return { ...base, reason: 'every output is pruned: removing them all would disconnect the graph' };

  if (folds.length > 0) {
    const biasTensor = fold.bias()!;
    // A new buffer: the tensor's bytes may be shared with the model we were given.
    const bias = Float32Array.from(floatValues(biasTensor));
    const L = C.layout;
    for (const { ch, value } of folds) {
      for (let o = 0; o < L.outputs; o++) {
        let sum = 0;
        for (let s = 0; s < L.spatial; s++) sum += cw[o * L.strideOut + ch * L.strideIn + s];
        bias[o] += sum * value;
      }
    }
    biasTensor.rawData = new Uint8Array(bias.buffer);
    biasTensor.floatData = [];
  }
  const removed = new Set(remove);
  const keep = [...Array(channels).keys()].filter((ch) => !removed.has(ch));
  sliceAxis(P.weight, P.outAxis, keep);
  if (pBias) sliceAxis(pBias, pBiasDims.length - 1, keep);
  for (const op of chain.ops) for (const t of op.params) sliceParam(t, channels, keep);
  sliceAxis(C.weight, C.inAxis, keep);
  // Declared shapes of the tensors in between still say `channels`: drop them, ORT infers.
  const changed = new Set([producer, ...chain.ops.map((o) => o.node)].flatMap((n) => n.output ?? []));
  model.graph!.valueInfo = (model.graph!.valueInfo ?? []).filter((v) => !changed.has(v.name ?? ''));
  return {
    ...base,
    removed: remove.length,
    kept: keep.length,
    ...(unfoldable > 0 ? { reason: `${unfoldable} pruned outputs kept: ${fold.reason}` } : {}),
  };
}

function copyForThinning(proto: onnx.IModelProto): onnx.ModelProto {
  const graph = {
    ...proto.graph,
    node: (proto.graph?.node ?? []).map((n) => ({ ...n, input: [...(n.input ?? [])] })),
    initializer: (proto.graph?.initializer ?? []).map((t) => ({ ...t })),
    valueInfo: [...(proto.graph?.valueInfo ?? [])],
  };
  return onnx.ModelProto.create({ ...proto, graph });
}

/**
 * A thinned copy of a (pruned) model and a per-layer report. Layers are visited in graph
 * order as producers; each chain is changed or refused as a whole.
 */
export function thinModel(proto: onnx.IModelProto): ThinResult {
  const model = copyForThinning(proto);
  const g = indexGraph(model);
  const weights = prunableWeights(model);
  if (weights.length === 0) throw new EdgescopeError('E_MODEL_INVALID', 'the model has no prunable weights to thin');
  const layers: ThinLayer[] = [];
  for (const w of weights) {
    const producer = g.nodes.find((n) => n.opType === w.opType && n.input?.[1] === w.initializer.name)!;
    const outputs = weightLayout(w.opType, tensorDims(w.initializer), intAttr(producer, 'transB', 0)).outputs;
    if (!LAYER_OPS.has(w.opType)) {
      layers.push({ layer: w.initializer.name ?? '', removed: 0, kept: outputs, reason: `${label(producer)}: thinning handles Conv, Gemm and MatMul` });
      continue;
    }
    try {
      layers.push(thinChain(g, model, producer));
    } catch (err) {
      if (!(err instanceof Unsafe)) throw err;
      layers.push({ layer: w.initializer.name ?? '', removed: 0, kept: outputs, reason: err.message });
    }
  }
  return { model, layers };
}
