/**
 * Which ONNX LSTM nodes the hybrid executor can run itself, and why the others cannot
 * (lstmLayer). An LSTM whose W is pruned runs as two steps: the input projection of every
 * timestep and direction as one sparse product (W·x_t + Wb + Rb, batch = seq_len x batch),
 * then the recurrence (lstm-recurrence.ts): R·h_{t-1} per timestep on the sparse kernels (or a
 * dense product when R is not pruned) and the gates in TypeScript.
 *
 * Only what ONNX's default LSTM computes is taken: activations Sigmoid, Tanh, Tanh; no clip,
 * no coupled input-forget gate, no peepholes, layout 0, every sequence full length, float32.
 * Anything else is refused with the reason, and the node stays in an ORT segment.
 */
import { DataType, elementCount, elementTypeName, floatValues, tensorDims, toNumber, type onnx } from '../../model/onnx-io';
import type { SparseLayer } from './split';

/** ONNX's gate order in W, R and B: input, output, forget, cell. */
export const GATES = 4;

/** A state input (initial_h or initial_c): a tensor produced at run time, or a constant. */
export type LstmState = { tensor: string } | { values: Float32Array };

/** sequence_lens: absent, a tensor produced at run time, or a constant's lengths. */
export type SequenceLens = { tensor: string } | { lengths: number[] } | null;

export interface LstmLayer {
  node: string;
  /** Input X [seq_len, batch, input_size]. */
  x: string;
  initialH: LstmState | null;
  initialC: LstmState | null;
  /** sequence_lens, checked at run time to be seq_len for every sequence; null when absent. */
  sequenceLens: SequenceLens;
  /** Output names; '' when the node does not produce that output. */
  y: string;
  yH: string;
  yC: string;
  direction: 'forward' | 'reverse' | 'bidirectional';
  directions: number;
  hidden: number;
  inputSize: number;
  /**
   * W·x_t + (Wb + Rb) for every timestep and direction as one product: rows = directions x 4 x hidden
   * (ONNX's W rows, direction-major, gates i, o, f, c), cols = input_size. Its output is the tensor
   * `gates` below, [seq_len, batch, rows].
   */
  projection: SparseLayer;
  /** R of each direction, row-major [4 x hidden, hidden]. */
  recurrent: Float32Array[];
  /** R is pruned enough for the sparse kernels; else R·h runs as a dense product. */
  recurrentSparse: boolean;
  /** The tensor handed from the input projection to the recurrence (not a tensor of the model). */
  gates: string;
  densityW: number;
  densityR: number;
  /** Nonzeros of W and R over all their weights: the density of the gate matrix [W R]. */
  density: number;
}

const DEFAULT_ACTIVATIONS = ['sigmoid', 'tanh', 'tanh'];

function nonzeros(w: Float32Array): number {
  let n = 0;
  for (let i = 0; i < w.length; i++) if (w[i] !== 0) n++;
  return n;
}

function attrMap(n: onnx.INodeProto): Map<string, onnx.IAttributeProto> {
  return new Map((n.attribute ?? []).map((a) => [a.name ?? '', a]));
}

const text = (bytes: Uint8Array | null | undefined): string => new TextDecoder().decode(bytes ?? new Uint8Array());

/** A float32 constant of exactly `count` values, or why not. */
function constantFloats(role: string, name: string, inits: Map<string, onnx.ITensorProto>, count: number): Float32Array | string {
  const t = inits.get(name);
  if (!t) return `${role} (${name}) is not a constant initializer`;
  if (t.dataType !== DataType.FLOAT) return `${role} (${name}) is ${elementTypeName(t.dataType ?? 0)}, not float32`;
  const n = elementCount(tensorDims(t));
  if (n !== count) return `${role} (${name}) has ${n} values, expected ${count}`;
  return floatValues(t);
}

/**
 * initial_h / initial_c: absent, a run-time tensor (float32 when its type is known), or a float32
 * constant [directions, batch, hidden] (its batch is checked against X's at run time).
 */
