/**
 * Work (FLOPs) and traffic (bytes) of one executed operator, from the shapes in
 * onnxruntime's trace. See docs/attribution.md for the formulas and their sources.
 *
 * Shapes come from the optimized graph. ORT leaves out weights it has pre-packed
 * (MatMul/Gemm B), so those are reconstructed from the activation and output shapes.
 * A multiply-add counts as 2 FLOPs.
 */
import type { KernelEvent } from '../trace/ort-trace';

export interface OpCost {
  /** null: no FLOP model for this op type. */
  flops: number | null;
  parameterBytes: number;
  activationBytes: number;
  outputBytes: number;
  /** parameterBytes + activationBytes + outputBytes. */
  bytes: number;
  /** Integer arithmetic (compared with the fp32 peak, so flagged). */
  integer: boolean;
}

const DTYPE_BYTES: Record<string, number> = {
  float: 4, float16: 2, bfloat16: 2, double: 8, int8: 1, uint8: 1, int16: 2, uint16: 2, int32: 4, uint32: 4,
  int64: 8, uint64: 8, bool: 1,
};

const numel = (dims: readonly number[]): number => dims.reduce((a, b) => a * b, 1);
const tensorBytes = (dims: readonly number[], type: string): number => numel(dims) * (DTYPE_BYTES[type] ?? 4);
const last = (dims: readonly number[]): number => dims[dims.length - 1] ?? 1;

/** Ops that only move or reinterpret data: 0 FLOPs, all traffic. */
const DATA_MOVEMENT = new Set([
  'Reshape', 'Flatten', 'Squeeze', 'Unsqueeze', 'Identity', 'Transpose', 'Concat', 'Split', 'Slice', 'Gather',
  'GatherElements', 'GatherND', 'Expand', 'Tile', 'Pad', 'Cast', 'Shape', 'Size', 'ReorderInput', 'ReorderOutput',
  'MemcpyFromHost', 'MemcpyToHost', 'DepthToSpace', 'SpaceToDepth', 'Resize', 'Upsample', 'ScatterND', 'Where',
]);

/** Elementwise ops: FLOPs per output element (about one; transcendental ones a few). */
const ELEMENTWISE: Record<string, number> = {
  Add: 1, Sub: 1, Mul: 1, Div: 1, Relu: 1, LeakyRelu: 2, PRelu: 2, Clip: 2, Max: 1, Min: 1, Neg: 1, Abs: 1,
  Sqrt: 1, Reciprocal: 1, Pow: 1, Equal: 1, Less: 1, Greater: 1, Not: 1, And: 1, Or: 1, Floor: 1, Ceil: 1,
  Sigmoid: 4, Tanh: 4, Exp: 4, Log: 4, Erf: 4, Gelu: 8, FastGelu: 8, BiasGelu: 9, QuickGelu: 5, HardSigmoid: 3,
  HardSwish: 4, Swish: 5, Mish: 8, Softplus: 4, Elu: 4, Selu: 5, Sin: 4, Cos: 4,
};

/** Normalizations: FLOPs per element (inference: statistics precomputed for BN). */
const NORMALIZATION: Record<string, number> = {
  BatchNormalization: 2, LayerNormalization: 8, SimplifiedLayerNormalization: 6, SkipLayerNormalization: 9,
  SkipSimplifiedLayerNormalization: 7, InstanceNormalization: 8, GroupNormalization: 8, LpNormalization: 4,
};

const POOLING = new Set(['MaxPool', 'AveragePool', 'GlobalAveragePool', 'GlobalMaxPool', 'LpPool']);
const REDUCTIONS = new Set(['ReduceMean', 'ReduceSum', 'ReduceMax', 'ReduceMin', 'ReduceProd', 'ReduceL2', 'ReduceSumSquare', 'ArgMax', 'ArgMin']);
const INTEGER_OPS = new Set(['MatMulInteger', 'QLinearMatMul', 'QLinearConv', 'ConvInteger', 'DynamicQuantizeMatMul', 'MatMulIntegerToFloat', 'QGemm']);

function matmulLike(k: KernelEvent): { flops: number; weightBytes: number } {
  const a = k.inputShapes[0] ?? [];
  const y = k.outputShapes[0] ?? [];
  const K = last(a);
  const flops = 2 * numel(y) * K + (k.opType.includes('Gemm') ? numel(y) : 0);
  // B is missing from the trace when ORT pre-packed it (it is then an initializer).
  const hasMatrixB = k.inputShapes.length >= 2 && (k.inputShapes[1]?.length ?? 0) >= 2;
  const weightBytes = hasMatrixB ? 0 : K * last(y) * (DTYPE_BYTES[k.inputTypes[0]] ?? 4);
  return { flops, weightBytes };
}

