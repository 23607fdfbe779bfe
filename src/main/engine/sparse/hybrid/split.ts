/**
 * Graph splitting for hybrid execution: which layers of a pruned model the sparse
 * kernels can run (findSparseCandidates), and the model cut into ORT segments and
 * sparse layers in topological order (cutGraph).
 *
 * ONNX lists nodes in topological order, so cutting the node list at the sparse layers
 * and running the pieces in list order is always valid: every tensor a piece reads was
 * produced by an earlier piece or is a graph input. The executor keeps every produced
 * tensor, so a tensor read by several later pieces (skip connections) needs nothing
 * special. What the cut cannot carry is named as a reason instead.
 *
 * An LSTM with pruned weights (lstm.ts) becomes two steps the executor runs itself: the input
 * projection of every timestep as one sparse product, then the recurrence.
 */
import { onnx, DataType, elementCount, floatValues, tensorDims, toNumber } from '../../model/onnx-io';
import type { HybridReport } from '../../../../shared/report';
import type { SparseFormat } from '../types';
import { elementTypes } from './element-types';
import { lstmLayer, lstmReads, type LstmLayer } from './lstm';

/** A layer the sparse kernels can run: out[b, r] = sum_c x[b, c] * weights[r, c] + bias[r]. */
export interface SparseLayer {
  node: string;
  /** 'LSTM': an LSTM's input projection (LstmLayer.projection), not a node of its own. */
  opType: 'MatMul' | 'Gemm' | 'Conv' | 'LSTM';
  input: string;
  output: string;
  weightName: string;
  /** Output features. */
  rows: number;
  /** Input features (fan-in). */
  cols: number;
  /** Row-major [rows x cols], stored by output row as the kernels expect; Gemm's alpha folded in. */
  weights: Float32Array;
  /** Per output row (Gemm's beta folded in), or absent. */
  bias?: Float32Array;
  /** 'rows': x is [..., cols] and each row is one product; 'nchw': a 1x1 Conv, each pixel is one. */
  layout: 'rows' | 'nchw';
  /** Nonzero weights / all weights. */
  density: number;
  /** Nodes after the layer folded into it (a bias Add, a Relu), run by the sparse step. */
  fused: string[];
  /** Apply max(0, y) to the output (a folded Relu). */
  relu: boolean;
  /** The storage format the planner chose (formats.ts); absent: CSR, as candidates are packed before the choice. */
  format?: SparseFormat;
}

export interface RejectedLayer {
  node: string;
  opType: string;
  reason: string;
}

export interface Candidates {
  layers: SparseLayer[];
  lstms: LstmLayer[];
  rejected: RejectedLayer[];
}

/** Above this density CSR (value + index per nonzero) streams more bytes than the dense matrix. */
export const MAX_SPARSE_DENSITY = 0.5;

type Attrs = Map<string, onnx.IAttributeProto>;

function attrs(n: onnx.INodeProto): Attrs {
  return new Map((n.attribute ?? []).map((a) => [a.name ?? '', a]));
}

function intAttr(a: Attrs, name: string, fallback: number): number {
  const v = a.get(name);
  return v ? toNumber(v.i as number) : fallback;
}

function floatAttr(a: Attrs, name: string, fallback: number): number {
  const v = a.get(name);
  return v ? (v.f ?? fallback) : fallback;
}

function intsAttr(a: Attrs, name: string): number[] | undefined {
  const v = a.get(name);
  return v ? (v.ints ?? []).map((x) => toNumber(x as number)) : undefined;
}

function nodeLabel(n: onnx.INodeProto): string {
  return n.name || n.output?.[0] || '?';
}

function density(w: Float32Array): number {
  let nonzero = 0;
  for (let i = 0; i < w.length; i++) if (w[i] !== 0) nonzero++;
  return w.length > 0 ? nonzero / w.length : 1;
}