function stateInput(role: string, name: string | undefined, inits: Map<string, onnx.ITensorProto>, types: Map<string, number>, perBatchRow: number): LstmState | null | string {
  if (!name) return null;
  const t = inits.get(name);
  if (t) {
    if (t.dataType !== DataType.FLOAT) return `${role} (${name}) is ${elementTypeName(t.dataType ?? 0)}, not float32`;
    const values = floatValues(t);
    if (values.length === 0 || values.length % perBatchRow !== 0) return `${role} (${name}) has ${values.length} values, not a multiple of directions x hidden (${perBatchRow})`;
    return { values: Float32Array.from(values) };
  }
  const type = types.get(name);
  if (type !== undefined && type !== DataType.FLOAT) return `${role} (${name}) is ${elementTypeName(type)}, not float32`;
  return { tensor: name };
}

/**
 * The LSTM as the hybrid executor runs it, or the reason it cannot. `types`: element types of the
 * graph's tensors (element-types.ts); `maxDensity`: W must be at most this dense to be worth a sparse product.
 */
export function lstmLayer(n: onnx.INodeProto, inits: Map<string, onnx.ITensorProto>, types: Map<string, number>, maxDensity: number): LstmLayer | string {
  const node = n.name || n.output?.[0] || '?';
  const a = attrMap(n);
  const [x = '', wName = '', rName = '', bName = '', seqName = '', hName = '', cName = '', pName = ''] = n.input ?? [];

  // Attributes outside ONNX's default LSTM.
  const activations = (a.get('activations')?.strings ?? []).map((s) => text(s));
  const expected = activations.length === 6 ? [...DEFAULT_ACTIVATIONS, ...DEFAULT_ACTIVATIONS] : DEFAULT_ACTIVATIONS;
  if (activations.length > 0 && activations.some((act, i) => act.toLowerCase() !== expected[i])) {
    return `activations [${activations.join(', ')}] are not the defaults (Sigmoid, Tanh, Tanh): only those are implemented`;
  }
  if (a.has('clip')) return `clip=${a.get('clip')!.f} (cell clipping) is not implemented`;
  if (toNumber(a.get('input_forget')?.i) !== 0) return 'input_forget=1 (coupled input and forget gates) is not implemented';
  if (toNumber(a.get('layout')?.i) !== 0) return 'layout=1 (batch-major X and states) is not implemented: only layout 0';
  if (pName) return `peepholes P (${pName}) are not implemented`;
  if (!(n.output ?? []).some((o) => o !== '')) return 'the node has no outputs';
  const direction = a.has('direction') ? text(a.get('direction')!.s) : 'forward';
  if (direction !== 'forward' && direction !== 'reverse' && direction !== 'bidirectional') return `direction '${direction}' is not forward, reverse or bidirectional`;
  const directions = direction === 'bidirectional' ? 2 : 1;

  // Inputs and weights.
  if (inits.has(x)) return `input X (${x}) is a constant`;
  const xType = types.get(x);
  if (xType !== DataType.FLOAT) return `input X (${x}) is ${xType === undefined ? 'of unknown element type' : elementTypeName(xType)}, not float32`;
  const wTensor = inits.get(wName);
  const rTensor = inits.get(rName);
  if (!wTensor) return `weight W (${wName}) is not a constant initializer`;
  if (!rTensor) return `weight R (${rName}) is not a constant initializer`;
  const [wDims, rDims] = [tensorDims(wTensor), tensorDims(rTensor)];
  if (wDims.length !== 3 || rDims.length !== 3 || wDims[0] !== directions || rDims[0] !== directions) {
    return `W [${wDims.join(',')}] and R [${rDims.join(',')}] are not [${directions}, 4*hidden, *] for direction ${direction}`;
  }
  const hidden = a.has('hidden_size') ? toNumber(a.get('hidden_size')!.i) : rDims[2];
  if (rDims[1] !== GATES * hidden || rDims[2] !== hidden || wDims[1] !== GATES * hidden) {
    return `W [${wDims.join(',')}] and R [${rDims.join(',')}] do not match hidden_size ${hidden}`;
  }
  const inputSize = wDims[2];
  const rows = directions * GATES * hidden;
  const w = constantFloats('weight W', wName, inits, rows * inputSize);
  if (typeof w === 'string') return w;
  const r = constantFloats('weight R', rName, inits, rows * hidden);
  if (typeof r === 'string') return r;
  let b: Float32Array | null = null;
  if (bName) {
    const values = constantFloats('bias B', bName, inits, directions * 2 * GATES * hidden);
    if (typeof values === 'string') return values;
    b = values;
  }

  const lens = sequenceLens(seqName, inits, types);
  if (typeof lens === 'string') return lens;
  const initialH = stateInput('initial_h', hName, inits, types, directions * hidden);
  if (typeof initialH === 'string') return initialH;
  const initialC = stateInput('initial_c', cName, inits, types, directions * hidden);
  if (typeof initialC === 'string') return initialC;

  const densityW = nonzeros(w) / w.length;
  if (densityW > maxDensity) {
    return `W density ${(densityW * 100).toFixed(1)}% is above ${maxDensity * 100}%: the input projection would stream more bytes sparse than dense`;
  }
  const densityR = nonzeros(r) / r.length;
  const gates = `${node}/input-projection:gates`;
  const projection: SparseLayer = {
    node: `${node}/input-projection`,
    opType: 'LSTM',
    input: x,
    output: gates,
    weightName: wName,
    rows,
    cols: inputSize,
    weights: Float32Array.from(w),
    bias: combinedBias(b, directions, hidden),
    layout: 'rows',
    density: densityW,
    fused: [],
    relu: false,
  };
  const perDirection = GATES * hidden * hidden;
  return {
    node,
    x,
    initialH,
    initialC,
    sequenceLens: lens,
    y: n.output?.[0] ?? '',
    yH: n.output?.[1] ?? '',
    yC: n.output?.[2] ?? '',
    direction,
    directions,
    hidden,
    inputSize,
    projection,
    recurrent: Array.from({ length: directions }, (_, d) => Float32Array.from(r.subarray(d * perDirection, (d + 1) * perDirection))),
    recurrentSparse: densityR <= maxDensity,
    gates,
    densityW,
    densityR,
    density: (densityW * w.length + densityR * r.length) / (w.length + r.length),
  };
}

