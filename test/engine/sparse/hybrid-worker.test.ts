/**
 * The worker side of a hybrid run (runHybrid, called in-process here with the native kernels
 * when built, else the test JS kernels) and the analysis of what it returns (analyseHybrid).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Ceilings } from '../../../src/shared/report';
import { SourceGraph } from '../../../src/main/engine/analysis/source-graph';
import { pruneModel } from '../../../src/main/engine/compress/prune';
import { buildCnnSmall } from '../../../src/main/engine/model/demo-models';
import { resolveInputs } from '../../../src/main/engine/model/inputs';
import { writeModel } from '../../../src/main/engine/model/onnx-io';
import { summarizeModel } from '../../../src/main/engine/model/summary';
import { readModel } from '../../../src/main/engine/model/onnx-io';
import type { RunSpec } from '../../../src/main/engine/run/messages';
import { sparseKernels } from '../../../src/main/engine/sparse/hybrid/kernels';
import { SPARSE_PROVIDER, analyseHybrid } from '../../../src/main/engine/sparse/hybrid/measure-hybrid';
import { runHybrid } from '../../../src/main/engine/sparse/hybrid/worker-run';
import { jsKernels } from './hybrid-js-kernels';
import { tempDir } from '../../helpers';

const native = sparseKernels();
const status = native.available ? native : { available: true as const, kernels: jsKernels };
const dir = tempDir('hybrid-worker');
const origin = process.hrtime.bigint();

async function prunedCnn(): Promise<string> {
  const path = join(dir, 'cnn-small.pruned-0.9.onnx');
  if (!existsSync(path)) await writeModel(path, pruneModel(buildCnnSmall(), { sparsity: 0.9, global: false }).model);
  return path;
}

async function spec(batch: number, overrides: RunSpec['hybrid'] = { overrides: { fc1: 'sparse', fc2: 'sparse' } }): Promise<RunSpec> {
  const modelPath = await prunedCnn();
  return {
    modelPath,
    ep: 'cpu',
    threads: 2,
    graphOptimizationLevel: 'all',
    inputs: resolveInputs(summarizeModel(readModel(modelPath)).inputs, { batch, dims: {}, shapes: {}, values: {}, seed: 1 }),
    seed: 1,
    warmupRuns: 1,
    timedRuns: 4,
    minTimeMs: 0,
    profiledRuns: 3,
    profileDir: dir,
    returnOutputs: true,
    clockOriginNs: origin.toString(),
    hybrid: overrides,
  };
}

const ceilings: Ceilings = {
  memoryBandwidthBytesPerSec: 10e9, cacheBandwidthBytesPerSec: 50e9, peakFlopsPerSec: 50e9, opOverheadUs: 2, ep: 'cpu', threads: 2,
  lastLevelCacheBytes: 8 << 20, measuredAt: new Date(0).toISOString(), cached: false,
};

describe('hybrid run in the worker', () => {
  for (const batch of [1, 8]) {
    it(`runs cnn-small pruned 90% with its Gemm head sparse at batch ${batch}, equal to ORT, and profiles every piece`, async () => {
      const s = await spec(batch);
      const phases = new Set<string>();
      const result = await runHybrid(s, (phase) => phases.add(phase), status);
      expect([...phases]).toEqual(['session', 'first-run', 'warmup', 'timed', 'profiled']);
      const h = result.hybrid!;
      expect(h.fallbackReason).toBeUndefined();
      expect(h.check.maxRelError).toBeLessThan(1e-4);
      expect(h.check.comparedOutputs).toEqual(['probabilities']);
      expect(h.steps.map((st) => `${st.kind}:${st.name}`)).toEqual(['ort:segment0', 'sparse:fc1', 'sparse:fc2', 'ort:segment1']);
      expect(h.sparseLayers.map((l) => [l.node, l.batch, l.inputDims, l.outputDims])).toEqual([
        ['fc1', batch, [batch, 1568], [batch, 512]],
        ['fc2', batch, [batch, 512], [batch, 10]],
      ]);
      expect(result.latenciesMs).toHaveLength(4);
      expect(result.profiledWindows).toHaveLength(3);
      expect(h.segmentProfiles.map((p) => p.step)).toEqual([0, 3]);

      const { ops, spans } = await analyseHybrid(h, result.profiledWindows, { ceilings, modelWeightBytes: 4 * 850_000, sourceGraph: new SourceGraph(readModel(s.modelPath).proto) });
      for (const p of h.segmentProfiles) expect(existsSync(p.path)).toBe(false);
      const fc1 = ops.find((o) => o.name === 'fc1')!;
      const layer = h.sparseLayers[0];
      expect(fc1).toMatchObject({ opType: 'SparseGemm', provider: SPARSE_PROVIDER, flops: 2 * layer.nnz * batch });
      expect(fc1.parameterBytes).toBe(layer.matrixBytes + 512 * 4);
      expect(fc1.bytes).toBe(layer.matrixBytes + 512 * 4 + batch * (1568 + 512) * 4);
      expect(layer.nnz).toBe(Math.round(512 * 1568 * 0.1));
      // ORT ops of the segments (convs, pools, softmax) and the two sparse layers, in execution order.
      const names = ops.map((o) => o.name);
      expect(names.indexOf('fc1')).toBeLessThan(names.indexOf('fc2'));
      expect(ops.filter((o) => o.provider === 'CPUExecutionProvider').length).toBeGreaterThanOrEqual(4);
      expect(ops[ops.length - 1].opType).toBe('Softmax');
      expect(spans).toHaveLength(ops.length * 3);
      for (const span of spans) {
        const w = result.profiledWindows[span.run];
        expect(span.startMs).toBeGreaterThanOrEqual(w.startMs - 0.5);
        expect(span.startMs + span.durMs).toBeLessThanOrEqual(w.endMs + 0.5);
      }
    });
  }

  it('says why when the kernels are unavailable', async () => {
    await expect(runHybrid(await spec(1), () => {}, { available: false, reason: 'addon not built' })).rejects.toThrow('sparse kernels unavailable: addon not built');
  });
});