/** [K, N] (MatMul's B, Gemm's B without transB) to [N, K] rows, times `scale`. */
function transposeScaled(b: Float32Array, k: number, n: number, scale: number): Float32Array {
  const out = new Float32Array(k * n);
  for (let i = 0; i < k; i++) for (let j = 0; j < n; j++) out[j * k + i] = b[i * n + j] * scale;
  return out;
}

type Extracted = Omit<SparseLayer, 'node' | 'density' | 'input' | 'output' | 'weightName' | 'fused' | 'relu'> | string;

function gemmLayer(n: onnx.INodeProto, w: onnx.ITensorProto, inits: Map<string, onnx.ITensorProto>): Extracted {
  const a = attrs(n);
  if (intAttr(a, 'transA', 0) !== 0) return 'transA=1 (the sparse kernels multiply untransposed activations)';
  const dims = tensorDims(w);
  const alpha = floatAttr(a, 'alpha', 1);
  const beta = floatAttr(a, 'beta', 1);
  const transB = intAttr(a, 'transB', 0) === 1;
  const [rows, cols] = transB ? [dims[0], dims[1]] : [dims[1], dims[0]];
  const values = floatValues(w);
  const weights = transB ? Float32Array.from(values, (v) => v * alpha) : transposeScaled(values, cols, rows, alpha);
  const cName = n.input?.[2];
  if (!cName) return { opType: 'Gemm', rows, cols, weights, layout: 'rows' };
  const c = inits.get(cName);
  if (!c) return `bias C (${cName}) is not a constant initializer`;
  if (c.dataType !== DataType.FLOAT) return `bias C (${cName}) is not float32`;
  const cDims = tensorDims(c);
  const count = elementCount(cDims);
  const perRow = (cDims.length === 1 && cDims[0] === rows) || (cDims.length === 2 && cDims[0] === 1 && cDims[1] === rows);
  const scalar = count === 1 && cDims.length <= 2;
  if (!perRow && !scalar) return `bias C of shape [${cDims.join(',')}] is not a per-output vector`;
  const cValues = floatValues(c);
  const bias = Float32Array.from({ length: rows }, (_, r) => beta * cValues[perRow ? r : 0]);
  return { opType: 'Gemm', rows, cols, weights, bias, layout: 'rows' };
}

function matmulLayer(w: onnx.ITensorProto): Extracted {
  const dims = tensorDims(w);
  if (dims.length !== 2) return `weight has ${dims.length} dimensions (a batched MatMul)`;
  const [k, n] = dims;
  return { opType: 'MatMul', rows: n, cols: k, weights: transposeScaled(floatValues(w), k, n, 1), layout: 'rows' };
}

function conv1x1Layer(n: onnx.INodeProto, w: onnx.ITensorProto, inits: Map<string, onnx.ITensorProto>): Extracted {
  const a = attrs(n);
  const dims = tensorDims(w);
  if (dims.length < 3 || dims.slice(2).some((d) => d !== 1)) return `kernel ${dims.slice(2).join('x')} is not 1x1`;
  if (intAttr(a, 'group', 1) !== 1) return 'grouped convolution';
  if ((intsAttr(a, 'strides') ?? []).some((s) => s !== 1)) return 'stride is not 1';
  if ((intsAttr(a, 'pads') ?? []).some((p) => p !== 0)) return 'padded convolution';
  const autoPad = a.get('auto_pad')?.s;
  const autoPadText = autoPad ? new TextDecoder().decode(autoPad) : 'NOTSET';
  if (autoPadText !== 'NOTSET' && autoPadText !== 'VALID') return `auto_pad ${autoPadText}`;
  const [rows, cols] = dims;
  // [Cout, Cin, 1, 1] is already [rows x cols] row-major.
  const weights = Float32Array.from(floatValues(w));
  const bName = n.input?.[2];
  if (!bName) return { opType: 'Conv', rows, cols, weights, layout: 'nchw' };
  const b = inits.get(bName);
  if (!b || b.dataType !== DataType.FLOAT || elementCount(tensorDims(b)) !== rows) return `bias ${bName} is not a constant float32 vector of ${rows}`;
  return { opType: 'Conv', rows, cols, weights, bias: Float32Array.from(floatValues(b)), layout: 'nchw' };
}