function convFlops(k: KernelEvent, sourceWeight?: number[]): number | null {
  // EPs that pre-pack the weight (WebGPU, NHWC kernels) leave it out of the trace: use the model's.
  const listed = k.inputShapes[1];
  const weightListed = listed !== undefined && listed.length >= 3;
  const w = weightListed ? listed : sourceWeight;
  const y = k.outputShapes[0];
  if (!w || !y || w.length < 3) return null;
  // 2 * N * Cout * prod(out spatial) * (Cin/groups) * prod(kernel) = 2 * numel(Y) * numel(W) / Cout.
  const macs = (numel(y) * numel(w)) / w[0];
  const hasBias = weightListed ? k.inputShapes[2] !== undefined : listed?.length === 1;
  const bias = hasBias ? numel(y) : 0;
  return 2 * macs + bias;
}

function convTransposeFlops(k: KernelEvent): number | null {
  const x = k.inputShapes[0];
  const w = k.inputShapes[1];
  if (!x || !w || w.length < 3) return null;
  // W: [Cin, Cout/groups, k...]: every input element scatters into Cout/groups * prod(k) outputs.
  return (2 * numel(x) * numel(w)) / w[0];
}

function recurrentFlops(k: KernelEvent, gates: number): number | null {
  const x = k.inputShapes[0];
  const w = k.inputShapes[1];
  const r = k.inputShapes[2];
  if (!x || x.length !== 3) return null;
  const [seq, batch, inputSize] = x;
  const directions = w?.[0] ?? 1;
  const hidden = r ? last(r) : w ? w[1] / gates : null;
  if (!hidden) return null;
  const matmuls = 2 * gates * hidden * (inputSize + hidden);
  const pointwise = gates * hidden * 4 + hidden * 6; // activations, gate products, state update
  return directions * seq * batch * (matmuls + pointwise);
}

function flopsOf(k: KernelEvent, sourceWeight?: number[]): number | null {
  const op = k.opType;
  const y = k.outputShapes[0] ?? [];
  const x = k.inputShapes[0] ?? [];
  if (DATA_MOVEMENT.has(op)) return 0;
  if (op in ELEMENTWISE) return ELEMENTWISE[op] * numel(y);
  if (op in NORMALIZATION) return NORMALIZATION[op] * numel(x);
  if (POOLING.has(op) || REDUCTIONS.has(op)) return numel(x);
  if (op === 'Softmax' || op === 'LogSoftmax') return 5 * numel(x);
  if (op === 'Conv' || op === 'FusedConv' || op === 'QLinearConv' || op === 'ConvInteger' || op === 'NhwcFusedConv') return convFlops(k, sourceWeight);
  if (op === 'ConvTranspose') return convTransposeFlops(k);
  if (op === 'LSTM') return recurrentFlops(k, 4);
  if (op === 'GRU') return recurrentFlops(k, 3);
  if (op === 'RNN') return recurrentFlops(k, 1);
  return null;
}

const MATMUL_LIKE = new Set(['MatMul', 'FusedMatMul', 'Gemm', 'FusedGemm', 'MatMulInteger', 'QLinearMatMul', 'DynamicQuantizeMatMul', 'MatMulIntegerToFloat', 'QGemm', 'MatMulNBits']);
/** Ops whose inputs after the first are weights (initializers) in inference graphs. */
const WEIGHTED = new Set(['Conv', 'FusedConv', 'NhwcFusedConv', 'ConvTranspose', 'QLinearConv', 'ConvInteger', 'LSTM', 'GRU', 'RNN', ...Object.keys(NORMALIZATION)]);

/**
 * `sourceWeight`: dims of the node's weight in the model (SourceGraph.weightDims), used when
 * the trace does not list the weight.
 */