/**
 * sequence_lens: absent (null), a run-time tensor (checked to be full length when it arrives), or
 * a constant whose lengths must all be equal (checked against seq_len at run time).
 */
function sequenceLens(name: string, inits: Map<string, onnx.ITensorProto>, types: Map<string, number>): SequenceLens | string {
  if (!name) return null;
  const t = inits.get(name);
  if (!t) {
    const type = types.get(name);
    if (type !== undefined && type !== DataType.INT32) return `sequence_lens (${name}) is ${elementTypeName(type)}, not int32`;
    return { tensor: name };
  }
  if (t.dataType !== DataType.INT32) return `sequence_lens (${name}) is ${elementTypeName(t.dataType ?? 0)}, not int32`;
  const raw = t.rawData && t.rawData.length > 0 ? new Int32Array(Uint8Array.prototype.slice.call(t.rawData).buffer) : null;
  const lengths = raw ? [...raw] : (t.int32Data ?? []).map((v) => toNumber(v));
  if (new Set(lengths).size > 1) return `sequence_lens [${lengths.join(',')}] varies: only full-length sequences are implemented`;
  return { lengths };
}

/** The tensors an LSTM's steps read from earlier pieces of the cut model. */
export function lstmReads(lstm: LstmLayer): string[] {
  const state = (s: LstmState | null) => (s && 'tensor' in s ? [s.tensor] : []);
  const lens = lstm.sequenceLens && 'tensor' in lstm.sequenceLens ? [lstm.sequenceLens.tensor] : [];
  return [lstm.x, ...state(lstm.initialH), ...state(lstm.initialC), ...lens];
}

/** Wb + Rb per direction, in W's row order; zeros without B. */
function combinedBias(b: Float32Array | null, directions: number, hidden: number): Float32Array {
  const rows = GATES * hidden;
  const bias = new Float32Array(directions * rows);
  if (!b) return bias;
  for (let d = 0; d < directions; d++) for (let i = 0; i < rows; i++) bias[d * rows + i] = b[d * 2 * rows + i] + b[d * 2 * rows + rows + i];
  return bias;
}
