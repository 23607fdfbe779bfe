import { existsSync } from 'node:fs';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { SeededRandom } from '../../../src/shared/random';
import { pruneModel } from '../../../src/main/engine/compress/prune';
import { buildCnnSmall, buildLenet300100 } from '../../../src/main/engine/model/demo-models';
import { buildModel, floatTensor, node, valueInfo } from '../../../src/main/engine/model/graph-builder';
import { encodeModel, type onnx } from '../../../src/main/engine/model/onnx-io';
import { HybridExecutor } from '../../../src/main/engine/sparse/hybrid/executor';
import { sparseKernels } from '../../../src/main/engine/sparse/hybrid/kernels';
import { SPARSE_ADDON_ENV, addonPath } from '../../../src/main/engine/sparse/native';
import { cutGraph, findSparseCandidates } from '../../../src/main/engine/sparse/hybrid/split';
import { jsKernels } from './hybrid-js-kernels';

// The native addon when it is built, else the test-only JS kernels.
const status = sparseKernels();
const kernels = status.available ? status.kernels : jsKernels;
const settings = { ep: 'cpu', threads: 2, graphOptimizationLevel: 'all' as const };

function randomData(rng: SeededRandom, n: number): Float32Array {
  return Float32Array.from({ length: n }, () => rng.uniform(-1, 1));
}

/** Random weights with `sparsity` of them exactly zero. */
function sparseWeights(rng: SeededRandom, n: number, sparsity: number): Float32Array {
  return Float32Array.from({ length: n }, () => (rng.next() < sparsity ? 0 : rng.normal() * 0.2));
}

async function ortOutputs(proto: onnx.IModelProto, feeds: Record<string, ort.Tensor>): Promise<Record<string, ort.Tensor>> {
  const s = await ort.InferenceSession.create(encodeModel(proto), { executionProviders: ['cpu'], intraOpNumThreads: 2, logSeverityLevel: 3 });
  try {
    return (await s.run(feeds)) as Record<string, ort.Tensor>;
  } finally {
    await s.release();
  }
}

/** Every candidate sparse: the hybrid outputs against ORT on the whole model; max |diff| / max |ref|. */
async function hybridError(proto: onnx.IModelProto, feeds: Record<string, ort.Tensor>): Promise<{ rel: number; sparseSteps: number }> {
  const { layers } = findSparseCandidates(proto);
  const cut = cutGraph(proto, layers);
  if (!cut.ok) throw new Error(cut.reason);
  const outputs = (proto.graph?.output ?? []).map((o) => o.name ?? '');
  const executor = await HybridExecutor.create(cut.steps, kernels, settings);
  const hybrid = await executor.run(feeds, outputs);
  await executor.release();
  const reference = await ortOutputs(proto, feeds);
  let maxDiff = 0;
  let scale = 0;
  for (const name of outputs) {
    const h = hybrid[name].data as Float32Array;
    const r = reference[name].data as Float32Array;
    expect([...hybrid[name].dims]).toEqual([...reference[name].dims]);
    for (let i = 0; i < r.length; i++) {
      maxDiff = Math.max(maxDiff, Math.abs(h[i] - r[i]));
      scale = Math.max(scale, Math.abs(r[i]));
    }
  }
  return { rel: maxDiff / scale, sparseSteps: cut.steps.filter((s) => s.kind === 'sparse').length };
}

const lenet = pruneModel(buildLenet300100(), { sparsity: 0.9, global: false }).model;
const cnn = pruneModel(buildCnnSmall(), { sparsity: 0.9, global: false }).model;

/** 1x1 convs on NCHW with a skip connection: conv a (sparse), conv b strided (dense), a's output read twice. */
function convNet(): onnx.ModelProto {
  const rng = new SeededRandom(11);
  return buildModel({
    name: 'conv1x1',
    nodes: [
      node('Conv', ['x', 'wa', 'ba'], ['a'], 'conv_a', { kernel_shape: [1, 1] }),
      node('Relu', ['a'], ['ra'], 'relu_a'),
      node('Conv', ['ra', 'wb'], ['b'], 'conv_b', { kernel_shape: [1, 1], strides: [2, 2] }),
      node('Conv', ['ra', 'wc'], ['c'], 'conv_c', { kernel_shape: [1, 1] }),
      node('Add', ['a', 'c'], ['y'], 'skip'),
    ],
    initializers: [
      floatTensor('wa', [24, 8, 1, 1], sparseWeights(rng, 24 * 8, 0.8)),
      floatTensor('ba', [24], randomData(rng, 24)),
      floatTensor('wb', [4, 24, 1, 1], sparseWeights(rng, 4 * 24, 0.8)),
      floatTensor('wc', [24, 24, 1, 1], sparseWeights(rng, 24 * 24, 0.7)),
    ],
    inputs: [valueInfo('x', ['n', 8, 6, 5])],
    outputs: [valueInfo('y', ['n', 24, 6, 5]), valueInfo('b', ['n', 4, 3, 3])],
  });
}

