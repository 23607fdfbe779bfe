/**
 * Thinning: the thinned model is smaller and computes what the masked model computes
 * (both run in onnxruntime in the run worker), and unsafe chains are refused with reasons.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCnnSmall, buildLenet300100 } from '../../../src/main/engine/model/demo-models';
import { buildModel, floatTensor, node, valueInfo } from '../../../src/main/engine/model/graph-builder';
import { tensorDims, writeModel, type onnx } from '../../../src/main/engine/model/onnx-io';
import { pruneLayers, type LayerTarget } from '../../../src/main/engine/compress/granularity';
import { thinModel } from '../../../src/main/engine/compress/thin';
import { runOutputs, verificationInputs, verifyVariant } from '../../../src/main/engine/compress/verify-variant';
import { RunWorker } from '../../../src/main/engine/run/runner';
import { SeededRandom } from '../../../src/shared/random';
import { tempDir } from '../../helpers';

const dir = tempDir('thin');
let worker: RunWorker;
beforeAll(async () => {
  worker = await RunWorker.start();
});
afterAll(async () => {
  await worker?.dispose();
});

function dims(model: onnx.IModelProto, name: string): number[] {
  return tensorDims(model.graph!.initializer!.find((t) => t.name === name)!);
}

/** Masked vs thinned in ORT: max |difference| within 1e-4 of the largest output magnitude. */
async function expectSameOutputs(masked: onnx.ModelProto, thinned: onnx.ModelProto, name: string): Promise<void> {
  const a = join(dir, `${name}.masked.onnx`);
  const b = join(dir, `${name}.thin.onnx`);
  await writeModel(a, masked);
  await writeModel(b, thinned);
  const inputs = verificationInputs(masked, { batch: 3, seed: 7 });
  const v = await verifyVariant(worker, a, b, inputs);
  const scale = Math.max(...(await runOutputs(worker, a, inputs)).flatMap((o) => Array.from(o.data, Math.abs)));
  expect(v.comparedOutputs.length).toBeGreaterThan(0);
  expect(scale).toBeGreaterThan(0);
  expect(v.maxAbsError).toBeLessThanOrEqual(1e-4 * scale);
  expect(v.cosine).toBeGreaterThan(0.999999);
}

const target = (layer: string, sparsity: number, kind: 'filter' | 'channel' | 'row' | 'column'): LayerTarget => ({ layer, sparsity, granularity: { kind } });

describe('thinning a CNN (Conv -> BN -> Relu -> MaxPool -> Conv, Gemm -> Relu -> Gemm)', () => {
  it('removes pruned channels and neurons and keeps the outputs', async () => {
    const masked = pruneLayers(buildCnnSmall(), [target('conv2', 0.25, 'channel'), target('fc1', 0.5, 'row')]).model;
    const { model, layers } = thinModel(masked);
    expect(layers).toEqual([
      { layer: 'conv1.weight', removed: 4, kept: 12 },
      { layer: 'conv2.weight', removed: 0, kept: 32, reason: "Flatten 'flatten' between the layers moves channels around" },
      { layer: 'fc1.weight', removed: 256, kept: 256 },
      { layer: 'fc2.weight', removed: 0, kept: 10, reason: "Softmax 'softmax' between the layers is not a per-channel op" },
    ]);
    expect(dims(model, 'conv1.weight')).toEqual([12, 1, 5, 5]);
    for (const p of ['conv1.bias', 'bn1.scale', 'bn1.bias', 'bn1.mean', 'bn1.var']) expect(dims(model, p)).toEqual([12]);
    expect(dims(model, 'conv2.weight')).toEqual([32, 12, 5, 5]);
    expect(dims(model, 'fc1.weight')).toEqual([256, 1568]);
    expect(dims(model, 'fc1.bias')).toEqual([256]);
    expect(dims(model, 'fc2.weight')).toEqual([10, 256]);
    await expectSameOutputs(masked, model, 'cnn');
  });

  it('keeps pruned filters whose constant output a padded conv would see, and says why', async () => {
    const cnn = buildCnnSmall();
    // Shift BN's bias so that some pruned filters' constant (bias -> BN -> Relu) is positive.
    const inits = cnn.graph!.initializer!;
    const at = inits.findIndex((t) => t.name === 'bn1.bias');
    inits[at] = floatTensor('bn1.bias', [16], Float32Array.from({ length: 16 }, (_, i) => (i % 2 ? 0.5 : -0.5)));
    const masked = pruneLayers(cnn, [target('conv1', 0.5, 'filter')]).model;
    const { model, layers } = thinModel(masked);
    const conv1 = layers[0];
    expect(conv1.removed + conv1.kept).toBe(16);
    expect(conv1.removed).toBeGreaterThan(0);
    expect(conv1.kept).toBeGreaterThan(8);
    expect(conv1.reason).toBe(`${conv1.kept - 8} pruned outputs kept: Conv 'conv2' pads its input, so a constant channel cannot be folded into its bias`);
    await expectSameOutputs(masked, model, 'cnn-filters');
  });
});

