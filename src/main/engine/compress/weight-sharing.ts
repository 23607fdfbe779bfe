/**
 * Weight sharing (Deep Compression, Han, Mao, Dally, ICLR 2016, section 3): the nonzero
 * weights of a layer are clustered by 1-D k-means into 2^b centroids, and each weight is
 * replaced by its centroid, so it can be stored as a b-bit index into a codebook of 2^b
 * fp32 values. Zeros (pruned weights) are not clustered and stay zero.
 *
 * Initialization is linear between the minimum and maximum nonzero weight, the paper's
 * best choice. The algorithm is Lloyd's, exact and deterministic: the values are sorted
 * once, a cluster is the interval between the midpoints of neighbouring centroids (a value
 * on a midpoint goes to the lower centroid), and its mean comes from prefix sums, so an
 * iteration costs O(2^b log n). Centroids stay sorted; an empty cluster keeps its centroid.
 * It stops when no centroid moves more than `tolerance` times the value range, or after
 * `maxIterations` updates.
 */
import { EdgescopeError } from '../../../shared/errors';
import { DataType, floatValues, onnx } from '../model/onnx-io';
import { prunableWeights } from './prune';

export const MIN_SHARE_BITS = 2;
export const MAX_SHARE_BITS = 8;

/** The paper's choice: 8 bits for convolutions, 5 for fully connected layers. */
export function defaultShareBits(opType: string): number {
  return opType === 'Conv' || opType === 'ConvTranspose' ? 8 : 5;
}

export interface KMeansOptions {
  /** Cap on centroid updates (default 500). */
  maxIterations?: number;
  /** Converged when every centroid moves at most tolerance * (max - min) (default 1e-7). */
  tolerance?: number;
}

export interface KMeansResult {
  /** Sorted centroids (float64). */
  centroids: Float64Array;
  iterations: number;
  converged: boolean;
}

/** How many of the sorted values are < x (or <= x when `inclusive`). */
function countBelow(sorted: ArrayLike<number>, x: number, inclusive: boolean): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] < x || (inclusive && sorted[mid] === x)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Lloyd's k-means on sorted 1-D points from sorted initial centroids. */
export function kmeans1d(sorted: Float64Array, initial: ArrayLike<number>, options: KMeansOptions = {}): KMeansResult {
  const maxIterations = options.maxIterations ?? 500;
  const tolerance = options.tolerance ?? 1e-7;
  const k = initial.length;
  let centroids = Float64Array.from(initial);
  const n = sorted.length;
  if (n === 0) return { centroids, iterations: 0, converged: true };
  const prefix = new Float64Array(n + 1);
  for (let i = 0; i < n; i++) prefix[i + 1] = prefix[i] + sorted[i];
  const eps = tolerance * (sorted[n - 1] - sorted[0]);
  for (let it = 1; it <= maxIterations; it++) {
    const next = new Float64Array(k);
    let start = 0;
    let moved = 0;
    for (let j = 0; j < k; j++) {
      const end = j === k - 1 ? n : countBelow(sorted, (centroids[j] + centroids[j + 1]) / 2, true);
      next[j] = end > start ? (prefix[end] - prefix[start]) / (end - start) : centroids[j];
      moved = Math.max(moved, Math.abs(next[j] - centroids[j]));
      start = Math.max(start, end);
    }
    centroids = next;
    if (moved <= eps) return { centroids, iterations: it, converged: true };
  }
  return { centroids, iterations: maxIterations, converged: false };
}

export interface SharedWeights {
  bits: number;
  /** The codebook: 2^bits fp32 centroids, sorted. */
  centroids: Float32Array;
  /** Codebook index of every nonzero, in the tensor's order. */
  indices: Uint8Array;
  /** The tensor with every nonzero replaced by its centroid; zeros stay zero. */
  shared: Float32Array;
  nnz: number;
  iterations: number;
  converged: boolean;
}

export function shareWeights(values: Float32Array, bits: number, options: KMeansOptions = {}): SharedWeights {
  if (!Number.isInteger(bits) || bits < MIN_SHARE_BITS || bits > MAX_SHARE_BITS) {
    throw new EdgescopeError('E_BAD_REQUEST', `weight-sharing bits must be an integer in [${MIN_SHARE_BITS}, ${MAX_SHARE_BITS}], got ${bits}`);
  }
  const k = 2 ** bits;
  const nonzeros: number[] = [];
  for (let i = 0; i < values.length; i++) if (values[i] !== 0) nonzeros.push(values[i]);
  const sorted = Float64Array.from(nonzeros).sort();
  const nnz = sorted.length;
  const lo = nnz > 0 ? sorted[0] : 0;
  const hi = nnz > 0 ? sorted[nnz - 1] : 0;
  const initial = Array.from({ length: k }, (_, j) => lo + ((hi - lo) * j) / (k - 1));
  const { centroids: c64, iterations, converged } = kmeans1d(sorted, initial, options);
  const centroids = Float32Array.from(c64);
  const midpoints = new Float64Array(k - 1);
  for (let j = 0; j < k - 1; j++) midpoints[j] = (centroids[j] + centroids[j + 1]) / 2;
  const indices = new Uint8Array(nnz);
  const shared = new Float32Array(values.length);
  let e = 0;
  for (let i = 0; i < values.length; i++) {
    if (values[i] === 0) continue;
    // The nearest centroid, ties to the lower one: the number of midpoints below the value.
    const j = countBelow(midpoints, values[i], false);
    indices[e++] = j;
    shared[i] = centroids[j];
  }
  return { bits, centroids, indices, shared, nnz, iterations, converged };
}