/** Gemm forms: transB 0 with alpha/beta and a [1, N] bias (sparse), a [M, N] bias (left dense). */
function gemmNet(): onnx.ModelProto {
  const rng = new SeededRandom(12);
  return buildModel({
    name: 'gemms',
    nodes: [
      node('Gemm', ['x', 'w1', 'c1'], ['h'], 'gemm_scaled', { alpha: 0.5, beta: { float: 2 } }),
      node('Gemm', ['h', 'w2', 'c2'], ['y'], 'gemm_full_bias', { transB: 1 }),
    ],
    initializers: [
      floatTensor('w1', [20, 30], sparseWeights(rng, 600, 0.85)),
      floatTensor('c1', [1, 30], randomData(rng, 30)),
      floatTensor('w2', [7, 30], sparseWeights(rng, 210, 0.85)),
      floatTensor('c2', [3, 7], randomData(rng, 21)),
    ],
    inputs: [valueInfo('x', [3, 20])],
    outputs: [valueInfo('y', [3, 7])],
  });
}

describe('hybrid splitting', () => {
  it('tests the native kernels whenever the addon is built', () => {
    if (existsSync(addonPath()) && process.env[SPARSE_ADDON_ENV] !== 'off') expect(status).toMatchObject({ available: true });
  });

  it('finds the three MatMuls of pruned LeNet-300-100', () => {
    const { layers, rejected } = findSparseCandidates(lenet);
    expect(layers.map((l) => [l.node, l.rows, l.cols])).toEqual([
      ['fc1/MatMul', 300, 784],
      ['fc2/MatMul', 100, 300],
      ['fc3/MatMul', 10, 100],
    ]);
    expect(rejected).toEqual([]);
    for (const l of layers) expect(l.density).toBeCloseTo(0.1, 2);
    // Each MatMul's bias Add, and the Relu after it, are folded into the sparse layer.
    expect(layers.map((l) => [l.fused, l.output, l.bias?.length, l.relu])).toEqual([
      [['fc1/Add', 'fc1/Relu'], 'fc1.out', 300, true],
      [['fc2/Add', 'fc2/Relu'], 'fc2.out', 100, true],
      [['fc3/Add'], 'logits', 10, false],
    ]);
    const cut = cutGraph(lenet, layers);
    if (!cut.ok) throw new Error(cut.reason);
    expect(cut.steps.map((s) => `${s.kind}:${s.name}`)).toEqual(['sparse:fc1/MatMul', 'sparse:fc2/MatMul', 'sparse:fc3/MatMul']);
    // Left dense, fc2 and its Add and Relu form a segment with the inputs and outputs the cut needs.
    const partial = cutGraph(lenet, [layers[0], layers[2]]);
    if (!partial.ok) throw new Error(partial.reason);
    expect(partial.steps.map((s) => (s.kind === 'ort' ? s.nodes.join('+') : s.name))).toEqual(['fc1/MatMul', 'fc2/MatMul+fc2/Add+fc2/Relu', 'fc3/MatMul']);
    const seg0 = partial.steps[1];
    if (seg0.kind !== 'ort') throw new Error('expected a segment');
    expect(seg0.inputs).toEqual(['fc1.out']);
    expect(seg0.outputs).toEqual(['fc2.out']);
    expect(seg0.model.graph?.initializer?.map((t) => t.name)).toEqual(['fc2.weight', 'fc2.bias']);
  });

  it('takes the Gemm head of the pruned CNN and says why its 5x5 convs stay dense', () => {
    const { layers, rejected } = findSparseCandidates(cnn);
    expect(layers.map((l) => `${l.opType}:${l.node}:${l.fused.join('+')}`)).toEqual(['Gemm:fc1:relu3', 'Gemm:fc2:']);
    expect(rejected).toEqual([
      { node: 'conv1', opType: 'Conv', reason: 'kernel 5x5 is not 1x1' },
      { node: 'conv2', opType: 'Conv', reason: 'kernel 5x5 is not 1x1' },
    ]);
  });

  it('names the reason for Gemm and Conv forms it leaves dense', () => {
    expect(findSparseCandidates(gemmNet()).rejected).toEqual([
      { node: 'gemm_full_bias', opType: 'Gemm', reason: 'bias C of shape [3,7] is not a per-output vector' },
    ]);
    const conv = findSparseCandidates(convNet());
    expect(conv.layers.map((l) => l.node)).toEqual(['conv_a', 'conv_c']);
    expect(conv.rejected).toEqual([{ node: 'conv_b', opType: 'Conv', reason: 'stride is not 1' }]);
  });

  it('rejects dense layers and the unpruned model entirely', () => {
    const { layers, rejected } = findSparseCandidates(buildLenet300100());
    expect(layers).toEqual([]);
    expect(rejected).toHaveLength(3);
    expect(rejected[0].reason).toMatch(/^density 100\.0% is above 50%/);
  });

  it('types tensors crossing a cut by inference: a shape path (Shape -> Gather -> Concat -> Reshape) stays int64', async () => {
    const w = new Float32Array(16);
    [0, 5, 10, 15].forEach((i, k) => (w[i] = k + 1)); // 75% zeros
    const model = buildModel({
      name: 'shape-path',
      nodes: [
        node('Shape', ['x'], ['s'], 'shape'),
        node('Gather', ['s', 'idx'], ['g'], 'gather', { axis: 0 }),
        node('MatMul', ['x', 'w'], ['h'], 'mm'),
        node('Concat', ['g', 'minus1'], ['c'], 'concat', { axis: 0 }),
        node('Reshape', ['h', 'c'], ['y'], 'reshape'),
      ],
      initializers: [
        floatTensor('w', [4, 4], w),
        { name: 'idx', dims: [1], dataType: 7, int64Data: [0] },
        { name: 'minus1', dims: [1], dataType: 7, int64Data: [-1] },
      ],
      inputs: [valueInfo('x', [2, 4])],
      outputs: [valueInfo('y', [2, 4])],
    });
    const cut = cutGraph(model, findSparseCandidates(model).layers);
    if (!cut.ok) throw new Error(cut.reason);
    const first = cut.steps[0];
    if (first.kind !== 'ort') throw new Error('expected an ORT segment first');
    expect(first.model.graph!.output!.map((o) => [o.name, o.type!.tensorType!.elemType])).toEqual([['g', 7]]);
    const x = new ort.Tensor('float32', Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8]), [2, 4]);
    expect((await hybridError(model, { x })).rel).toBeLessThan(1e-6);
  });

  it('refuses to cut a graph with subgraphs, with the reason', () => {
    const proto = buildLenet300100();
    const pruned = pruneModel(proto, { sparsity: 0.9, global: false }).model;
    const branch = buildModel({ name: 'then', nodes: [node('Identity', ['logits'], ['t'], 'id')], initializers: [], inputs: [], outputs: [valueInfo('t', ['batch', 10])] }).graph!;
    pruned.graph!.initializer!.push({ name: 'cond', dims: [], dataType: 9, rawData: new Uint8Array([1]) });
    pruned.graph!.node!.push({ opType: 'If', name: 'branch', input: ['cond'], output: ['z'], attribute: [{ name: 'then_branch', type: 5, g: branch }, { name: 'else_branch', type: 5, g: branch }] });
    const cut = cutGraph(pruned, findSparseCandidates(pruned).layers);
    expect(cut).toEqual({ ok: false, reason: 'node branch (If) has subgraphs, which may read tensors across a cut' });
  });
});

