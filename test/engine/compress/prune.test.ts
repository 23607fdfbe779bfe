import { describe, expect, it } from 'vitest';
import { buildCnnSmall, buildLenet300100 } from '../../../src/main/engine/model/demo-models';
import { floatValues, tensorDims } from '../../../src/main/engine/model/onnx-io';
import { smallestMagnitudes } from '../../../src/main/engine/compress/select';
import { prunableWeights, pruneModel, zeroSmallest } from '../../../src/main/engine/compress/prune';
import { SeededRandom } from '../../../src/shared/random';

describe('magnitude threshold (radix select)', () => {
  it('agrees with sorting magnitudes on random, signed, sorted, constant and split data', () => {
    const rng = new SeededRandom(3);
    const cases: Float32Array[][] = [
      [Float32Array.from({ length: 1001 }, () => rng.next() * 2 - 1)],
      [Float32Array.from({ length: 500 }, (_, i) => i - 250)],
      [new Float32Array(300).fill(-2)],
      [Float32Array.from({ length: 777 }, () => rng.int(5) - 2)],
      [Float32Array.from([0, -0, 1e-30, -1e-38, 3.5e38]), Float32Array.from({ length: 64 }, () => (rng.next() - 0.5) * 1e-3)],
    ];
    for (const arrays of cases) {
      const magnitudes = arrays.flatMap((a) => Array.from(a, Math.abs)).sort((x, y) => x - y);
      for (const count of [1, 2, magnitudes.length >> 1, magnitudes.length]) {
        const { thresholdBits, below } = smallestMagnitudes(arrays, count);
        const threshold = new Float32Array(new Uint32Array([thresholdBits]).buffer)[0];
        expect(threshold).toBe(magnitudes[count - 1]);
        expect(below).toBe(magnitudes.filter((m) => m < threshold).length);
      }
    }
  });

  it('refuses a count outside 1..total', () => {
    expect(() => smallestMagnitudes([new Float32Array(3)], 0)).toThrow(RangeError);
    expect(() => smallestMagnitudes([new Float32Array(3)], 4)).toThrow(RangeError);
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
