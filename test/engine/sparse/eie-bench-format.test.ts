/**
 * bench eie's EIE-format column on its smallest layer: real onnxruntime runs on the weight-shared
 * matrix against the native 'eie' kernel, with the format's exact bytes and agreeing outputs.
 */
import { describe, expect, it } from 'vitest';
import { shareWeights } from '../../../src/main/engine/compress/weight-sharing';
import { EIE_BENCH_LAYERS, EIE_FORMAT_INDEX_BITS, EIE_FORMAT_SHARE_BITS, prunedWeights, runEieBench } from '../../../src/main/engine/sparse/eie-bench';
import { eieFormatStorage } from '../../../src/main/engine/sparse/eie-format';
import { transpose } from '../../../src/main/engine/sparse/timing-worker';
import { tempDir } from '../../helpers';

describe('bench eie: the EIE format', () => {
  it('times the eie kernel against ORT dense on the same weight-shared LSTM layer, with exact bytes', async () => {
    const seed = 7;
    const result = await runEieBench({ batches: [1, 3], threads: 2, layers: ['neuraltalk-lstm'], timedRuns: 5, minTimeMs: 0, warmupRuns: 1, seed, workDir: tempDir('eie-format-bench') });
    // The same weights as the bench: layer 0 of the selection, 16 centroids by k-means, stored by output row.
    const layer = EIE_BENCH_LAYERS.find((l) => l.name === 'neuraltalk-lstm')!;
    const shared = shareWeights(prunedWeights(layer, seed), EIE_FORMAT_SHARE_BITS);
    const matrix = { rows: 2400, cols: 1201, values: transpose(shared.shared, 1201, 2400) };
    const want = eieFormatStorage(matrix, EIE_FORMAT_INDEX_BITS, EIE_FORMAT_SHARE_BITS);
    expect(want.padding).toBeGreaterThan(0); // 10% density: some gaps exceed 15 columns

    expect(result.layers.map((l) => l.batch)).toEqual([1, 3]);
    for (const l of result.layers) {
      const e = l.eieFormat;
      expect(e.indexBits).toBe(4);
      expect(e.codeBits).toBe(4);
      expect(e.entries).toBe(want.entries);
      expect(e.padding).toBe(want.padding);
      expect(e.bytes).toBe(want.bytes);
      expect(e.bytes).toBe((want.entries * 8) / 8 + 4 * 16 + 4 * 2401);
      // One byte per entry against six per nonzero in csr16.
      const nonzeros = want.entries - want.padding;
      expect(e.bytes).toBeLessThan((6 * nonzeros) / 4);
      expect(e.byteRatioLimit).toBeCloseTo(l.denseBytes / e.bytes, 12);
      expect(e.maxRelError).toBeLessThan(1e-5);
      expect(e.denseUs).toBeGreaterThan(0);
      expect(e.sparseUs).toBeGreaterThan(0);
      expect(e.speedup).toBeCloseTo(e.denseUs / e.sparseUs, 12);
      expect(e.sparseBandwidthBytesPerSec).toBeCloseTo((e.bytes + 4 * l.batch * (1201 + 2400)) / (e.sparseUs * 1e-6), 0);
      expect(e.sparseRuns).toBeGreaterThanOrEqual(5);
      expect(e.denseRuns).toBeGreaterThanOrEqual(5);
      // The CSR/SELL comparison is untouched: its own format, bytes and error.
      expect(['csr16', 'sell']).toContain(l.format);
      expect(l.maxRelError).toBeLessThan(1e-5);
    }
  }, 180_000);
});