export function opCost(k: KernelEvent, sourceWeight?: number[]): OpCost {
  const outputBytes = k.outputShapes.reduce((s, d, i) => s + tensorBytes(d, k.outputTypes[i]), 0);
  const inputBytes = k.inputShapes.map((d, i) => tensorBytes(d, k.inputTypes[i]));
  let flops: number | null;
  let parameterBytes: number;
  let activationBytes: number;
  if (MATMUL_LIKE.has(k.opType)) {
    const mm = matmulLike(k);
    flops = mm.flops;
    // Listed inputs past the first are B (when not pre-packed), bias, scales: parameters.
    const listedParams = inputBytes.slice(1).reduce((a, b) => a + b, 0);
    parameterBytes = k.opType === 'MatMul' && mm.weightBytes === 0 ? 0 : mm.weightBytes + listedParams;
    activationBytes = k.opType === 'MatMul' && mm.weightBytes === 0 ? inputBytes.reduce((a, b) => a + b, 0) : inputBytes[0] ?? 0;
    if (k.opType === 'MatMulNBits') flops = 2 * numel(k.outputShapes[0] ?? []) * last(k.inputShapes[0] ?? []);
  } else {
    flops = flopsOf(k, sourceWeight);
    parameterBytes = WEIGHTED.has(k.opType) ? inputBytes.slice(1).reduce((a, b) => a + b, 0) : 0;
    const weightListed = (k.inputShapes[1]?.length ?? 0) >= 3;
    if (WEIGHTED.has(k.opType) && !weightListed && sourceWeight && sourceWeight.length >= 3) {
      parameterBytes += sourceWeight.reduce((a, b) => a * b, 1) * (DTYPE_BYTES[k.inputTypes[0]] ?? 4);
    }
    activationBytes = WEIGHTED.has(k.opType) ? (inputBytes[0] ?? 0) : inputBytes.reduce((a, b) => a + b, 0);
  }
  return {
    flops,
    parameterBytes,
    activationBytes,
    outputBytes,
    bytes: parameterBytes + activationBytes + outputBytes,
    integer: INTEGER_OPS.has(k.opType),
  };
}

/**
 * A sparse-kernel layer of a hybrid run (sparse/hybrid): exact bytes, not a dense model's.
 * FLOPs count only the nonzeros' multiply-adds (2 * nnz * batch); parameters are the stored
 * matrix as the kernel streams it (SparseMatrix.bytes) plus the bias; activations and outputs
 * are the dense fp32 input and output.
 */
export function sparseOpCost(s: { nnz: number; batch: number; rows: number; cols: number; matrixBytes: number; biasBytes: number }): OpCost {
  const parameterBytes = s.matrixBytes + s.biasBytes;
  const activationBytes = s.batch * s.cols * 4;
  const outputBytes = s.batch * s.rows * 4;
  return {
    flops: 2 * s.nnz * s.batch,
    parameterBytes,
    activationBytes,
    outputBytes,
    bytes: parameterBytes + activationBytes + outputBytes,
    integer: false,
  };
}

/** FLOPs of one LSTM cell per hidden unit and batch row, after R·h (sparse/hybrid/lstm-recurrence.ts). */
export const LSTM_CELL_FLOPS_PER_UNIT =
  4 + // the projected gates added to R·h, 4 gates
  4 * 4 + // σ(i), σ(o), σ(f), tanh(c̃) at 4 FLOPs each, as Sigmoid and Tanh above
  4 + // tanh(C_t)
  3 + // C_t = f ⊙ C_{t-1} + i ⊙ c̃
  1; // H_t = o ⊙ tanh(C_t)

/**
 * The recurrence of an LSTM in a hybrid run: per timestep and direction the product R·h (2 FLOPs
 * per stored weight and batch row; `nnz` over all directions) and the cell. Parameters: the stored
 * R as the kernel streams it once per timestep (`matrixBytes` over all directions); activations:
 * the projected gates [seq, batch, directions·4·hidden] and the initial states given; outputs: Y
 * when the node has it, and Y_h, Y_c when it has them. All fp32.
 */
export function sparseLstmRecurrenceCost(s: {
  nnz: number;
  matrixBytes: number;
  seq: number;
  batch: number;
  hidden: number;
  directions: number;
  stateInputs: number;
  stateOutputs: number;
  writesY: boolean;
}): OpCost {
  const state = s.directions * s.batch * s.hidden * 4;
  const parameterBytes = s.seq * s.matrixBytes;
  const activationBytes = s.seq * s.batch * s.directions * 4 * s.hidden * 4 + s.stateInputs * state;
  const outputBytes = (s.writesY ? s.seq : 0) * state + s.stateOutputs * state;
  return {
    flops: s.seq * s.batch * (2 * s.nnz + LSTM_CELL_FLOPS_PER_UNIT * s.hidden * s.directions),
    parameterBytes,
    activationBytes,
    outputBytes,
    bytes: parameterBytes + activationBytes + outputBytes,
    integer: false,
  };
}