const LAYER_OPS = new Set(['MatMul', 'Gemm', 'Conv']);
/** The op types the hybrid executor can take from ORT (what a per-layer override may name). */
export const HYBRID_OPS = new Set([...LAYER_OPS, 'LSTM']);

/** Every MatMul / Gemm / 1x1 Conv with a constant sparse weight, every LSTM with a sparse W, and why the others are not. */
export function findSparseCandidates(proto: onnx.IModelProto, maxDensity = MAX_SPARSE_DENSITY): Candidates {
  const graph = proto.graph ?? {};
  const inits = new Map((graph.initializer ?? []).map((t) => [t.name ?? '', t]));
  const types = elementTypes(graph);
  const layers: SparseLayer[] = [];
  const lstms: LstmLayer[] = [];
  const rejected: RejectedLayer[] = [];
  for (const n of graph.node ?? []) {
    const opType = n.opType ?? '';
    if (!HYBRID_OPS.has(opType) || (n.domain && n.domain !== 'ai.onnx')) continue;
    const node = nodeLabel(n);
    const reject = (reason: string) => rejected.push({ node, opType, reason });
    if (opType === 'LSTM') {
      const lstm = lstmLayer(n, inits, types, maxDensity);
      if (typeof lstm === 'string') reject(lstm);
      else lstms.push(lstm);
      continue;
    }
    const [input, weightName] = [n.input?.[0] ?? '', n.input?.[1] ?? ''];
    const w = inits.get(weightName);
    if (!w) {
      reject(`weight ${weightName} is not a constant initializer`);
      continue;
    }
    if (w.dataType !== DataType.FLOAT) {
      reject(`weight ${weightName} is not float32`);
      continue;
    }
    if (inits.has(input)) {
      reject(`input ${input} is a constant`);
      continue;
    }
    const extracted: Extracted = opType === 'Gemm' ? gemmLayer(n, w, inits) : opType === 'MatMul' ? matmulLayer(w) : conv1x1Layer(n, w, inits);
    if (typeof extracted === 'string') {
      reject(extracted);
      continue;
    }
    const d = density(extracted.weights);
    if (d > maxDensity) {
      reject(`density ${(d * 100).toFixed(1)}% is above ${maxDensity * 100}%: CSR would stream more bytes than the dense weight`);
      continue;
    }
    const layer: SparseLayer = { ...extracted, node, input, output: n.output?.[0] ?? '', weightName, density: d, fused: [], relu: false };
    layers.push(foldRelu(foldBiasAdd(layer, graph, inits), graph));
  }
  return { layers, lstms, rejected };
}

/**
 * MatMul (or Gemm without C) then Add of a constant [N] or [1, N] vector, as exporters write a
 * linear layer: the kernel adds the bias for free, and the cut saves an ORT segment.
 */
function foldBiasAdd(layer: SparseLayer, graph: onnx.IGraphProto, inits: Map<string, onnx.ITensorProto>): SparseLayer {
  if (layer.bias || layer.layout !== 'rows') return layer;
  const add = soleReader(layer, graph);
  if (!add || add.opType !== 'Add' || (add.domain && add.domain !== 'ai.onnx') || (add.input ?? []).length !== 2) return layer;
  const other = add.input![0] === layer.output ? add.input![1] : add.input![0];
  const c = inits.get(other);
  if (!c || c.dataType !== DataType.FLOAT) return layer;
  const dims = tensorDims(c);
  const perRow = (dims.length === 1 && dims[0] === layer.rows) || (dims.length === 2 && dims[0] === 1 && dims[1] === layer.rows);
  if (!perRow) return layer;
  return { ...layer, bias: Float32Array.from(floatValues(c)), output: add.output?.[0] ?? '', fused: [...layer.fused, nodeLabel(add)] };
}

