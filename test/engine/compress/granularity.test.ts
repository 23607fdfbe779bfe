/**
 * Structured pruning: each granularity against answers worked out by hand on tiny weights,
 * L1 against L2 ranking, exact structure counts, and refusals that name the layer.
 */
import { describe, expect, it } from 'vitest';
import { buildLenet300100 } from '../../../src/main/engine/model/demo-models';
import { buildModel, floatTensor, node, valueInfo } from '../../../src/main/engine/model/graph-builder';
import { floatValues, type onnx } from '../../../src/main/engine/model/onnx-io';
import { pruneModel } from '../../../src/main/engine/compress/prune';
import { parseGranularity, pruneLayers, type Granularity, type Norm } from '../../../src/main/engine/compress/granularity';

/** A one-layer model: Gemm (transB given), MatMul or Conv with weight W of these dims. */
function oneLayer(opType: 'Gemm' | 'MatMul' | 'Conv', dims: number[], values: number[], transB = 0): onnx.ModelProto {
  const attrs: Record<string, number> = opType === 'Gemm' ? { transB } : {};
  return buildModel({
    name: 'one',
    nodes: [node(opType, ['x', 'W'], ['y'], 'layer', attrs)],
    initializers: [floatTensor('W', dims, Float32Array.from(values))],
    inputs: [valueInfo('x', opType === 'Conv' ? [1, dims[1], 4, 4] : [1, opType === 'Gemm' && transB ? dims[1] : dims[0]])],
    outputs: [valueInfo('y', [1])],
  });
}

function prune(model: onnx.ModelProto, sparsity: number, granularity: Granularity | string, norm?: Norm): number[] {
  const g = typeof granularity === 'string' ? parseGranularity(granularity) : granularity;
  const result = pruneLayers(model, [{ layer: 'W', sparsity, granularity: g, norm }]);
  return Array.from(floatValues(result.model.graph!.initializer![0]));
}

const f = (xs: number[]) => xs.map((x) => Math.fround(x));

// Gemm transB = 1: W[N = 3 outputs, K = 4 inputs]. Row norms: L1 4, 2.5, 3; L2^2 4, 6.25, 4.5.
const W3x4 = [1, 1, 1, 1, 2.5, 0, 0, 0, 1.5, 1.5, 0, 0];

describe('granularity syntax', () => {
  it('parses every CLI form and rejects others with the accepted list', () => {
    expect(parseGranularity('element')).toEqual({ kind: 'element' });
    expect(parseGranularity('Filter')).toEqual({ kind: 'filter' });
    expect(parseGranularity('block:1x4')).toEqual({ kind: 'block', rows: 1, cols: 4 });
    expect(parseGranularity('nm:2:4')).toEqual({ kind: 'nm', n: 2, m: 4 });
    expect(() => parseGranularity('blocks:4')).toThrow("granularity 'blocks:4' is not one of element|row|column|kernel|filter|channel|block:RxC|nm:N:M");
    expect(() => parseGranularity('nm:5:4')).toThrow('1 <= N <= M');
    expect(() => parseGranularity('block:0x4')).toThrow('at least 1');
  });
});

