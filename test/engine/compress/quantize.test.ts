/**
 * Quantization modes on small MatMul / Gemm / Conv models, each run in onnxruntime through
 * the run worker and compared with the fp32 model on the same inputs. Tolerances are not
 * guessed: each test computes, per output element, the worst case the quantization steps
 * allow (|x| times half a weight step plus |w| times half an activation step, ...).
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { quantizeModel, type CalibrationFeed, type QuantizeOptions } from '../../../src/main/engine/compress/quantize';
import { dequantizeBlockwise, quantizeBlockwise } from '../../../src/main/engine/compress/quantize/weight-only';
import { quantizeColumnsInt8, quantizePerChannelInt8, roundHalfEven, uint8Params } from '../../../src/main/engine/compress/quantize/int8-math';
import { buildModel, floatTensor, node, valueInfo, type AttrValue } from '../../../src/main/engine/model/graph-builder';
import { DataType, floatValues, onnx, readModel, tensorDims, toNumber, writeModel } from '../../../src/main/engine/model/onnx-io';
import type { RunSpec } from '../../../src/main/engine/run/messages';
import { RunWorker } from '../../../src/main/engine/run/runner';
import { parseTrace, readTraceFile } from '../../../src/main/engine/trace/ort-trace';
import { SeededRandom } from '../../../src/shared/random';
import { tempDir } from '../../helpers';

const dir = tempDir('quantize');
let worker: RunWorker;
let fileCount = 0;

beforeAll(async () => {
  worker = await RunWorker.start();
});
afterAll(async () => {
  await worker?.dispose();
});

const context = { runWorker: async () => worker };
/** For the modes that must not start a worker. */
const noWorker = {
  runWorker: async (): Promise<RunWorker> => {
    throw new Error('this mode must not start a run worker');
  },
};

function gaussian(n: number, seed: number, sd: number): Float32Array {
  const rng = new SeededRandom(seed);
  return Float32Array.from({ length: n }, () => rng.normal() * sd);
}

function matMulModel(k: number, n: number, seed: number): onnx.ModelProto {
  return buildModel({
    name: 'matmul',
    nodes: [node('MatMul', ['x', 'W'], ['y'], 'fc')],
    initializers: [floatTensor('W', [k, n], gaussian(k * n, seed, 0.05))],
    inputs: [valueInfo('x', ['batch', k])],
    outputs: [valueInfo('y', ['batch', n])],
  });
}

/** y = alpha * x B^T + beta * c with B stored N x K (transB). */
function gemmModel(k: number, n: number, attrs: Record<string, AttrValue>): onnx.ModelProto {
  return buildModel({
    name: 'gemm',
    nodes: [node('Gemm', ['x', 'B', 'c'], ['y'], 'fc', { transB: 1, ...attrs })],
    initializers: [floatTensor('B', [n, k], gaussian(k * n, 2, 0.05)), floatTensor('c', [n], gaussian(n, 3, 0.1))],
    inputs: [valueInfo('x', ['batch', k])],
    outputs: [valueInfo('y', ['batch', n])],
  });
}

function convModel(): onnx.ModelProto {
  return buildModel({
    name: 'conv',
    nodes: [node('Conv', ['x', 'W', 'b'], ['y'], 'conv', { kernel_shape: [3, 3], pads: [1, 1, 1, 1] })],
    initializers: [floatTensor('W', [8, 3, 3, 3], gaussian(216, 4, 0.3)), floatTensor('b', [8], gaussian(8, 5, 0.1))],
    inputs: [valueInfo('x', [1, 3, 8, 8])],
    outputs: [valueInfo('y', [1, 8, 8, 8])],
  });
}

interface Ran {
  output: Float64Array;
  ops: Set<string>;
  /** The model as written to disk and read back. */
  written: onnx.ModelProto;
}

