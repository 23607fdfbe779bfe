/**
 * Magnitude pruning at every granularity Distiller names (Mao et al., "Exploring the
 * granularity of sparsity in CNNs", 2017): element, row/column of a fully connected
 * weight, kernel, filter, channel, R x C block, and N:M (NVIDIA's 2:4).
 *
 * A structure (group of weights) is ranked by its L1 norm (sum |w|) or L2 norm; the
 * round(s * groups) structures of smallest norm are zeroed. Ties at the threshold go in
 * group order, so the result is deterministic. Existing all-zero structures rank first and
 * count towards the target. Element granularity is exactly prune.ts's pruneModel.
 *
 * Axes per op (the weight is input 1):
 * - Conv W[out, in/group, k...]: filter = out, channel = in (per group), kernel = one k... slice.
 * - ConvTranspose W[in, out/group, k...]: filter = axis 1, channel = axis 0.
 * - Gemm B[K, N] (transB = 0) or B[N, K] (transB = 1), MatMul B[K, N]: row = one output
 *   feature's K weights, column = one input feature's N weights. filter / channel on a fully
 *   connected weight mean its rows / columns (so one recipe target can cover a whole CNN).
 * - block R x C tiles the matrix view (rows = outputs, columns = fan-in in (in, k...) order,
 *   as storage/matrix.ts). Partial blocks are NOT allowed: R must divide the rows and C the
 *   columns, else the layer is refused by name (a partial block would make "a block" mean
 *   different sizes in one layer and the exact count ambiguous).
 * - N:M keeps the N largest |w| of every M consecutive weights along the input dimension
 *   (K of a fully connected weight; input channels of a conv, for each output and kernel
 *   position). The input dimension must be a multiple of M. Its sparsity is 1 - N/M.
 * Batched MatMul weights (more than 2 dims) take element granularity only.
 */
import { badRequest } from '../../../shared/errors';
import { elementCount, floatValues, onnx, tensorDims, toNumber } from '../model/onnx-io';
import { prunableWeights, zeroSmallest, type PrunableWeight, type PruneResult as ElementPruneResult } from './prune';
import type { LayerSparsity } from '../../../shared/report';

export type Granularity =
  | { kind: 'element' }
  | { kind: 'row' }
  | { kind: 'column' }
  | { kind: 'kernel' }
  | { kind: 'filter' }
  | { kind: 'channel' }
  | { kind: 'block'; rows: number; cols: number }
  | { kind: 'nm'; n: number; m: number };

export type Norm = 'l1' | 'l2';

export interface LayerTarget {
  /** Initializer or node name. */
  layer: string;
  sparsity: number;
  granularity: Granularity;
  norm?: Norm;
}

export interface StructuredLayerSparsity extends LayerSparsity {
  granularity: string;
  norm: Norm;
  /**
   * Structures (groups of weights) in the layer at this granularity, and how many were zeroed
   * whole. For N:M the structures are the groups of M, each pruned to N nonzeros, none whole (0).
   */
  structures: number;
  prunedStructures: number;
}

export interface PruneResult extends ElementPruneResult {
  /** The targeted layers only, in graph order. */
  layers: StructuredLayerSparsity[];
  /** Achieved sparsity over the weights of the targeted layers. */
  sparsity: number;
}

export interface PruneLayersOptions {
  /** Norm for targets that do not name one (default l1). */
  norm?: Norm;
  /**
   * Prune the given model's weights in place instead of a copy's: for callers that read the
   * model only to compress it, so a model of W weight bytes does not need another W.
   */
  inPlace?: boolean;
}

export const GRANULARITY_SYNTAX = 'element|row|column|kernel|filter|channel|block:RxC|nm:N:M';


const SIMPLE_KINDS = ['element', 'row', 'column', 'kernel', 'filter', 'channel'] as const;