describe('hybrid execution equals ORT dense on the same pruned model', () => {
  const rng = new SeededRandom(5);
  for (const batch of [1, 8]) {
    it(`LeNet-300-100 pruned 90%, batch ${batch}`, async () => {
      const feeds = { input: new ort.Tensor('float32', randomData(rng, batch * 784), [batch, 784]) };
      const { rel, sparseSteps } = await hybridError(lenet, feeds);
      expect(sparseSteps).toBe(3);
      expect(rel).toBeLessThan(1e-4);
    });
    it(`cnn-small pruned 90% (Gemm head), batch ${batch}`, async () => {
      const feeds = { image: new ort.Tensor('float32', randomData(rng, batch * 784), [batch, 1, 28, 28]) };
      const { rel, sparseSteps } = await hybridError(cnn, feeds);
      expect(sparseSteps).toBe(2);
      expect(rel).toBeLessThan(1e-4);
    });
  }
  it('1x1 convolutions on NCHW with a tensor read by two later pieces', async () => {
    const feeds = { x: new ort.Tensor('float32', randomData(rng, 2 * 8 * 30), [2, 8, 6, 5]) };
    const { rel, sparseSteps } = await hybridError(convNet(), feeds);
    expect(sparseSteps).toBe(2);
    expect(rel).toBeLessThan(1e-4);
  });
  it('Gemm with transB 0, alpha, beta and a [1, N] bias', async () => {
    const feeds = { x: new ort.Tensor('float32', randomData(rng, 60), [3, 20]) };
    const { rel, sparseSteps } = await hybridError(gemmNet(), feeds);
    expect(sparseSteps).toBe(1);
    expect(rel).toBeLessThan(1e-4);
  });
});