/** Write the model and run it once in the worker on `feed`; the op types come from ORT's profile. */
async function run(model: onnx.IModelProto, feed: CalibrationFeed, profile = false): Promise<Ran> {
  const modelPath = join(dir, `m${fileCount++}.onnx`);
  await writeModel(modelPath, model);
  const spec: RunSpec = {
    modelPath,
    ep: 'cpu',
    threads: 1,
    graphOptimizationLevel: 'all',
    inputs: Object.entries(feed).map(([name, t]) => ({ name, dtype: 'float32', dims: t.dims })),
    feeds: feed,
    seed: 0,
    warmupRuns: 0,
    timedRuns: 0,
    minTimeMs: 0,
    profiledRuns: profile ? 1 : 0,
    profileDir: dir,
    returnOutputs: true,
    clockOriginNs: process.hrtime.bigint().toString(),
  };
  const result = await worker.run(spec);
  const ops = new Set<string>();
  if (profile) for (const r of parseTrace(readTraceFile(result.profilePath!)).runs) for (const k of r.kernels) ops.add(k.opType);
  return { output: result.outputs![0].data, ops, written: readModel(modelPath).proto };
}

function initializer(model: onnx.IModelProto, name: string): onnx.ITensorProto {
  const t = model.graph!.initializer!.find((i) => i.name === name);
  if (!t) throw new Error(`no initializer ${name}`);
  return t;
}

function attr(n: onnx.INodeProto, name: string): number {
  return toNumber(n.attribute!.find((a) => a.name === name)!.i as number);
}

/** Every |actual - expected| within its bound, and the quantization visible (not an fp32 pass-through). */
function expectWithin(actual: Float64Array, expected: Float64Array, bound: Float64Array): void {
  expect(actual).toHaveLength(expected.length);
  let over = 0;
  let maxErr = 0;
  for (let i = 0; i < actual.length; i++) {
    const err = Math.abs(actual[i] - expected[i]);
    maxErr = Math.max(maxErr, err);
    // fp32 accumulation in either model: a relative 1e-5 on top of the quantization bound.
    if (err > bound[i] + 1e-5 * (Math.abs(expected[i]) + 1)) over++;
  }
  expect(over).toBe(0);
  expect(maxErr).toBeGreaterThan(0);
}

/**
 * The bound for y = x W' (+ bias) when x is rounded to a step `xStep(k)` and W' to a step
 * `wStep(k, n)`: sum over k of |x| w/2 + |W'| x/2 + x w/4, plus `extra[n]`.
 */
function linearBound(x: Float32Array, m: number, k: number, n: number, weight: Float32Array, xStep: (row: number, kk: number) => number, wStep: (kk: number, nn: number) => number, extra: (nn: number) => number = () => 0): Float64Array {
  const bound = new Float64Array(m * n);
  for (let r = 0; r < m; r++) {
    for (let c = 0; c < n; c++) {
      let b = extra(c);
      for (let kk = 0; kk < k; kk++) {
        const xs = xStep(r, kk);
        const ws = wStep(kk, c);
        b += (Math.abs(x[r * k + kk]) * ws) / 2 + (Math.abs(weight[kk * n + c]) * xs) / 2 + (xs * ws) / 4;
      }
      bound[r * n + c] = b;
    }
  }
  return bound;
}

function columnMaxAbs(weight: Float32Array, k: number, n: number): Float64Array {
  const m = new Float64Array(n);
  for (let i = 0; i < k * n; i++) m[i % n] = Math.max(m[i % n], Math.abs(weight[i]));
  return m;
}