/** CLI and recipe syntax: element|row|column|kernel|filter|channel|block:RxC|nm:N:M. */
export function parseGranularity(text: string): Granularity {
  const t = text.trim().toLowerCase();
  if ((SIMPLE_KINDS as readonly string[]).includes(t)) return { kind: t as (typeof SIMPLE_KINDS)[number] };
  const block = /^block:(\d+)x(\d+)$/.exec(t);
  if (block) {
    const [rows, cols] = [Number(block[1]), Number(block[2])];
    if (rows < 1 || cols < 1) badRequest(`granularity '${text}': block sides must be at least 1`);
    return { kind: 'block', rows, cols };
  }
  const nm = /^nm:(\d+):(\d+)$/.exec(t);
  if (nm) {
    const [n, m] = [Number(nm[1]), Number(nm[2])];
    if (!(n >= 1 && n <= m)) badRequest(`granularity '${text}': N:M needs 1 <= N <= M`);
    return { kind: 'nm', n, m };
  }
  badRequest(`granularity '${text}' is not one of ${GRANULARITY_SYNTAX}`);
}

export function formatGranularity(g: Granularity): string {
  if (g.kind === 'block') return `block:${g.rows}x${g.cols}`;
  if (g.kind === 'nm') return `nm:${g.n}:${g.m}`;
  return g.kind;
}

/** The sparsity an N:M pattern implies; other granularities take any target. */
export function impliedSparsity(g: Granularity): number | undefined {
  return g.kind === 'nm' ? 1 - g.n / g.m : undefined;
}

/**
 * Where a weight's output, input and spatial (kernel) positions sit in its flat array:
 * element (o, i, s) is at o * strideOut + i * strideIn + s.
 */
export interface WeightLayout {
  kind: 'conv' | 'fc' | 'batched';
  outputs: number;
  inputs: number;
  /** Elements of one kernel (1 for fully connected weights). */
  spatial: number;
  strideOut: number;
  strideIn: number;
}

function intAttribute(n: onnx.INodeProto | undefined, name: string, fallback: number): number {
  const a = (n?.attribute ?? []).find((x) => x.name === name);
  return a ? toNumber(a.i as number) : fallback;
}

export function weightLayout(opType: string, dims: readonly number[], transB = 0): WeightLayout {
  const n = elementCount(dims);
  if (opType === 'Conv' || opType === 'ConvTranspose') {
    const spatial = dims.slice(2).reduce((a, b) => a * b, 1);
    if (opType === 'Conv') return { kind: 'conv', outputs: dims[0], inputs: dims[1], spatial, strideOut: dims[1] * spatial, strideIn: spatial };
    return { kind: 'conv', outputs: dims[1], inputs: dims[0], spatial, strideOut: spatial, strideIn: dims[1] * spatial };
  }
  if (dims.length > 2) return { kind: 'batched', outputs: dims[dims.length - 1], inputs: dims[dims.length - 2], spatial: 1, strideOut: 1, strideIn: n };
  const [a, b] = dims;
  // B[N, K] with transB = 1; B[K, N] otherwise (MatMul, Gemm transB = 0).
  if (opType === 'Gemm' && transB === 1) return { kind: 'fc', outputs: a, inputs: b, spatial: 1, strideOut: b, strideIn: 1 };
  return { kind: 'fc', outputs: b, inputs: a, spatial: 1, strideOut: 1, strideIn: b };
}

/**
 * Visit every element with its (output, input, kernel position), in memory order: a MatMul
 * B[K, N] walked output by output would stride through memory and be many times slower.
 */
export function forEachElement(L: WeightLayout, visit: (element: number, o: number, i: number, s: number) => void): void {
  const { outputs: O, inputs: I, spatial: S, strideOut, strideIn } = L;
  if (strideOut >= strideIn) {
    for (let o = 0; o < O; o++) for (let i = 0; i < I; i++) for (let s = 0, e = o * strideOut + i * strideIn; s < S; s++) visit(e + s, o, i, s);
  } else {
    for (let i = 0; i < I; i++) for (let o = 0; o < O; o++) for (let s = 0, e = o * strideOut + i * strideIn; s < S; s++) visit(e + s, o, i, s);
  }
}

