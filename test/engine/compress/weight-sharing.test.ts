import { describe, expect, it } from 'vitest';
import { buildLenet300100 } from '../../../src/main/engine/model/demo-models';
import { floatValues } from '../../../src/main/engine/model/onnx-io';
import { prunableWeights, pruneModel } from '../../../src/main/engine/compress/prune';
import { kmeans1d, shareModelWeights, shareWeights } from '../../../src/main/engine/compress/weight-sharing';

const f = Math.fround;

describe('1-D k-means', () => {
  it('converges to the known result from a given start', () => {
    // {0, 2, 3, 10} from (0, 10): midpoint 5 -> {0,2,3} and {10} -> (5/3, 10); the next pass moves nothing.
    const r = kmeans1d(Float64Array.from([0, 2, 3, 10]), [0, 10]);
    expect(Array.from(r.centroids)).toEqual([5 / 3, 10]);
    expect(r).toMatchObject({ iterations: 2, converged: true });
  });

  it('stops at the iteration cap and keeps empty clusters where they are', () => {
    const capped = kmeans1d(Float64Array.from([0, 2, 3, 10]), [0, 10], { maxIterations: 1 });
    expect(capped).toMatchObject({ iterations: 1, converged: false });
    // Centroid 50 gets no point and stays.
    const empty = kmeans1d(Float64Array.from([0, 1, 100]), [0, 50, 100]);
    expect(Array.from(empty.centroids)).toEqual([0.5, 50, 100]);
  });
});

describe('weight sharing', () => {
  it('clusters the nonzeros from a linear start, keeps zeros and is deterministic', () => {
    const w = new Float32Array([0, 1, 1.1, 0, 5, 5.1, 0, 9, 9.1, 13, 13.1, 0]);
    // Linear start 1, 5.03, 9.07, 13.1 over the nonzeros; each pair is one cluster.
    const s = shareWeights(w, 2);
    const mean = (a: number, b: number) => f((f(a) + f(b)) / 2);
    expect(Array.from(s.centroids)).toEqual([mean(1, 1.1), mean(5, 5.1), mean(9, 9.1), mean(13, 13.1)]);
    expect(Array.from(s.indices)).toEqual([0, 0, 1, 1, 2, 2, 3, 3]);
    expect(s).toMatchObject({ nnz: 8, iterations: 2, converged: true, bits: 2 });
    expect(Array.from(s.shared)).toEqual(Array.from(w, (v, i) => (v === 0 ? 0 : s.centroids[s.indices[[1, 2, 4, 5, 7, 8, 9, 10].indexOf(i)]])));
    expect(shareWeights(w, 2)).toEqual(s);
  });

  it('handles no nonzeros and one repeated value, and rejects bits outside 2..8', () => {
    expect(shareWeights(new Float32Array(4), 3)).toMatchObject({ nnz: 0, iterations: 0 });
    const one = shareWeights(new Float32Array([0, 2, 2, 0]), 2);
    expect(Array.from(one.shared)).toEqual([0, 2, 2, 0]);
    expect(() => shareWeights(new Float32Array(2), 1)).toThrow(/\[2, 8\]/);
    expect(() => shareWeights(new Float32Array(2), 9)).toThrow(/\[2, 8\]/);
  });

  it('writes a model whose pruned weights take at most 2^b values and keep their zeros', () => {
    const { model: pruned } = pruneModel(buildLenet300100(), { sparsity: 0.92 });
    const before = prunableWeights(pruned).map((w) => Float32Array.from(floatValues(w.initializer)));
    const { model, layers } = shareModelWeights(pruned, 5);
    expect(layers.map((l) => l.bits)).toEqual([5, 5, 5]);
    prunableWeights(model).forEach((w, i) => {
      const v = floatValues(w.initializer);
      const codebook = new Set(layers[i].centroids);
      let mismatches = 0;
      for (let j = 0; j < v.length; j++) {
        if ((v[j] === 0) !== (before[i][j] === 0) || (v[j] !== 0 && !codebook.has(v[j]))) mismatches++;
      }
      expect(mismatches).toBe(0);
      expect(new Set(v).size).toBeLessThanOrEqual(33);
    });
    // The input model is not changed.
    prunableWeights(pruned).forEach((w, i) => expect(floatValues(w.initializer)).toEqual(before[i]));
  });
});