describe('structured pruning on hand-computed weights', () => {
  it('row: L1 and L2 pick different rows', () => {
    const model = oneLayer('Gemm', [3, 4], W3x4, 1);
    expect(prune(model, 1 / 3, 'row', 'l1')).toEqual(f([1, 1, 1, 1, 0, 0, 0, 0, 1.5, 1.5, 0, 0]));
    expect(prune(model, 1 / 3, 'row', 'l2')).toEqual(f([0, 0, 0, 0, 2.5, 0, 0, 0, 1.5, 1.5, 0, 0]));
  });

  it('row of a MatMul B[K, N] is one output column of the stored tensor', () => {
    // The transpose of W3x4: B[4, 3]; output feature 1 is the stored column 1.
    const t = [1, 2.5, 1.5, 1, 0, 1.5, 1, 0, 0, 1, 0, 0];
    expect(prune(oneLayer('MatMul', [4, 3], t), 1 / 3, 'row', 'l1')).toEqual(f([1, 0, 1.5, 1, 0, 1.5, 1, 0, 0, 1, 0, 0]));
  });

  it('column: input features by norm, a tie goes to the lower index', () => {
    // Column L1 norms: 5, 2.5, 1, 1 -> at 1/4 the first of the tied columns (2) goes; at 3/4 columns 1, 2, 3.
    const model = oneLayer('Gemm', [3, 4], W3x4, 1);
    expect(prune(model, 0.25, 'column')).toEqual(f([1, 1, 0, 1, 2.5, 0, 0, 0, 1.5, 1.5, 0, 0]));
    expect(prune(model, 0.75, 'column')).toEqual(f([1, 0, 0, 0, 2.5, 0, 0, 0, 1.5, 0, 0, 0]));
  });

  it('kernel, filter and channel of a conv weight [out, in, kh, kw]', () => {
    // W[2, 2, 1, 2]: kernels (o, i) with L1 norms (0,0) 3, (0,1) 0.5, (1,0) 4, (1,1) 1.
    const w = [1, -2, 0.25, 0.25, 4, 0, -0.5, 0.5];
    const conv = oneLayer('Conv', [2, 2, 1, 2], w);
    expect(prune(conv, 0.5, 'kernel')).toEqual(f([1, -2, 0, 0, 4, 0, 0, 0]));
    // Filters: L1 3.5 and 5 -> filter 0 goes.
    expect(prune(conv, 0.5, 'filter')).toEqual(f([0, 0, 0, 0, 4, 0, -0.5, 0.5]));
    // Channels: in 0 has L1 3 + 4 = 7, in 1 has 0.5 + 1 = 1.5 -> channel 1 goes.
    expect(prune(conv, 0.5, 'channel')).toEqual(f([1, -2, 0, 0, 4, 0, 0, 0]));
    // L2 on filters: 1 + 4 + 0.0625 * 2 = 5.125 vs 16 + 0.5 = 16.5 -> still filter 0; on channels 21 vs 0.625.
    expect(prune(conv, 0.5, 'filter', 'l2')).toEqual(f([0, 0, 0, 0, 4, 0, -0.5, 0.5]));
  });

  it('block 2x2 tiles the outputs x fan-in matrix', () => {
    // Gemm transB = 1, W[4, 4]; block L1 norms: top-left 4, top-right 0.4, bottom-left 8, bottom-right 2.
    const w = [1, 1, 0.1, 0.1, 1, 1, 0.1, 0.1, 2, 2, 0.5, 0.5, 2, 2, 0.5, 0.5];
    const out = prune(oneLayer('Gemm', [4, 4], w, 1), 0.5, 'block:2x2');
    expect(out).toEqual(f([1, 1, 0, 0, 1, 1, 0, 0, 2, 2, 0, 0, 2, 2, 0, 0]));
    // 1x4 blocks are the rows here: L1 2.2, 2.2, 5, 5 -> the first two rows.
    expect(prune(oneLayer('Gemm', [4, 4], w, 1), 0.5, 'block:1x4')).toEqual(f([0, 0, 0, 0, 0, 0, 0, 0, 2, 2, 0.5, 0.5, 2, 2, 0.5, 0.5]));
  });

  it('N:M keeps the N largest of every M along the input dimension', () => {
    // Gemm transB = 1, W[2 outputs, 8 inputs]; ties at equal magnitude prune the lower input index first.
    const w = [0.1, -0.4, 0.3, 0.2, 1, 1, 1, 1, 5, 4, 3, 2, -1, 0, 0, 7];
    expect(prune(oneLayer('Gemm', [2, 8], w, 1), 0.5, 'nm:2:4')).toEqual(f([0, -0.4, 0.3, 0, 0, 0, 1, 1, 5, 4, 0, 0, -1, 0, 0, 7]));
    // MatMul B[K = 4, N = 2]: the groups run down each stored column.
    const b = [0.1, 4, 0.2, 3, 0.3, 2, 0.4, 1];
    expect(prune(oneLayer('MatMul', [4, 2], b), 0.75, 'nm:1:4')).toEqual(f([0, 4, 0, 0, 0, 0, 0.4, 0]));
  });
});

