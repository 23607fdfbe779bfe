import { describe, expect, it } from 'vitest';
import { buildCnnSmall, buildLenet300100 } from '../../../src/main/engine/model/demo-models';
import { floatValues, tensorDims } from '../../../src/main/engine/model/onnx-io';
import { kthSmallest } from '../../../src/main/engine/compress/select';
import { prunableWeights, pruneModel, zeroSmallest } from '../../../src/main/engine/compress/prune';
import { SeededRandom } from '../../../src/shared/random';

describe('k-th smallest', () => {
  it('agrees with sorting on random, sorted, reversed and constant data', () => {
    const rng = new SeededRandom(3);
    const cases = [
      Float32Array.from({ length: 1001 }, () => rng.next()),
      Float32Array.from({ length: 500 }, (_, i) => i),
      Float32Array.from({ length: 500 }, (_, i) => 500 - i),
      new Float32Array(300).fill(2),
      Float32Array.from({ length: 777 }, () => rng.int(5)),
    ];
    for (const values of cases) {
      const sorted = Float32Array.from(values).sort();
      for (const k of [0, 1, values.length >> 1, values.length - 1]) {
        expect(kthSmallest(Float32Array.from(values), k)).toBe(sorted[k]);
      }
    }
  });
});

describe('magnitude pruning', () => {
  it('zeros exactly the smallest magnitudes, ties broken by index', () => {
    const w = new Float32Array([0.5, -0.1, 0.3, -0.3, 0.05, 0.9, -0.3, 0.2]);
    zeroSmallest(w, 4);
    // |w| sorted: 0.05, 0.1, 0.2, 0.3 (index 2), 0.3 (3), 0.3 (6), ... -> the first 0.3 (index 2) goes.
    expect(Array.from(w)).toEqual([0.5, 0, 0, -0.3, 0, 0.9, -0.3, 0].map((v) => Math.fround(v)));
  });

  it('reaches the target sparsity in every prunable layer and keeps biases', () => {
    const dense = buildLenet300100();
    const { model, layers, sparsity } = pruneModel(dense, { sparsity: 0.9 });
    expect(layers.map((l) => l.initializer)).toEqual(['fc1.weight', 'fc2.weight', 'fc3.weight']);
    for (const layer of layers) {
      expect(layer.zeros).toBe(Math.round(0.9 * layer.elementCount));
    }
    expect(sparsity).toBeCloseTo(0.9, 3);
    const denseWeights = new Map(prunableWeights(dense).map((w) => [w.initializer.name, floatValues(w.initializer)]));
    for (const w of prunableWeights(model)) {
      const pruned = floatValues(w.initializer);
      const original = denseWeights.get(w.initializer.name)!;
      let maxZeroed = 0;
      let minKept = Infinity;
      for (let i = 0; i < pruned.length; i++) {
        if (pruned[i] === 0) maxZeroed = Math.max(maxZeroed, Math.abs(original[i]));
        else {
          expect(pruned[i]).toBe(original[i]);
          minKept = Math.min(minKept, Math.abs(original[i]));
        }
      }
      expect(maxZeroed).toBeLessThanOrEqual(minKept);
    }
    // The dense model is untouched and biases are not pruned.
    expect(floatValues(prunableWeights(dense)[0].initializer).some((v) => v === 0)).toBe(false);
    const bias = model.graph!.initializer!.find((t) => t.name === 'fc1.bias')!;
    expect(floatValues(bias).every((v) => v !== 0)).toBe(true);
  });

  it('prunes conv and Gemm weights, per layer and globally', () => {
    const cnn = buildCnnSmall();
    const perLayer = pruneModel(cnn, { sparsity: 0.5, perLayer: { 'fc1.weight': 0.95, conv1: 0 } });
    const byName = Object.fromEntries(perLayer.layers.map((l) => [l.initializer, l]));
    expect(byName['conv1.weight'].zeros).toBe(0);
    expect(byName['conv2.weight'].sparsity).toBeCloseTo(0.5, 4);
    expect(byName['fc1.weight'].sparsity).toBeCloseTo(0.95, 4);
    const global = pruneModel(cnn, { sparsity: 0.8, global: true });
    const total = global.layers.reduce((s, l) => s + l.elementCount, 0);
    expect(global.layers.reduce((s, l) => s + l.zeros, 0)).toBe(Math.round(0.8 * total));
    // Global thresholds leave different sparsities per layer.
    expect(new Set(global.layers.map((l) => l.sparsity.toFixed(3))).size).toBeGreaterThan(1);
    expect(tensorDims(prunableWeights(global.model)[0].initializer)).toEqual([16, 1, 5, 5]);
  });

  it('rejects sparsities outside [0, 1) and unknown layer names', () => {
    const m = buildLenet300100();
    expect(() => pruneModel(m, { sparsity: 1 })).toThrow(/outside \[0, 1\)/);
    expect(() => pruneModel(m, { sparsity: -0.1 })).toThrow(/outside/);
    expect(() => pruneModel(m, { perLayer: { nope: 0.5 } })).toThrow(/no prunable layer named 'nope'/);
  });
});
