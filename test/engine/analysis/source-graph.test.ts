import { describe, expect, it } from 'vitest';
import { SourceGraph } from '../../../src/main/engine/analysis/source-graph';
import { buildCnnSmall, buildLenet300100 } from '../../../src/main/engine/model/demo-models';

describe('mapping trace nodes back to the model', () => {
  const cnn = new SourceGraph(buildCnnSmall());

  it('follows the names ORT gives rewritten nodes (names seen in real traces)', () => {
    // WebGPU renames nodes with a token suffix.
    expect(cnn.weightDims('conv2_token_8', 'Conv')).toEqual([32, 16, 5, 5]);
    // NCHWc conv fused with BN + Relu is named after the Relu's output: walk back to the Conv.
    expect(cnn.weightDims('r1_nchwc', 'Conv')).toEqual([16, 1, 5, 5]);
    // Gemm fused with its activation.
    expect(cnn.sourceNode('fused fc1', 'Gemm')?.name).toBe('fc1');
    expect(cnn.weightDims('fc2', 'Gemm')).toEqual([10, 512]);
  });

  it('finds nothing rather than a wrong node', () => {
    expect(cnn.weightDims('r1_nchwc', 'MatMul')).toBeUndefined();
    expect(cnn.weightDims('no_such_node', 'Conv')).toBeUndefined();
    const mlp = new SourceGraph(buildLenet300100());
    expect(mlp.sourceNode('fused fc1/MatMul/MatMulAddFusion', 'MatMul')?.name).toBe('fc1/MatMul');
  });
});
