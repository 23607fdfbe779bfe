/**
 * The EIE benchmark engine on its smallest layer: real onnxruntime runs in the run worker
 * and real sparse products in the timing process, on the same pruned weights and inputs.
 */
import { describe, expect, it } from 'vitest';
import { countNonzeros } from '../../../src/main/engine/compress/storage/formats';
import { EIE_BENCH_LAYERS, maxRelError, prunedWeights, runEieBench } from '../../../src/main/engine/sparse/eie-bench';
import { candidateFormats } from '../../../src/main/engine/sparse/formats';
import { loadSparseKernels } from '../../../src/main/engine/sparse/native';
import { tempDir } from '../../helpers';

describe('bench eie engine', () => {
  it("lists EIE's nine layers with the anchors' shapes and densities", () => {
    expect(EIE_BENCH_LAYERS.map((l) => [l.name, l.inFeatures, l.outFeatures, l.density])).toEqual([
      ['alexnet-fc6', 9216, 4096, 0.09],
      ['alexnet-fc7', 4096, 4096, 0.09],
      ['alexnet-fc8', 4096, 1000, 0.25],
      ['vgg16-fc6', 25088, 4096, 0.04],
      ['vgg16-fc7', 4096, 4096, 0.04],
      ['vgg16-fc8', 4096, 1000, 0.23],
      ['neuraltalk-we', 4096, 600, 0.1],
      ['neuraltalk-wd', 600, 8791, 0.11],
      ['neuraltalk-lstm', 1201, 2400, 0.1],
    ]);
  });

  it('prunes by magnitude to the layer density, reproducibly', () => {
    // The LSTM layer's density on a small shape (the full layers take seconds to generate).
    const lstm = { ...EIE_BENCH_LAYERS.find((l) => l.name === 'neuraltalk-lstm')!, inFeatures: 121, outFeatures: 240 };
    const w = prunedWeights(lstm, 1);
    expect(countNonzeros(w)).toBe(w.length - Math.round(0.9 * w.length));
    expect(prunedWeights(lstm, 1)).toEqual(w);
    // Magnitude pruning: every kept weight is at least as large as every dropped one was.
    let smallestKept = Infinity;
    for (const v of w) if (v !== 0) smallestKept = Math.min(smallestKept, Math.abs(v));
    const unpruned = prunedWeights({ ...lstm, density: 1 }, 1);
    let largestDropped = 0;
    for (let i = 0; i < w.length; i++) if (w[i] === 0) largestDropped = Math.max(largestDropped, Math.abs(unpruned[i]));
    expect(largestDropped).toBeGreaterThan(0);
    expect(largestDropped).toBeLessThanOrEqual(smallestKept);
  });

  it('offers csr16 up to 65536 columns, csr32 beyond, and sell at batch 1 on AVX-512 builds only', () => {
    const avx512 = { simd: 'avx512' };
    expect(candidateFormats(25088, 1, { simd: 'avx2' })).toEqual(['csr16']);
    expect(candidateFormats(65536, 64, avx512)).toEqual(['csr16']);
    expect(candidateFormats(65537, 3, avx512)).toEqual(['csr32']);
    expect(candidateFormats(600, 1, avx512)).toEqual(['csr16', 'sell']);
    expect(candidateFormats(70000, 1, avx512)).toEqual(['csr32', 'sell']);
  });

  it('measures relative error against the dense output scale', () => {
    expect(maxRelError([1, 2.5, -4], [1, 2, -4])).toBeCloseTo(0.125, 12);
    expect(maxRelError([0, 0], [0, 0])).toBe(0);
  });

  it('times ORT dense against the sparse kernel on the LSTM layer, with agreeing outputs', async () => {
    const result = await runEieBench({ batches: [1, 3], threads: 2, layers: ['neuraltalk-lstm'], timedRuns: 5, minTimeMs: 0, warmupRuns: 1, workDir: tempDir('eie-bench') });
    expect(result.threads).toBe(2);
    expect(result.layers.map((l) => l.batch)).toEqual([1, 3]);
    const build = loadSparseKernels();
    const avx512 = build.available && build.kernels.buildInfo.simd === 'avx512';
    for (const l of result.layers) {
      expect(l.name).toBe('neuraltalk-lstm');
      // Batch 1 on AVX-512: csr16 and sell tried, the faster measured; otherwise csr16 alone.
      if (avx512 && l.batch === 1) {
        expect(l.formatTrials!.map((t) => t.format)).toEqual(['csr16', 'sell']);
        const fastest = l.formatTrials!.reduce((a, b) => (b.sparseUs < a.sparseUs ? b : a));
        expect(l.format).toBe(fastest.format);
      } else {
        expect(l.formatTrials).toBeUndefined();
        expect(l.format).toBe('csr16');
      }
      expect(l.density).toBeCloseTo(0.1, 6);
      const nnz = Math.round(l.density * 1201 * 2400);
      if (l.format === 'csr16') expect(l.sparseBytes).toBe(6 * nnz + 4 * (2400 + 1));
      else expect(l.sparseBytes).toBeGreaterThan(5 * nnz);
      expect(l.byteRatioLimit).toBeCloseTo((4 * 1201 * 2400) / l.sparseBytes, 12);
      expect(l.maxRelError).toBeLessThan(1e-5);
      expect(l.denseUs).toBeGreaterThan(0);
      expect(l.sparseUs).toBeGreaterThan(0);
      expect(l.speedup).toBeCloseTo(l.denseUs / l.sparseUs, 12);
      expect(l.sparseBandwidthBytesPerSec).toBeCloseTo((l.sparseBytes + 4 * l.batch * (1201 + 2400)) / (l.sparseUs * 1e-6), 0);
      expect(l.sparseRuns).toBeGreaterThanOrEqual(5);
      expect(l.denseRuns).toBeGreaterThanOrEqual(5);
    }
    expect(result.layers[0].eieCpuSpeedup).toBeCloseTo(470.5 / 260.0, 12);
    expect(result.layers[1].eieCpuSpeedup).toBeNull();
  }, 120_000);

  it('refuses an unknown layer by name', async () => {
    await expect(runEieBench({ batches: [1], threads: 1, layers: ['resnet-fc'], workDir: tempDir('eie-bad') })).rejects.toThrow(/no EIE layer named 'resnet-fc'/);
  });
});