/** The layout of a prunable weight as its (first) consuming node uses it. */
export function layoutOf(proto: onnx.IModelProto, w: PrunableWeight): WeightLayout {
  const consumer = (proto.graph?.node ?? []).find((x) => x.opType === w.opType && x.input?.[1] === w.initializer.name);
  return weightLayout(w.opType, tensorDims(w.initializer), w.opType === 'Gemm' ? intAttribute(consumer, 'transB', 0) : 0);
}

/** Group id of every element at a structured granularity: calls visit(element, group) once per element. */
interface Grouping {
  groups: number;
  forEach(visit: (element: number, group: number) => void): void;
}

function grouping(g: Granularity, L: WeightLayout, layer: string): Grouping {
  const { outputs: O, inputs: I, spatial: S } = L;
  const fc = L.kind === 'fc';
  const refuse = (why: string): never => badRequest(`granularity ${formatGranularity(g)} does not fit layer '${layer}': ${why}`);
  if (L.kind === 'batched') refuse('a batched MatMul weight (more than 2 dims) takes element granularity only');
  const each = (group: (o: number, i: number, s: number) => number) => (visit: (e: number, grp: number) => void) =>
    forEachElement(L, (e, o, i, s) => visit(e, group(o, i, s)));
  switch (g.kind) {
    case 'row':
    case 'filter':
      if (g.kind === 'row' && !fc) refuse('rows belong to fully connected weights; use filter for a conv');
      return { groups: O, forEach: each((o) => o) };
    case 'column':
    case 'channel':
      if (g.kind === 'column' && !fc) refuse('columns belong to fully connected weights; use channel for a conv');
      return { groups: I, forEach: each((_o, i) => i) };
    case 'kernel':
      if (fc) refuse('a fully connected weight has no kernels (use row, column or block)');
      return { groups: O * I, forEach: each((o, i) => o * I + i) };
    case 'block': {
      const cols = I * S;
      if (O % g.rows !== 0 || cols % g.cols !== 0) {
        refuse(`its ${O} x ${cols} matrix (outputs x fan-in) is not a whole number of ${g.rows} x ${g.cols} blocks (partial blocks are not allowed)`);
      }
      const blocksPerRow = cols / g.cols;
      return { groups: (O / g.rows) * blocksPerRow, forEach: each((o, i, s) => Math.floor(o / g.rows) * blocksPerRow + Math.floor((i * S + s) / g.cols)) };
    }
    default:
      throw new Error(`no grouping for ${g.kind}`);
  }
}

/** Zero the `count` structures of smallest norm in place (ties: the lower structure index first). */
function pruneStructures(values: Float32Array, grouping: Grouping, count: number, norm: Norm): void {
  if (count <= 0) return;
  const scores = new Float64Array(grouping.groups);
  // L2 ranks by the sum of squares: the same order as its square root, without the roots.
  grouping.forEach((e, grp) => (scores[grp] += norm === 'l1' ? Math.abs(values[e]) : values[e] * values[e]));
  const threshold = Float64Array.from(scores).sort()[count - 1];
  let below = 0;
  for (const s of scores) if (s < threshold) below++;
  let ties = count - below;
  const pruned = new Uint8Array(grouping.groups);
  for (let grp = 0; grp < scores.length; grp++) {
    if (scores[grp] < threshold) pruned[grp] = 1;
    else if (scores[grp] === threshold && ties > 0) {
      pruned[grp] = 1;
      ties--;
    }
  }
  grouping.forEach((e, grp) => {
    if (pruned[grp]) values[e] = 0;
  });
}

/** N:M: in every M consecutive inputs (for each output and kernel position) keep the N largest |w|. */
function pruneNm(values: Float32Array, L: WeightLayout, n: number, m: number, layer: string): number {
  if (L.kind === 'batched') badRequest(`granularity nm:${n}:${m} does not fit layer '${layer}': a batched MatMul weight takes element granularity only`);
  if (L.inputs % m !== 0) badRequest(`granularity nm:${n}:${m} does not fit layer '${layer}': its input dimension ${L.inputs} is not a multiple of ${m}`);
  const pruned = new Uint8Array(m);
  const group = (first: number) => {
    // Zero the m - n smallest |w| by repeated minimum (m is small); ties: the lower input index first.
    pruned.fill(0);
    for (let k = 0; k < m - n; k++) {
      let best = -1;
      let bestMagnitude = Infinity;
      for (let j = 0; j < m; j++) {
        const magnitude = Math.abs(values[first + j * L.strideIn]);
        if (!pruned[j] && magnitude < bestMagnitude) {
          best = j;
          bestMagnitude = magnitude;
        }
      }
      pruned[best] = 1;
      values[first + best * L.strideIn] = 0;
    }
  };
  // Group starts are the elements with i % m === 0, visited in memory order.
  forEachElement(L, (e, _o, i) => {
    if (i % m === 0) group(e);
  });
  return (L.outputs * L.spatial * L.inputs) / m;
}