/** A Relu that alone reads the layer's output: applied to the output in the sparse step, saving an ORT segment. */
function foldRelu(layer: SparseLayer, graph: onnx.IGraphProto): SparseLayer {
  const relu = soleReader(layer, graph);
  if (!relu || relu.opType !== 'Relu' || (relu.domain && relu.domain !== 'ai.onnx')) return layer;
  return { ...layer, relu: true, output: relu.output?.[0] ?? '', fused: [...layer.fused, nodeLabel(relu)] };
}

/** The one node that reads the layer's output, when nothing else (nor the graph's outputs) does. */
function soleReader(layer: SparseLayer, graph: onnx.IGraphProto): onnx.INodeProto | undefined {
  const readers = (graph.node ?? []).filter((n) => (n.input ?? []).includes(layer.output));
  const isGraphOutput = (graph.output ?? []).some((o) => o.name === layer.output);
  return readers.length === 1 && !isGraphOutput ? readers[0] : undefined;
}

/** The two steps of an LSTM the executor runs itself, in this order. */
export type LstmPart = 'input-projection' | 'recurrence';

/** One piece of the cut model, in execution order. */
export type HybridStep =
  | { kind: 'ort'; name: string; model: onnx.ModelProto; inputs: string[]; outputs: string[]; nodes: string[] }
  | { kind: 'sparse'; name: string; layer: SparseLayer }
  | { kind: 'lstm'; part: LstmPart; name: string; lstm: LstmLayer };

/** A step as report.json lists it: an LSTM's steps are sparse steps of the LSTM node. */
export function reportedStep(step: HybridStep): HybridReport['steps'][number] {
  if (step.kind === 'ort') return { kind: 'ort', name: step.name, nodes: step.nodes };
  if (step.kind === 'lstm') return { kind: 'sparse', name: step.name, nodes: [step.lstm.node] };
  return { kind: 'sparse', name: step.name, nodes: [step.layer.node, ...step.layer.fused] };
}


export type CutResult = { ok: true; steps: HybridStep[] } | { ok: false; reason: string };

function declaredTypes(graph: onnx.IGraphProto): Map<string, onnx.IValueInfoProto> {
  const declared = new Map<string, onnx.IValueInfoProto>();
  for (const v of [...(graph.valueInfo ?? []), ...(graph.input ?? []), ...(graph.output ?? [])]) declared.set(v.name ?? '', v);
  return declared;
}

/**
 * Cut the model at the given sparse layers and LSTMs. Nodes between them become ORT segments (sub-models
 * with the inputs they read from earlier pieces and the outputs later pieces or the graph need).
 */
