import { describe, expect, it } from 'vitest';
import { buildCnnSmall, buildLenet300100 } from '../../../../src/main/engine/model/demo-models';
import { layerMatrices, matrixOf } from '../../../../src/main/engine/compress/storage/matrix';

describe('matrix view of a weight', () => {
  it('puts one row per output feature', () => {
    const w = new Float32Array([1, 2, 3, 4, 5, 6]);
    // MatMul W[in=2, out=3] -> 3 x 2, transposed.
    expect(matrixOf('MatMul', [2, 3], w)).toEqual({ rows: 3, cols: 2, values: new Float32Array([1, 4, 2, 5, 3, 6]) });
    // Gemm transB=1: W[out=2, in=3] as is; transB=0: W[in=2, out=3] transposed.
    expect(matrixOf('Gemm', [2, 3], w, 1)).toEqual({ rows: 2, cols: 3, values: w });
    expect(matrixOf('Gemm', [2, 3], w, 0).values).toEqual(new Float32Array([1, 4, 2, 5, 3, 6]));
    // Conv W[Cout=2, Cin=1, 1, 3] -> 2 x 3.
    expect(matrixOf('Conv', [2, 1, 1, 3], w)).toMatchObject({ rows: 2, cols: 3 });
    // Batched MatMul W[2, in=1, out=3]: each [1, 3] transposed to [3, 1], stacked.
    expect(matrixOf('MatMul', [2, 1, 3], w)).toEqual({ rows: 6, cols: 1, values: w });
  });

  it('gives the demo models their layer shapes', () => {
    const shape = (m: { initializer: string; rows: number; cols: number }) => [m.initializer, m.rows, m.cols];
    expect(layerMatrices(buildLenet300100()).map(shape)).toEqual([
      ['fc1.weight', 300, 784], ['fc2.weight', 100, 300], ['fc3.weight', 10, 100],
    ]);
    expect(layerMatrices(buildCnnSmall()).map(shape)).toEqual([
      ['conv1.weight', 16, 25], ['conv2.weight', 32, 400], ['fc1.weight', 512, 1568], ['fc2.weight', 10, 512],
    ]);
  });
});
