/**
 * The per-layer sparsity table against hand-counted zero structures, and after structured
 * pruning (where the pruned granularity's fraction is the target exactly).
 */
import { describe, expect, it } from 'vitest';
import { buildCnnSmall } from '../../../src/main/engine/model/demo-models';
import { buildModel, floatTensor, node, valueInfo } from '../../../src/main/engine/model/graph-builder';
import { pruneLayers } from '../../../src/main/engine/compress/granularity';
import { sparsityTable } from '../../../src/main/engine/compress/sparsity-table';

describe('sparsity table', () => {
  it('counts zero rows, columns, kernels, filters and channels by hand', () => {
    // MatMul B[K = 3, N = 2]: output rows are stored columns. Output 1 all zero; input 1 all zero.
    const fc = [1, 0, 0, 0, 2, 0];
    // Conv W[2, 2, 1, 2]: kernel (0,1) zero, kernel (1,1) zero -> channel 1 zero; no filter zero.
    const conv = [1, 2, 0, 0, 0, 3, 0, 0];
    const model = buildModel({
      name: 't',
      nodes: [node('Conv', ['x', 'c.weight'], ['h'], 'c', { kernel_shape: [1, 2] }), node('MatMul', ['f', 'fc.weight'], ['y'], 'fc')],
      initializers: [floatTensor('c.weight', [2, 2, 1, 2], Float32Array.from(conv)), floatTensor('fc.weight', [3, 2], Float32Array.from(fc))],
      inputs: [valueInfo('x', [1, 2, 4, 4]), valueInfo('f', [1, 3])],
      outputs: [valueInfo('h', [1, 2, 4, 3]), valueInfo('y', [1, 2])],
    });
    expect(sparsityTable(model)).toEqual([
      { name: 'c.weight', node: 'c', opType: 'Conv', shape: [2, 2, 1, 2], elements: 8, nnz: 3, element: 5 / 8, row: null, column: null, kernel: 0.5, filter: 0, channel: 0.5 },
      { name: 'fc.weight', node: 'fc', opType: 'MatMul', shape: [3, 2], elements: 6, nnz: 2, element: 1 - 2 / 6, row: 0.5, column: 1 / 3, kernel: null, filter: 0.5, channel: 1 / 3 },
    ]);
  });

  it('shows the pruned granularity at its target after structured pruning', () => {
    const pruned = pruneLayers(buildCnnSmall(), [
      { layer: 'conv2', sparsity: 0.25, granularity: { kind: 'kernel' } },
      { layer: 'fc1', sparsity: 0.5, granularity: { kind: 'column' } },
    ]).model;
    const [conv1, conv2, fc1] = sparsityTable(pruned);
    expect(conv1.element).toBe(0);
    expect(conv2.kernel).toBe(0.25);
    expect(conv2.element).toBe(0.25);
    expect(fc1.column).toBe(0.5);
    expect(fc1.row).toBe(0);
    expect(fc1.nnz).toBe(512 * 784);
  });
});