describe('pruneLayers on a real model', () => {
  it('element granularity is exactly pruneModel', () => {
    const lenet = buildLenet300100();
    const targets = ['fc1.weight', 'fc2.weight', 'fc3.weight'].map((layer) => ({ layer, sparsity: 0.7, granularity: { kind: 'element' } as const }));
    const ours = pruneLayers(lenet, targets);
    const theirs = pruneModel(lenet, { sparsity: 0.7 });
    for (const [i, t] of ours.model.graph!.initializer!.entries()) {
      expect(floatValues(t)).toEqual(floatValues(theirs.model.graph!.initializer![i]));
    }
    expect(ours.sparsity).toBe(theirs.sparsity);
    // In place: the same weights, in the model given.
    const given = buildLenet300100();
    pruneLayers(given, targets, { inPlace: true });
    expect(floatValues(given.graph!.initializer![0])).toEqual(floatValues(theirs.model.graph!.initializer![0]));
  });

  it('prunes exactly round(s * structures) whole structures and counts only the targeted layers', () => {
    const lenet = buildLenet300100();
    const result = pruneLayers(lenet, [
      { layer: 'fc1/MatMul', sparsity: 0.5, granularity: { kind: 'row' } },
      { layer: 'fc2.weight', sparsity: 0.3, granularity: { kind: 'column' }, norm: 'l2' },
    ]);
    expect(result.layers.map((l) => [l.initializer, l.structures, l.prunedStructures])).toEqual([
      ['fc1.weight', 300, 150],
      ['fc2.weight', 300, 90],
    ]);
    // fc1: W[784, 300]; an output row is a stored column of 784 values.
    const w1 = floatValues(result.model.graph!.initializer!.find((t) => t.name === 'fc1.weight')!);
    let zeroRows = 0;
    for (let o = 0; o < 300; o++) {
      let zeros = 0;
      for (let i = 0; i < 784; i++) if (w1[i * 300 + o] === 0) zeros++;
      expect(zeros === 0 || zeros === 784).toBe(true);
      if (zeros === 784) zeroRows++;
    }
    expect(zeroRows).toBe(150);
    expect(result.layers[0].sparsity).toBe(0.5);
    expect(result.layers[1].sparsity).toBeCloseTo(0.3, 10);
    expect(result.sparsity).toBeCloseTo((150 * 784 + 90 * 100) / (784 * 300 + 300 * 100), 10);
    // fc3 is untouched and the input model too.
    expect(floatValues(result.model.graph!.initializer!.find((t) => t.name === 'fc3.weight')!).includes(0)).toBe(false);
    expect(floatValues(lenet.graph!.initializer!.find((t) => t.name === 'fc1.weight')!).includes(0)).toBe(false);
  });

  it('refuses a granularity that does not fit, naming the layer', () => {
    const gemm = oneLayer('Gemm', [3, 10], new Array(30).fill(1), 1);
    const conv = oneLayer('Conv', [2, 3, 3, 3], new Array(54).fill(1));
    expect(() => prune(gemm, 0.5, 'kernel')).toThrow("granularity kernel does not fit layer 'W': a fully connected weight has no kernels");
    expect(() => prune(gemm, 0.5, 'block:4x4')).toThrow("granularity block:4x4 does not fit layer 'W': its 3 x 10 matrix (outputs x fan-in) is not a whole number of 4 x 4 blocks");
    expect(() => prune(gemm, 0.5, 'nm:2:4')).toThrow("granularity nm:2:4 does not fit layer 'W': its input dimension 10 is not a multiple of 4");
    expect(() => prune(gemm, 0.9, 'nm:2:4')).toThrow('gives sparsity 0.5, not the target 0.9');
    expect(() => prune(conv, 0.5, 'row')).toThrow("granularity row does not fit layer 'W': rows belong to fully connected weights");
    expect(() => pruneLayers(gemm, [{ layer: 'nope', sparsity: 0.5, granularity: { kind: 'row' } }])).toThrow("no prunable layer named 'nope' (layers: W)");
    expect(() => prune(gemm, 1, 'row')).toThrow("sparsity 1 for layer 'W' is outside [0, 1)");
  });
});