/** Bits per layer: one number for all, or per initializer/node name with the paper's default. */
export type ShareBits = number | Record<string, number>;

export function shareBitsFor(spec: ShareBits | undefined, initializer: string, node: string, opType: string): number {
  if (typeof spec === 'number') return spec;
  return spec?.[initializer] ?? spec?.[node] ?? defaultShareBits(opType);
}

/** Bytes of a layer's shared form: b-bit indices of the nonzeros plus the fp32 codebook. */
export interface SharedStorage {
  /** ceil(nnz * bits / 8): the nonzeros' positions are counted separately (relative index). */
  indexBytes: number;
  /** 2^bits fp32 centroids. */
  codebookBytes: number;
  bytes: number;
}

export function sharedStorage(nnz: number, bits: number): SharedStorage {
  const indexBytes = Math.ceil((nnz * bits) / 8);
  const codebookBytes = 4 * 2 ** bits;
  return { indexBytes, codebookBytes, bytes: indexBytes + codebookBytes };
}

/**
 * How the shared weights are written into the runnable model:
 * - 'dequantized' (default): each weight initializer holds its centroid values in fp32. The
 *   model keeps its structure, so pruning statistics, inspect, thinning and quantization
 *   still see ordinary float weights; the b-bit storage is what `storage` reports.
 * - 'indexed': the weight is computed in the graph as Gather(codebook, Cast(indices)), with
 *   the codebook [0, c_0 .. c_(2^b - 1)] (index 0 is a pruned zero) and the indices stored
 *   as uint8 (uint16 for 8 bits, whose 257 entries do not fit a byte). The file holds about
 *   a byte per weight instead of four. ORT folds Cast and Gather of constants at session
 *   creation (optimization level basic and above), so inference runs the same fp32 kernels
 *   on the same values as the dequantized form; at level `disabled` the Gather runs each time.
 *   ONNX's Gather takes int32/int64 indices only, hence the Cast.
 */
export type SharedForm = 'dequantized' | 'indexed';

export interface SharedModel {
  model: onnx.ModelProto;
  layers: (SharedWeights & { initializer: string; storage: SharedStorage })[];
}

/** A copy of the model whose prunable weights take their shared values (runnable as is). */
export function shareModelWeights(proto: onnx.IModelProto, bits?: ShareBits, options: KMeansOptions = {}, form: SharedForm = 'dequantized'): SharedModel {
  const graph = { ...proto.graph, initializer: (proto.graph?.initializer ?? []).map((t) => ({ ...t })) };
  const model = onnx.ModelProto.create({ ...proto, graph });
  const indexed: onnx.ITensorProto[] = [];
  const layers = prunableWeights(model).map((w) => {
    const name = w.initializer.name ?? '';
    const values = floatValues(w.initializer);
    const result = shareWeights(values, shareBitsFor(bits, name, w.nodeName, w.opType), options);
    if (form === 'indexed') indexed.push(w.initializer);
    else {
      w.initializer.rawData = new Uint8Array(result.shared.buffer);
      w.initializer.floatData = [];
    }
    return { ...result, initializer: name, storage: sharedStorage(result.nnz, result.bits) };
  });
  if (form === 'indexed') {
    indexed.forEach((t, i) => writeIndexed(model, t, floatValues(t), layers[i]));
  }
  return { model, layers };
}

/** Replace the initializer `t` by Gather(codebook, Cast(indices)) producing a tensor of the same name. */
function writeIndexed(model: onnx.ModelProto, t: onnx.ITensorProto, values: Float32Array, shared: SharedWeights): void {
  const name = t.name ?? '';
  const graph = model.graph!;
  const codebook = new Float32Array(shared.centroids.length + 1);
  codebook.set(shared.centroids, 1);
  const wide = codebook.length > 256;
  const indices = wide ? new Uint16Array(values.length) : new Uint8Array(values.length);
  let e = 0;
  for (let i = 0; i < values.length; i++) if (values[i] !== 0) indices[i] = shared.indices[e++] + 1;
  const tensor = (suffix: string, dataType: number, dims: number[], data: Uint8Array | Uint16Array | Float32Array): onnx.ITensorProto => ({
    name: `${name}.${suffix}`,
    dims,
    dataType,
    rawData: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
  });
  graph.initializer = (graph.initializer ?? []).filter((x) => x !== t);
  graph.initializer.push(
    tensor('codebook', DataType.FLOAT, [codebook.length], codebook),
    tensor('indices', wide ? DataType.UINT16 : DataType.UINT8, t.dims as number[], indices),
  );
  graph.input = (graph.input ?? []).filter((v) => v.name !== name);
  const node = (opType: string, inputs: string[], output: string, attribute: onnx.IAttributeProto[]): onnx.INodeProto => ({
    opType,
    input: inputs,
    output: [output],
    name: `${name}/${opType}`,
    attribute,
  });
  const A = onnx.AttributeProto.AttributeType;
  graph.node = [
    node('Cast', [`${name}.indices`], `${name}.indices_int32`, [{ name: 'to', type: A.INT, i: DataType.INT32 }]),
    node('Gather', [`${name}.codebook`, `${name}.indices_int32`], name, [{ name: 'axis', type: A.INT, i: 0 }]),
    ...(graph.node ?? []),
  ];
}