describe('thinning unpadded convs', () => {
  it('folds a pruned filter’s constant (bias -> Relu) into the next conv’s bias', async () => {
    const rng = new SeededRandom(9);
    const w = (n: number) => Float32Array.from({ length: n }, () => rng.uniform(-1, 1));
    const model = buildModel({
      name: 'convs',
      nodes: [
        node('Conv', ['x', 'a.weight', 'a.bias'], ['a'], 'a', { kernel_shape: [3, 3] }),
        node('Relu', ['a'], ['r'], 'relu'),
        node('Conv', ['r', 'b.weight'], ['y'], 'b', { kernel_shape: [3, 3] }),
      ],
      initializers: [
        floatTensor('a.weight', [6, 3, 3, 3], w(162)),
        floatTensor('a.bias', [6], Float32Array.from([0.5, -0.5, 0.25, 0.75, -0.1, 0.3])),
        floatTensor('b.weight', [4, 6, 3, 3], w(216)),
      ],
      inputs: [valueInfo('x', ['batch', 3, 10, 10])],
      outputs: [valueInfo('y', ['batch', 4, 6, 6])],
    });
    const masked = pruneLayers(model, [target('a', 0.5, 'filter')]).model;
    const { model: thinned, layers } = thinModel(masked);
    expect(layers[0]).toEqual({ layer: 'a.weight', removed: 3, kept: 3 });
    expect(dims(thinned, 'b.weight')).toEqual([4, 3, 3, 3]);
    // b had no bias: thinning gave it one holding the folded constants.
    expect(dims(thinned, 'b.thin_bias')).toEqual([4]);
    await expectSameOutputs(masked, thinned, 'convs');
  });
});

describe('thinning an MLP (MatMul -> Add -> Relu -> MatMul -> Add)', () => {
  it('folds the constant of removed neurons into the next bias Add', async () => {
    const masked = pruneLayers(buildLenet300100(), [target('fc1.weight', 0.5, 'row'), target('fc2.weight', 0.2, 'column'), target('fc3.weight', 0.3, 'column')]).model;
    const { model, layers } = thinModel(masked);
    // fc1: 150 rows pruned; fc2's 60 pruned input columns overlap some of them.
    expect(layers[0].removed).toBeGreaterThanOrEqual(150);
    expect(layers[0].removed).toBeLessThanOrEqual(210);
    expect(layers[1]).toEqual({ layer: 'fc2.weight', removed: 30, kept: 70 });
    expect(layers[2].reason).toBe('its output reaches a graph output (logits)');
    expect(dims(model, 'fc1.weight')).toEqual([784, 300 - layers[0].removed]);
    expect(dims(model, 'fc2.weight')).toEqual([300 - layers[0].removed, 70]);
    expect(dims(model, 'fc3.weight')).toEqual([70, 10]);
    await expectSameOutputs(masked, model, 'lenet');
  });
});

