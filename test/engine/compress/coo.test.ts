import { describe, expect, it } from 'vitest';
import { cooTensor, withCooWeights } from '../../../src/main/engine/compress/storage/coo';
import { buildFcLayer } from '../../../src/main/engine/model/demo-models';
import { floatTensor } from '../../../src/main/engine/model/graph-builder';
import { floatValues, onnx } from '../../../src/main/engine/model/onnx-io';

describe('ONNX COO sparse initializers', () => {
  it('keeps the nonzeros with their linear int64 positions and the dense shape', () => {
    const coo = cooTensor(floatTensor('w', [2, 3], new Float32Array([0, 1.5, 0, 0, -2, 0])));
    expect(coo.values!.name).toBe('w');
    expect(Array.from(floatValues(coo.values!))).toEqual([1.5, -2]);
    expect(Array.from(new BigInt64Array(coo.indices!.rawData!.slice().buffer))).toEqual([1n, 4n]);
    expect(coo.dims!.map(Number)).toEqual([2, 3]);
  });

  it('moves a weight only when its encoded COO form is smaller than the dense tensor', () => {
    const model = buildFcLayer('fc', 64, 32, 1);
    const weight = model.graph!.initializer!.find((t) => t.name?.endsWith('weight'))!;
    const w = floatValues(weight);
    // About half zeros: 6 bytes per weight in COO against 4 dense, so it stays dense.
    for (let i = 0; i < w.length; i += 2) w[i] = 0;
    weight.rawData = new Uint8Array(w.buffer);
    weight.floatData = [];
    const { model: stored, layers } = withCooWeights(model);
    expect(layers).toEqual([expect.objectContaining({ initializer: weight.name, params: 2048, nnz: 1024, stored: false })]);
    expect(layers[0].cooBytes).toBeGreaterThan(layers[0].denseBytes);
    expect(stored.graph!.sparseInitializer).toEqual([]);
    expect(onnx.ModelProto.encode(stored).finish().length).toBe(onnx.ModelProto.encode(model).finish().length);
  });
});
