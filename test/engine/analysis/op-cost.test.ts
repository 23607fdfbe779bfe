import { describe, expect, it } from 'vitest';
import { opCost } from '../../../src/main/engine/analysis/op-cost';
import type { KernelEvent } from '../../../src/main/engine/trace/ort-trace';

function kernel(opType: string, inputs: number[][], outputs: number[][], types = 'float'): KernelEvent {
  return {
    name: opType.toLowerCase(),
    opType,
    provider: 'CPUExecutionProvider',
    tsUs: 0,
    durUs: 10,
    inputShapes: inputs,
    inputTypes: inputs.map(() => types),
    outputShapes: outputs,
    outputTypes: outputs.map(() => types),
    parameterBytes: 0,
    activationBytes: 0,
    outputBytes: 0,
    timing: 'host',
    hostDurUs: 10,
  };
}

describe('FLOP and byte model', () => {
  it('MatMul with a pre-packed weight (absent from the trace): 2*M*N*K and K*N weight bytes', () => {
    const c = opCost(kernel('MatMul', [[1, 4096]], [[1, 1000]]));
    expect(c.flops).toBe(2 * 1 * 1000 * 4096);
    expect(c.parameterBytes).toBe(4096 * 1000 * 4);
    expect(c.activationBytes).toBe(4096 * 4);
    expect(c.outputBytes).toBe(1000 * 4);
    expect(c.bytes).toBe(c.parameterBytes + c.activationBytes + c.outputBytes);
  });

  it('batched MatMul of two activations has no parameters', () => {
    const c = opCost(kernel('MatMul', [[8, 64, 32], [8, 32, 16]], [[8, 64, 16]]));
    expect(c.flops).toBe(2 * 8 * 64 * 16 * 32);
    expect(c.parameterBytes).toBe(0);
  });

  it('Gemm counts the bias add and the listed bias as a parameter', () => {
    const c = opCost(kernel('FusedGemm', [[2, 1568], [512]], [[2, 512]]));
    expect(c.flops).toBe(2 * 2 * 512 * 1568 + 2 * 512);
    expect(c.parameterBytes).toBe(1568 * 512 * 4 + 512 * 4);
  });

  it('Conv: 2 * N * Cout * Hout * Wout * Cin/groups * Kh * Kw (+ bias)', () => {
    const c = opCost(kernel('Conv', [[2, 16, 14, 14], [32, 16, 5, 5], [32]], [[2, 32, 14, 14]]));
    expect(c.flops).toBe(2 * 2 * 32 * 14 * 14 * 16 * 5 * 5 + 2 * 32 * 14 * 14);
    expect(c.parameterBytes).toBe((32 * 16 * 25 + 32) * 4);
    // depthwise: groups = Cin = 32, weight [32, 1, 3, 3]
    const dw = opCost(kernel('Conv', [[1, 32, 8, 8], [32, 1, 3, 3]], [[1, 32, 8, 8]]));
    expect(dw.flops).toBe(2 * 32 * 8 * 8 * 9);
  });

  it('Conv whose weight the EP pre-packed (absent from the trace) uses the model weight shape', () => {
    // As the WebGPU EP lists it: NHWC activations, bias only.
    const k = kernel('Conv', [[1, 14, 14, 16], [32]], [[1, 14, 14, 32]]);
    expect(opCost(k).flops).toBeNull();
    const c = opCost(k, [32, 16, 5, 5]);
    expect(c.flops).toBe(2 * 32 * 14 * 14 * 16 * 25 + 32 * 14 * 14);
    expect(c.parameterBytes).toBe((32 + 32 * 16 * 25) * 4);
    expect(c.activationBytes).toBe(14 * 14 * 16 * 4);
  });

  it('ConvTranspose scatters each input element into Cout/groups * k outputs', () => {
    const c = opCost(kernel('ConvTranspose', [[1, 8, 4, 4], [8, 4, 3, 3]], [[1, 4, 9, 9]]));
    expect(c.flops).toBe(2 * 8 * 16 * 4 * 9);
  });

  it('LSTM: 4 gates of input and recurrent matmuls per step, plus pointwise work', () => {
    // seq 5, batch 2, input 10, hidden 20, one direction: W [1, 80, 10], R [1, 80, 20]
    const c = opCost(kernel('LSTM', [[5, 2, 10], [1, 80, 10], [1, 80, 20]], [[5, 1, 2, 20]]));
    const perStep = 2 * 4 * 20 * (10 + 20) + 4 * 20 * 4 + 20 * 6;
    expect(c.flops).toBe(5 * 2 * perStep);
    expect(c.parameterBytes).toBe((80 * 10 + 80 * 20) * 4);
  });

  it('elementwise, normalization, pooling, softmax and data movement', () => {
    expect(opCost(kernel('Relu', [[2, 512]], [[2, 512]])).flops).toBe(1024);
    expect(opCost(kernel('Sigmoid', [[10]], [[10]])).flops).toBe(40);
    expect(opCost(kernel('BatchNormalization', [[1, 16, 4, 4], [16], [16], [16], [16]], [[1, 16, 4, 4]])).flops).toBe(2 * 256);
    expect(opCost(kernel('MaxPool', [[1, 16, 28, 28]], [[1, 16, 14, 14]])).flops).toBe(16 * 28 * 28);
    expect(opCost(kernel('Softmax', [[2, 10]], [[2, 10]])).flops).toBe(100);
    const reshape = opCost(kernel('Reshape', [[2, 32, 7, 7]], [[2, 1568]]));
    expect(reshape.flops).toBe(0);
    expect(reshape.bytes).toBe(2 * 1568 * 4 * 2);
  });

  it('marks unknown ops as unmodelled and integer ops as integer', () => {
    expect(opCost(kernel('NonMaxSuppression', [[1, 10, 4]], [[3, 3]])).flops).toBeNull();
    const q = opCost(kernel('MatMulInteger', [[1, 64]], [[1, 32]], 'int8'));
    expect(q.integer).toBe(true);
    expect(q.parameterBytes).toBe(64 * 32);
  });
});