export function cutGraph(proto: onnx.IModelProto, sparse: readonly SparseLayer[], lstms: readonly LstmLayer[] = []): CutResult {
  const graph = proto.graph ?? {};
  const nodes = graph.node ?? [];
  const sparseByNode = new Map(sparse.map((l) => [l.node, l]));
  const lstmByNode = new Map(lstms.map((l) => [l.node, l]));
  const folded = new Set(sparse.flatMap((l) => l.fused));
  if (sparse.length === 0 && lstms.length === 0) return { ok: true, steps: [wholeModelStep(proto)] };

  const withSubgraph = nodes.find((n) => (n.attribute ?? []).some((a) => a.g || (a.graphs ?? []).length > 0));
  if (withSubgraph) return { ok: false, reason: `node ${nodeLabel(withSubgraph)} (${withSubgraph.opType}) has subgraphs, which may read tensors across a cut` };

  const inits = new Map((graph.initializer ?? []).map((t) => [t.name ?? '', t]));
  const available = new Set<string>([...(graph.input ?? []).map((i) => i.name ?? ''), ...inits.keys(), '']);
  for (const n of nodes) {
    const missing = (n.input ?? []).find((i) => !available.has(i));
    if (missing !== undefined) return { ok: false, reason: `nodes are not in topological order (${nodeLabel(n)} reads ${missing} before it is produced)` };
    for (const o of n.output ?? []) available.add(o);
  }

  // Group the node list into runs of ORT nodes separated by sparse layers and LSTMs.
  const groups: ({ kind: 'ort'; nodes: onnx.INodeProto[] } | { kind: 'sparse'; layer: SparseLayer } | { kind: 'lstm'; lstm: LstmLayer })[] = [];
  for (const n of nodes) {
    const layer = sparseByNode.get(nodeLabel(n));
    const lstm = lstmByNode.get(nodeLabel(n));
    if (folded.has(nodeLabel(n))) continue; // runs inside its sparse layer
    if (layer) groups.push({ kind: 'sparse', layer });
    else if (lstm) groups.push({ kind: 'lstm', lstm });
    else if (groups.at(-1)?.kind === 'ort') (groups.at(-1) as { nodes: onnx.INodeProto[] }).nodes.push(n);
    else groups.push({ kind: 'ort', nodes: [n] });
  }

  const graphOutputs = new Set((graph.output ?? []).map((o) => o.name ?? ''));
  const readLater = (from: number): Set<string> => {
    const names = new Set(graphOutputs);
    for (const g of groups.slice(from)) {
      if (g.kind === 'sparse') names.add(g.layer.input);
      else if (g.kind === 'lstm') for (const t of lstmReads(g.lstm)) names.add(t);
      else for (const n of g.nodes) for (const i of n.input ?? []) names.add(i);
    }
    return names;
  };
  const declared = declaredTypes(graph);
  const types = elementTypes(graph);

  const steps: HybridStep[] = [];
  for (const [index, g] of groups.entries()) {
    if (g.kind === 'sparse') {
      steps.push({ kind: 'sparse', name: g.layer.node, layer: g.layer });
      continue;
    }
    if (g.kind === 'lstm') {
      for (const part of ['input-projection', 'recurrence'] as const) steps.push({ kind: 'lstm', part, name: `${g.lstm.node}/${part}`, lstm: g.lstm });
      continue;
    }
    const produced = new Set(g.nodes.flatMap((n) => n.output ?? []));
    const inputs = [...new Set(g.nodes.flatMap((n) => n.input ?? []))].filter((i) => i !== '' && !produced.has(i) && !inits.has(i));
    const later = readLater(index + 1);
    const outputs = [...produced].filter((o) => o !== '' && later.has(o));
    if (outputs.length === 0) continue; // dead code: nothing later reads it
    const usedInits = [...new Set(g.nodes.flatMap((n) => n.input ?? []))].filter((i) => inits.has(i)).map((i) => inits.get(i)!);
    // A segment's inputs and outputs need their element types: declared, else inferred; never guessed.
    const untyped = [...inputs, ...outputs].find((t) => !declared.has(t) && !types.has(t));
    if (untyped !== undefined) return { ok: false, reason: `the element type of tensor ${untyped}, which crosses a cut, is not declared and could not be inferred` };
    const info = (name: string): onnx.IValueInfoProto => declared.get(name) ?? { name, type: { tensorType: { elemType: types.get(name) } } };
    const name = `segment${steps.filter((s) => s.kind === 'ort').length}`;
    const model = onnx.ModelProto.create({
      irVersion: proto.irVersion,
      producerName: 'edgescope-hybrid',
      opsetImport: proto.opsetImport,
      graph: { name, node: g.nodes, initializer: usedInits, input: inputs.map(info), output: outputs.map(info) },
    });
    steps.push({ kind: 'ort', name, model, inputs, outputs, nodes: g.nodes.map(nodeLabel) });
  }
  return { ok: true, steps };
}

/** No sparse layer: the whole model is one ORT segment (ORT dense execution). */
export function wholeModelStep(proto: onnx.IModelProto): HybridStep {
  const graph = proto.graph ?? {};
  return {
    kind: 'ort',
    name: 'segment0',
    model: proto as onnx.ModelProto,
    inputs: (graph.input ?? []).map((i) => i.name ?? '').filter((n) => !(graph.initializer ?? []).some((t) => t.name === n)),
    outputs: (graph.output ?? []).map((o) => o.name ?? ''),
    nodes: (graph.node ?? []).map(nodeLabel),
  };
}