describe('refusals', () => {
  it('says which chains are unsafe: residual Add, grouped convs, shared tensors', () => {
    const rng = new SeededRandom(5);
    const w = (n: number) => Float32Array.from({ length: n }, () => rng.uniform(-1, 1));
    const residual = buildModel({
      name: 'residual',
      nodes: [
        node('Gemm', ['x', 'fc1.weight'], ['h'], 'fc1', { transB: 1 }),
        node('Relu', ['h'], ['r'], 'relu'),
        node('Gemm', ['r', 'fc2.weight'], ['y2'], 'fc2', { transB: 1 }),
        node('Add', ['r', 'y2'], ['s'], 'residual'),
        node('Gemm', ['s', 'fc3.weight'], ['y'], 'fc3', { transB: 1 }),
      ],
      initializers: [floatTensor('fc1.weight', [8, 8], w(64)), floatTensor('fc2.weight', [8, 8], w(64)), floatTensor('fc3.weight', [4, 8], w(32))],
      inputs: [valueInfo('x', [1, 8])],
      outputs: [valueInfo('y', [1, 4])],
    });
    const masked = pruneLayers(residual, [target('fc1', 0.5, 'row'), target('fc2', 0.5, 'row')]).model;
    expect(thinModel(masked).layers.map((l) => l.reason)).toEqual([
      "tensor r is consumed by 2 nodes (Gemm 'fc2', Add 'residual'): a branch or residual connection",
      "Add 'residual' adds another tensor (a residual connection)",
      'its output reaches a graph output (y)',
    ]);

    const grouped = buildModel({
      name: 'grouped',
      nodes: [
        node('Conv', ['x', 'a.weight'], ['a'], 'a', { kernel_shape: [1, 1] }),
        node('Conv', ['a', 'dw.weight'], ['b'], 'dw', { kernel_shape: [3, 3], group: 4 }),
        node('Conv', ['b', 'c.weight'], ['c'], 'c', { kernel_shape: [1, 1] }),
        node('Concat', ['c', 'x'], ['y'], 'concat', { axis: 1 }),
      ],
      initializers: [floatTensor('a.weight', [4, 4, 1, 1], w(16)), floatTensor('dw.weight', [4, 1, 3, 3], w(36)), floatTensor('c.weight', [4, 4, 1, 1], w(16))],
      inputs: [valueInfo('x', [1, 4, 8, 8])],
      outputs: [valueInfo('y', [1, 8, 6, 6])],
    });
    expect(thinModel(grouped).layers.map((l) => l.reason)).toEqual([
      "Conv 'dw' is a grouped or depthwise conv",
      "Conv 'dw' is a grouped or depthwise conv",
      "Concat 'concat' between the layers concatenates channels",
    ]);
  });
});

describe('Gemm details older or non-PyTorch exports use', () => {
  // P: Gemm transB=1, W [3, 4] with row 1 pruned, its bias 10 (so the removed neuron carries a constant).
  const pw = new Float32Array([1, 2, 3, 4, 0, 0, 0, 0, -1, 0.5, 2, 1]);
  const gemmPair = (o: { pBiasDims?: number[]; pAttrs?: Record<string, { float: number }>; cAttrs?: Record<string, { float: number }>; clip6?: boolean }) =>
    buildModel({
      name: 'gemm-pair',
      opset: o.clip6 ? 9 : 17,
      nodes: [
        node('Gemm', ['x', 'pw', 'pb'], ['h'], 'P', { transB: 1, ...o.pAttrs }),
        ...(o.clip6 ? [node('Clip', ['h'], ['h6'], 'relu6', { min: { float: 0 }, max: { float: 6 } })] : []),
        node('Gemm', [o.clip6 ? 'h6' : 'h', 'cw', 'cb'], ['y'], 'C', { transB: 1, ...o.cAttrs }),
      ],
      initializers: [
        floatTensor('pw', [3, 4], pw),
        floatTensor('pb', o.pBiasDims ?? [3], new Float32Array([0.5, 10, -0.25])),
        floatTensor('cw', [2, 3], new Float32Array([1, 2, 3, -1, 0.5, 2])),
        floatTensor('cb', [2], new Float32Array([0.1, 0.2])),
      ],
      inputs: [valueInfo('x', ['batch', 4])],
      outputs: [valueInfo('y', ['batch', 2])],
    });

  it('thins a producer whose bias is [1, N] and keeps the outputs', async () => {
    const masked = gemmPair({ pBiasDims: [1, 3] });
    const { model, layers } = thinModel(masked);
    expect(layers[0]).toEqual({ layer: 'pw', removed: 1, kept: 2 });
    expect(dims(model, 'pb')).toEqual([1, 2]);
    await expectSameOutputs(masked, model, 'gemm-bias-1xN');
  });

  it('clips a removed neuron’s constant with Clip-6’s attribute bounds (ReLU6) before folding it', async () => {
    const masked = gemmPair({ clip6: true });
    const { model, layers } = thinModel(masked);
    expect(layers[0]).toEqual({ layer: 'pw', removed: 1, kept: 2 });
    await expectSameOutputs(masked, model, 'gemm-clip6');
  });

  it('refuses Gemms that scale with alpha or beta rather than fold constants wrongly', () => {
    for (const [pAttrs, cAttrs, who] of [
      [{ beta: { float: 2 } }, {}, "Gemm 'P'"],
      [{}, { alpha: { float: 0.5 } }, "Gemm 'C'"],
    ] as const) {
      const { model, layers } = thinModel(gemmPair({ pAttrs, cAttrs }));
      expect(layers[0].removed).toBe(0);
      expect(layers[0].reason).toContain(`${who} has alpha`);
      expect(dims(model, 'pw')).toEqual([3, 4]);
    }
  });
});