function checkSparsity(s: number, layer: string): void {
  if (!(s >= 0 && s < 1)) badRequest(`sparsity ${s} for layer '${layer}' is outside [0, 1)`);
}

/**
 * Prune the named layers of a copy of the model, each at its own target, granularity and norm.
 * The model passed in is not changed.
 */
export function pruneLayers(proto: onnx.IModelProto, targets: LayerTarget[], options: PruneLayersOptions = {}): PruneResult {
  const graph = { ...proto.graph, initializer: (proto.graph?.initializer ?? []).map((t) => (options.inPlace ? t : { ...t })) };
  const model = onnx.ModelProto.create({ ...proto, graph });
  const weights = prunableWeights(model);
  const byName = new Map<string, PrunableWeight>();
  for (const w of weights) {
    byName.set(w.nodeName, w);
    byName.set(w.initializer.name ?? '', w);
  }
  const planned = new Map<PrunableWeight, LayerTarget>();
  for (const t of targets) {
    const w = byName.get(t.layer);
    if (!w) badRequest(`no prunable layer named '${t.layer}' (layers: ${weights.map((x) => x.initializer.name).join(', ')})`);
    if (planned.has(w)) badRequest(`layer '${t.layer}' is targeted twice`);
    checkSparsity(t.sparsity, t.layer);
    const implied = impliedSparsity(t.granularity);
    if (implied !== undefined && Math.abs(implied - t.sparsity) > 1e-9) {
      badRequest(`layer '${t.layer}': ${formatGranularity(t.granularity)} gives sparsity ${implied}, not the target ${t.sparsity}`);
    }
    planned.set(w, t);
  }

  const layers: StructuredLayerSparsity[] = [];
  for (const w of weights) {
    const t = planned.get(w);
    if (!t) continue;
    const name = w.initializer.name ?? '';
    const norm = t.norm ?? options.norm ?? 'l1';
    // floatValues is a view of the tensor's bytes when they are aligned (else already a copy).
    const values = options.inPlace ? floatValues(w.initializer) : floatValues(w.initializer).slice();
    const L = layoutOf(model, w);
    let structures = values.length;
    let prunedStructures = Math.round(t.sparsity * values.length);
    if (t.granularity.kind === 'element') zeroSmallest(values, prunedStructures);
    else if (t.granularity.kind === 'nm') {
      structures = pruneNm(values, L, t.granularity.n, t.granularity.m, t.layer);
      prunedStructures = 0; // N:M prunes within every group, none whole.
    } else {
      const groups = grouping(t.granularity, L, t.layer);
      structures = groups.groups;
      prunedStructures = Math.round(t.sparsity * structures);
      pruneStructures(values, groups, prunedStructures, norm);
    }
    w.initializer.rawData = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
    w.initializer.floatData = [];
    let zeros = 0;
    for (const v of values) if (v === 0) zeros++;
    layers.push({
      initializer: name,
      node: w.nodeName,
      opType: w.opType,
      elementCount: values.length,
      zeros,
      sparsity: values.length > 0 ? zeros / values.length : 0,
      targetSparsity: t.sparsity,
      granularity: formatGranularity(t.granularity),
      norm,
      structures,
      prunedStructures,
    });
  }
  const total = layers.reduce((s, l) => s + l.elementCount, 0);
  const zeros = layers.reduce((s, l) => s + l.zeros, 0);
  return { model, layers, sparsity: total > 0 ? zeros / total : 0 };
}