/** The step of DynamicQuantizeLinear / a calibrated uint8 tensor: its range (with 0) over 255. */
function uint8Step(values: Float32Array): number {
  let lo = 0;
  let hi = 0;
  for (const v of values) {
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  return (hi - lo) / 255;
}

/** Gemm's effective K x N weight alpha * B^T. */
function gemmWeight(model: onnx.IModelProto, k: number, n: number, alpha: number): Float32Array {
  const b = floatValues(initializer(model, 'B'));
  const w = new Float32Array(k * n);
  for (let r = 0; r < n; r++) for (let c = 0; c < k; c++) w[c * n + r] = alpha * b[r * k + c];
  return w;
}

/** The weight step of block-wise quantization, per (k, n): the block's range (with 0) over 2^bits - 1. */
function blockStep(w: Float32Array, k: number, n: number, bits: number, blockSize: number): (kk: number, c: number) => number {
  const blocks = Math.ceil(k / blockSize);
  const steps = new Float64Array(blocks * n);
  for (let c = 0; c < n; c++) {
    for (let b = 0; b < blocks; b++) {
      let lo = 0;
      let hi = 0;
      for (let kk = b * blockSize; kk < Math.min(k, (b + 1) * blockSize); kk++) {
        lo = Math.min(lo, w[kk * n + c]);
        hi = Math.max(hi, w[kk * n + c]);
      }
      steps[b * n + c] = (hi - lo) / (2 ** bits - 1);
    }
  }
  return (kk, c) => steps[Math.floor(kk / blockSize) * n + c];
}

/** accuracy_level 4's step for A, per (row, k): max |x| over the block of K, over 127. */
function xBlockStep(x: Float32Array, k: number, blockSize: number): (r: number, kk: number) => number {
  return (r, kk) => {
    const start = Math.floor(kk / blockSize) * blockSize;
    let m = 0;
    for (let j = start; j < Math.min(k, start + blockSize); j++) m = Math.max(m, Math.abs(x[r * k + j]));
    return m / 127;
  };
}

const K = 256;
const N = 96;
const M = 3;
const x = gaussian(M * K, 11, 1);
const feed: CalibrationFeed = { x: { dims: [M, K], data: x } };

describe('quantization arithmetic', () => {
  it('rounds half to even and picks uint8 parameters whose range contains 0', () => {
    expect([0.5, 1.5, 2.5, -0.5, -1.5, 2.4, 2.6].map(roundHalfEven)).toEqual([0, 2, 2, -0, -2, 2, 3]);
    // [-1, 3] -> step 4/255, zero point round(255/4) = 64.
    expect(uint8Params(-1, 3)).toEqual({ scale: Math.fround(4 / 255), zeroPoint: 64 });
    // All positive: the range is widened to [0, max], zero point 0.
    expect(uint8Params(2, 5.1)).toEqual({ scale: Math.fround(5.1 / 255), zeroPoint: 0 });
  });

  it('quantizes int8 weights symmetrically per column / channel (known answer)', () => {
    // [[1, -3], [0.25, 4]]: column scales 1/127 and 4/127 -> [[127, -95.25 -> -95], [31.75 -> 32, 127]].
    const w = Float32Array.of(1, -3, 0.25, 4);
    const byColumn = quantizeColumnsInt8(w, 2, 2);
    expect(Array.from(byColumn.q)).toEqual([127, -95, 32, 127]);
    expect(Array.from(byColumn.scales)).toEqual([Math.fround(1 / 127), Math.fround(4 / 127)]);
    const byChannel = quantizePerChannelInt8(w, 2, 1);
    expect(byChannel).toEqual(byColumn);
    // Channel = outer axis (a Conv's output channel): rows are channels here, an all-zero one gets scale 1.
    expect(Array.from(quantizePerChannelInt8(Float32Array.of(0, 0, 2, -1), 2, 2).q)).toEqual([0, 0, 127, -64]);
  });

  it('packs 4-bit blocks low nibble first, with per-block scales and zero points (known answer)', () => {
    // One column (N = 1), K = 16, block 16: w = 0.1 * (i - 8) -> range [-0.8, 0.7], step 0.1, zero point 8, q = i.
    const w = Float32Array.from({ length: 16 }, (_, i) => 0.1 * (i - 8));
    const q = quantizeBlockwise(w, 16, 1, 4, 16);
    expect(Array.from(q.packed)).toEqual([0x10, 0x32, 0x54, 0x76, 0x98, 0xba, 0xdc, 0xfe]);
    expect(q.scales[0]).toBeCloseTo(0.1, 6);
    expect(Array.from(q.zeroPoints)).toEqual([8]);
    const back = dequantizeBlockwise(q, 16, 1, 4, 16);
    back.forEach((v, i) => expect(v).toBeCloseTo(w[i], 6));
  });

  it('pads the last block, keeps zeros exact and bounds the error by half a step (8 and 4 bits)', () => {
    const k = 40; // blocks of 16: 16, 16, 8 + 8 padding
    const n = 3;
    const w = gaussian(k * n, 7, 1);
    for (let i = 0; i < w.length; i += 5) w[i] = 0;
    for (const bits of [8, 4] as const) {
      const q = quantizeBlockwise(w, k, n, bits, 16);
      expect(q.kBlocks).toBe(3);
      expect(q.packed).toHaveLength(n * 3 * ((16 * bits) / 8));
      expect(q.zeroPoints).toHaveLength(n * Math.ceil((3 * bits) / 8));
      const back = dequantizeBlockwise(q, k, n, bits, 16);
      for (let i = 0; i < w.length; i++) {
        const step = q.scales[(i % n) * 3 + Math.floor(Math.floor(i / n) / 16)];
        expect(Math.abs(back[i] - w[i])).toBeLessThanOrEqual(step / 2 + 1e-6);
        if (w[i] === 0) expect(back[i]).toBe(0);
      }
    }
  });
});

describe('int8-dynamic', () => {
  it('turns a MatMul into DynamicQuantizeMatMul with int8 per-column weights, within the int8 bound', async () => {
    const model = matMulModel(K, N, 1);
    const result = await quantizeModel(model, { mode: 'int8-dynamic' }, noWorker);
    expect(result.layers).toEqual([{ name: 'fc', opType: 'MatMul', quantized: true }]);
    const g = result.model.graph!;
    expect(g.node!.map((n) => [n.opType, n.domain])).toEqual([['DynamicQuantizeMatMul', 'com.microsoft']]);
    const [, wq, ws] = g.node![0].input!;
    expect(initializer(result.model, wq)).toMatchObject({ dataType: DataType.INT8 });
    expect(tensorDims(initializer(result.model, wq))).toEqual([K, N]);
    expect(tensorDims(initializer(result.model, ws))).toEqual([N]);
    expect(g.initializer!.some((t) => t.dataType === DataType.FLOAT && tensorDims(t).length === 2)).toBe(false);

    const reference = await run(model, feed);
    const quantized = await run(result.model, feed, true);
    expect(quantized.ops.has('DynamicQuantizeMatMul')).toBe(true);
    // The file on disk holds the int8 weight (1 byte each), not a float one.
    expect(quantized.written.graph!.initializer!.map((t) => [t.dataType, tensorDims(t)])).toEqual([
      [DataType.INT8, [K, N]],
      [DataType.FLOAT, [N]],
    ]);
    expect(quantized.written.opsetImport!.some((o) => o.domain === 'com.microsoft')).toBe(true);
    const w = floatValues(initializer(model, 'W'));
    const colMax = columnMaxAbs(w, K, N);
    const xStep = uint8Step(x);
    expectWithin(quantized.output, reference.output, linearBound(x, M, K, N, w, () => xStep, (_, c) => colMax[c] / 127));
  });

  it('handles Gemm with transB, alpha, beta and a bias', async () => {
    const alpha = 0.5;
    const beta = 2.5;
    const model = gemmModel(K, N, { alpha: { float: alpha }, beta: { float: beta } });
    const result = await quantizeModel(model, { mode: 'int8-dynamic' }, noWorker);
    expect(result.layers).toEqual([{ name: 'fc', opType: 'Gemm', quantized: true }]);
    const q = result.model.graph!.node![0];
    expect(q.opType).toBe('DynamicQuantizeMatMul');
    // The bias input (4) holds beta * c.
    const bias = floatValues(initializer(result.model, q.input![4]));
    const c = floatValues(initializer(model, 'c'));
    bias.forEach((v, i) => expect(v).toBeCloseTo(beta * c[i], 6));

    const reference = await run(model, feed);
    const quantized = await run(result.model, feed);
    const w = gemmWeight(model, K, N, alpha);
    const colMax = columnMaxAbs(w, K, N);
    const xStep = uint8Step(x);
    expectWithin(quantized.output, reference.output, linearBound(x, M, K, N, w, () => xStep, (_, col) => colMax[col] / 127));
  });
});

describe('int8-weight and int4-weight (MatMulNBits)', () => {
  for (const [mode, bits] of [['int8-weight', 8], ['int4-weight', 4]] as const) {
    it(`${mode}: MatMulNBits with ORT's packing, close to fp32 within the block steps`, async () => {
      const k = 200; // not a multiple of the block: the last block is padded
      const blockSize = 32;
      const model = matMulModel(k, N, 21);
      const result = await quantizeModel(model, { mode, blockSize }, noWorker);
      expect(result.layers).toEqual([{ name: 'fc', opType: 'MatMul', quantized: true }]);
      const q = result.model.graph!.node![0];
      expect([q.opType, q.domain]).toEqual(['MatMulNBits', 'com.microsoft']);
      expect(['K', 'N', 'bits', 'block_size', 'accuracy_level'].map((a) => attr(q, a))).toEqual([k, N, bits, blockSize, 4]);
      const packed = initializer(result.model, q.input![1]);
      expect(packed.dataType).toBe(DataType.UINT8);
      const kBlocks = Math.ceil(k / blockSize);
      expect(tensorDims(packed)).toEqual([N, kBlocks, (blockSize * bits) / 8]);

      const xs = gaussian(M * k, 12, 1);
      const f: CalibrationFeed = { x: { dims: [M, k], data: xs } };
      const reference = await run(model, f);
      const quantized = await run(result.model, f, true);
      expect(quantized.ops.has('MatMulNBits')).toBe(true);

      // Bound from the spec alone (so a packing ORT reads differently fails): each weight off by at
      // most half its block's step, x off by half of max|x_block| / 127 (accuracy_level 4's int8 A).
      const w = floatValues(initializer(model, 'W'));
      const bound = linearBound(xs, M, k, N, w, xBlockStep(xs, k, blockSize), blockStep(w, k, N, bits, blockSize));
      expectWithin(quantized.output, reference.output, bound);
    });
  }

  it('folds Gemm alpha/beta into scales and bias', async () => {
    const model = gemmModel(K, N, { alpha: { float: 0.5 }, beta: { float: 2.5 } });
    const result = await quantizeModel(model, { mode: 'int4-weight' }, noWorker);
    const q = result.model.graph!.node![0];
    expect(q.opType).toBe('MatMulNBits');
    expect(attr(q, 'block_size')).toBe(32); // the default
    const reference = await run(model, feed);
    const quantized = await run(result.model, feed);
    const w = gemmWeight(model, K, N, 0.5);
    const bound = linearBound(x, M, K, N, w, xBlockStep(x, K, 32), blockStep(w, K, N, 4, 32));
    expectWithin(quantized.output, reference.output, bound);
  });
});

describe('int8-static (QDQ with min-max calibration)', () => {
  it('Conv: per-channel int8 weights, int32 bias, uint8 activations, fused by ORT into QLinearConv', async () => {
    const model = convModel();
    const xc = gaussian(3 * 64, 13, 1);
    const f: CalibrationFeed = { x: { dims: [1, 3, 8, 8], data: xc } };
    const result = await quantizeModel(model, { mode: 'int8-static', calibration: [f] }, context);
    expect(result.layers).toEqual([{ name: 'conv', opType: 'Conv', quantized: true }]);
    const g = result.model.graph!;
    expect(g.node!.map((n) => n.opType)).toEqual(['QuantizeLinear', 'DequantizeLinear', 'DequantizeLinear', 'DequantizeLinear', 'Conv', 'QuantizeLinear', 'DequantizeLinear']);
    const [xdq, wdq, bdq] = g.node!.filter((n) => n.opType === 'DequantizeLinear');
    expect(initializer(result.model, xdq.input![2]).dataType).toBe(DataType.UINT8); // activation zero point
    expect(initializer(result.model, wdq.input![0]).dataType).toBe(DataType.INT8);
    expect(initializer(result.model, bdq.input![0]).dataType).toBe(DataType.INT32);
    expect(tensorDims(initializer(result.model, g.node![2].input![1]))).toEqual([8]); // one weight scale per output channel

    const reference = await run(model, f);
    const quantized = await run(result.model, f, true);
    expect(quantized.ops.has('QLinearConv')).toBe(true);

    // Direct convolution bound: sum over the receptive field, plus half an output step.
    const w = floatValues(initializer(model, 'W'));
    const wStep = Array.from({ length: 8 }, (_, o) => Math.max(...Array.from(w.subarray(o * 27, o * 27 + 27), Math.abs)) / 127);
    const xStep = uint8Step(xc);
    const refOut = Float32Array.from(reference.output);
    const yStep = uint8Step(refOut);
    const bound = new Float64Array(8 * 64);
    for (let o = 0; o < 8; o++) {
      for (let i = 0; i < 8; i++) {
        for (let j = 0; j < 8; j++) {
          let b = yStep / 2 + (xStep * wStep[o]) / 2; // output rounding + int32 bias rounding
          for (let c = 0; c < 3; c++) {
            for (let di = 0; di < 3; di++) {
              for (let dj = 0; dj < 3; dj++) {
                const ii = i + di - 1;
                const jj = j + dj - 1;
                if (ii < 0 || ii >= 8 || jj < 0 || jj >= 8) continue;
                const xv = Math.abs(xc[c * 64 + ii * 8 + jj]);
                const wv = Math.abs(w[o * 27 + c * 9 + di * 3 + dj]);
                b += (xv * wStep[o]) / 2 + (wv * xStep) / 2 + (xStep * wStep[o]) / 4;
              }
            }
          }
          bound[o * 64 + i * 8 + j] = b;
        }
      }
    }
    expectWithin(quantized.output, reference.output, bound);
  });

  it('MatMul and Gemm (alpha/beta folded) fuse into QLinearMatMul and QGemm within the bound', async () => {
    for (const [model, fused, weight] of [
      [matMulModel(K, N, 1), 'QLinearMatMul', (m: onnx.IModelProto) => floatValues(initializer(m, 'W'))],
      [gemmModel(K, N, { alpha: { float: 0.5 }, beta: { float: 2.5 } }), 'QGemm', (m: onnx.IModelProto) => gemmWeight(m, K, N, 0.5)],
    ] as const) {
      const result = await quantizeModel(model, { mode: 'int8-static', calibration: [feed] }, context);
      expect(result.layers.every((l) => l.quantized)).toBe(true);
      const reference = await run(model, feed);
      const quantized = await run(result.model, feed, true);
      expect(quantized.ops.has(fused)).toBe(true);
      const w = weight(model);
      const colMax = columnMaxAbs(w, K, N);
      const xStep = uint8Step(x);
      const yStep = uint8Step(Float32Array.from(reference.output));
      const bound = linearBound(x, M, K, N, w, () => xStep, (_, c) => colMax[c] / 127, (c) => yStep / 2 + (xStep * colMax[c]) / 127 / 2);
      expectWithin(quantized.output, reference.output, bound);
    }
  });

  it('raises the weight scale of a channel whose bias would overflow int32 accumulator steps (tiny weights)', async () => {
    // Channel 0's weights are ~1e-6: bias 0.1 is ~3e9 accumulator steps, beyond int32.
    const w = Float32Array.from({ length: 8 * 2 }, (_, i) => (i % 2 === 0 ? 1e-6 : 0.5));
    const model = buildModel({
      name: 'tiny-weights',
      nodes: [node('Gemm', ['x', 'B', 'c'], ['y'], 'fc')],
      initializers: [floatTensor('B', [8, 2], w), floatTensor('c', [2], new Float32Array([0.1, -0.2]))],
      inputs: [valueInfo('x', ['batch', 8])],
      outputs: [valueInfo('y', ['batch', 2])],
    });
    const sample = { x: { dims: [1, 8], data: Float32Array.from({ length: 8 }, (_, i) => i / 7) } };
    const result = await quantizeModel(model, { mode: 'int8-static', calibration: [sample] }, context);
    const bias = result.model.graph!.initializer!.find((t) => t.name === 'c_int32')!;
    expect(Math.abs(new Int32Array(bias.rawData!.slice().buffer)[0])).toBeLessThanOrEqual(2 ** 31 - 1);
    const out = (await run(result.model, sample)).output;
    expect(out[0]).toBeCloseTo(0.1, 1);
    expect(out[0]).toBeGreaterThan(0);
  });

  it('quantizes a Conv -> Relu -> Conv chain once per tensor and keeps outputs close', async () => {
    const model = buildModel({
      name: 'chain',
      nodes: [
        node('Conv', ['x', 'W1'], ['a'], 'conv1', { kernel_shape: [3, 3], pads: [1, 1, 1, 1] }),
        node('Relu', ['a'], ['r'], 'relu'),
        node('Conv', ['r', 'W2'], ['y'], 'conv2', { kernel_shape: [1, 1] }),
        node('ConvTranspose', ['y', 'W3'], ['z'], 'deconv', { kernel_shape: [1, 1] }),
      ],
      initializers: [floatTensor('W1', [8, 3, 3, 3], gaussian(216, 4, 0.3)), floatTensor('W2', [4, 8, 1, 1], gaussian(32, 6, 0.3)), floatTensor('W3', [4, 2, 1, 1], gaussian(8, 8, 0.3))],
      inputs: [valueInfo('x', [1, 3, 8, 8])],
      outputs: [valueInfo('z', [1, 2, 8, 8])],
    });
    const samples = [14, 15, 16].map((s) => ({ x: { dims: [1, 3, 8, 8], data: gaussian(192, s, 1) } }));
    const result = await quantizeModel(model, { mode: 'int8-static', calibration: samples }, context);
    expect(result.layers).toEqual([
      { name: 'conv1', opType: 'Conv', quantized: true },
      { name: 'conv2', opType: 'Conv', quantized: true },
      { name: 'deconv', opType: 'ConvTranspose', quantized: false, reason: 'int8-static covers Conv, MatMul and Gemm, not ConvTranspose' },
    ]);
    const ops = result.model.graph!.node!.map((n) => n.opType);
    // x, a, r and y quantized once each: 4 QuantizeLinear.
    expect(ops.filter((o) => o === 'QuantizeLinear')).toHaveLength(4);
    const reference = await run(model, samples[0]);
    const quantized = await run(result.model, samples[0]);
    // Two int8 layers and a float one: the single-layer tests above carry the derived bounds;
    // here a looser check, within 6 steps of a uint8 grid over the output's range (measured: about 3).
    const yStep = uint8Step(Float32Array.from(reference.output));
    let maxErr = 0;
    for (let i = 0; i < reference.output.length; i++) maxErr = Math.max(maxErr, Math.abs(quantized.output[i] - reference.output[i]));
    expect(maxErr).toBeGreaterThan(0);
    expect(maxErr).toBeLessThan(6 * yStep);
  });
});

describe('unsupported layers and bad options', () => {
  it('reports layers a mode cannot quantize, with the reason, and leaves them in float', async () => {
    const model = buildModel({
      name: 'mixed',
      nodes: [
        node('MatMul', ['x', 'y'], ['p'], 'two-activations'),
        node('Conv', ['img', 'W'], ['c'], 'conv', { kernel_shape: [1, 1] }),
        node('Gemm', ['p', 'B'], ['g'], 'gemm-transA', { transA: 1 }),
      ],
      initializers: [floatTensor('W', [2, 1, 1, 1], Float32Array.of(1, 2)), floatTensor('B', [4, 4], gaussian(16, 1, 1))],
      inputs: [valueInfo('x', [4, 4]), valueInfo('y', [4, 4]), valueInfo('img', [1, 1, 2, 2])],
      outputs: [valueInfo('g', [4, 4]), valueInfo('c', [1, 2, 2, 2])],
    });
    const result = await quantizeModel(model, { mode: 'int8-dynamic' }, noWorker);
    expect(result.layers).toEqual([
      { name: 'two-activations', opType: 'MatMul', quantized: false, reason: 'the weight is not a float32 initializer' },
      { name: 'conv', opType: 'Conv', quantized: false, reason: 'int8-dynamic covers MatMul and Gemm, not Conv (use int8-static)' },
      { name: 'gemm-transA', opType: 'Gemm', quantized: false, reason: 'Gemm with transA=1 is not supported' },
    ]);
    expect(result.model.graph!.node!.map((n) => n.opType)).toEqual(['MatMul', 'Conv', 'Gemm']);
    expect(result.model.graph!.initializer!.map((t) => t.name)).toEqual(['W', 'B']);
    const weightOnly = await quantizeModel(model, { mode: 'int4-weight' }, noWorker);
    expect(weightOnly.layers[1].reason).toBe('int4-weight (MatMulNBits) covers MatMul and Gemm, not Conv');
  });

  it('keeps a float weight that an unquantized node still reads, and never changes the input model', async () => {
    const model = buildModel({
      name: 'shared',
      nodes: [node('MatMul', ['x', 'W'], ['y'], 'fc'), node('Add', ['W', 'W'], ['w2'], 'reads-weight')],
      initializers: [floatTensor('W', [32, 8], gaussian(256, 1, 1))],
      inputs: [valueInfo('x', [1, 32])],
      outputs: [valueInfo('y', [1, 8]), valueInfo('w2', [32, 8])],
    });
    const before = onnx.ModelProto.encode(model).finish();
    const result = await quantizeModel(model, { mode: 'int8-weight' }, noWorker);
    expect(result.model.graph!.node!.map((n) => n.opType)).toEqual(['MatMulNBits', 'Add']);
    expect(result.model.graph!.initializer!.map((t) => t.name)).toContain('W');
    expect(Buffer.from(onnx.ModelProto.encode(model).finish())).toEqual(Buffer.from(before));
  });

  it('rejects bad options with one clear message', async () => {
    const model = matMulModel(32, 8, 1);
    const reject = (options: QuantizeOptions) => quantizeModel(model, options, noWorker);
    await expect(reject({ mode: 'int8-static' })).rejects.toThrow(/^int8-static needs --calibration FILE$/);
    await expect(reject({ mode: 'int8-static', calibration: [] })).rejects.toThrow('int8-static needs --calibration FILE');
    await expect(reject({ mode: 'int4-weight', blockSize: 24 })).rejects.toThrow('block size must be a power of 2 and at least 16, got 24');
    await expect(reject({ mode: 'int8-weight', blockSize: 8 })).rejects.toThrow('got 8');
    await expect(reject({ mode: 'int8-dynamic', blockSize: 32 })).rejects.toThrow('block size applies to int4-weight and int8-weight, not int8-dynamic');
    await expect(reject({ mode: 'int2' as QuantizeOptions['mode'] })).rejects.toThrow("unknown quantization mode 'int2'");
    await expect(reject({ mode: 'int8-static', calibration: [{ z: { dims: [1, 32], data: new Float32Array(32) } }] })).rejects.toThrow("calibration sample 0 has no tensor for input 'x'");
    await expect(reject({ mode: 'int8-static', calibration: [{ x: { dims: [1, 32], data: new Float32Array(31) } }] })).rejects.toThrow("calibration sample 0, input 'x': 31 float32 values do not fill shape [1, 32]");
  });
});
