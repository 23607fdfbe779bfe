/**
 * The hybrid executor's choice of sparse storage format per layer (formats.ts), with the real
 * kernels and onnxruntime: which formats are candidates at which batch and build; on an AVX-512
 * build, a batch-1 plan of LeNet-300-100 pruned 90% times csr16 and sell and packs the winner
 * (decision, packed matrix and the report op's sparse.format agree); at batch > 1 and on other
 * builds only CSR is timed; a cut model with every layer forced to 'sell' still equals ORT; the
 * measurement cache keeps timings among different candidate sets apart; the break-even
 * calibration times the candidates too.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { SeededRandom } from '../../../src/shared/random';
import type { Ceilings } from '../../../src/shared/report';
import { SourceGraph } from '../../../src/main/engine/analysis/source-graph';
import { pruneModel } from '../../../src/main/engine/compress/prune';
import { buildCnnSmall, buildLenet300100 } from '../../../src/main/engine/model/demo-models';
import { buildModel, floatTensor, node, valueInfo } from '../../../src/main/engine/model/graph-builder';
import { resolveInputs } from '../../../src/main/engine/model/inputs';
import { encodeModel, readModel, writeModel, type onnx } from '../../../src/main/engine/model/onnx-io';
import { summarizeModel } from '../../../src/main/engine/model/summary';
import type { RunSpec } from '../../../src/main/engine/run/messages';
import { breakEvenSources, timeLayer, withBreakEvenSources, type BreakEvenCacheSpec } from '../../../src/main/engine/sparse/hybrid/break-even';
import { writeBreakEvenEntries } from '../../../src/main/engine/sparse/hybrid/break-even-table';
import { calibrate } from '../../../src/main/engine/sparse/hybrid/break-even-worker';
import { HybridExecutor } from '../../../src/main/engine/sparse/hybrid/executor';
import { candidateFormats, csrFormat } from '../../../src/main/engine/sparse/formats';
import { formatFor } from '../../../src/main/engine/sparse/hybrid/formats';
import { sparseKernels } from '../../../src/main/engine/sparse/hybrid/kernels';
import { analyseHybrid } from '../../../src/main/engine/sparse/hybrid/measure-hybrid';
import { kernelBuildId, LayerMeasurementCache } from '../../../src/main/engine/sparse/hybrid/measurement-cache';
import { planHybrid } from '../../../src/main/engine/sparse/hybrid/plan';
import { cutGraph, findSparseCandidates } from '../../../src/main/engine/sparse/hybrid/split';
import { runHybrid } from '../../../src/main/engine/sparse/hybrid/worker-run';
import type { SparseKernels } from '../../../src/main/engine/sparse/types';
import { tempDir } from '../../helpers';

const native = sparseKernels();
const kernels: SparseKernels | null = native.available ? native.kernels : null;
const avx512 = kernels?.buildInfo.simd === 'avx512';
const settings = { ep: 'cpu', threads: 2, graphOptimizationLevel: 'all' as const };
const lenet = pruneModel(buildLenet300100(), { sparsity: 0.9, global: false }).model;
const lenetLayers = findSparseCandidates(lenet).layers;
const ALL_SPARSE = { 'fc1/MatMul': 'sparse', 'fc2/MatMul': 'sparse', 'fc3/MatMul': 'sparse' } as const;

function uniform(length: number, seed: number): Float32Array {
  const rng = new SeededRandom(seed);
  return Float32Array.from({ length }, () => rng.uniform(0, 1));
}

const lenetFeeds = (batch: number) => ({ input: new ort.Tensor('float32', uniform(batch * 784, 3), [batch, 784]) });

/** A pruned 1x1 Conv (64 -> 32 channels) on a 4x4 image with a bias: its products are the pixels. */
function conv1x1(): onnx.ModelProto {
  const rng = new SeededRandom(11);
  const w = Float32Array.from({ length: 32 * 64 }, () => rng.normal() * 0.2);
  const b = Float32Array.from({ length: 32 }, () => rng.normal() * 0.1);
  const model = buildModel({
    name: 'conv1x1',
    nodes: [node('Conv', ['x', 'w', 'b'], ['y'], 'conv', { kernel_shape: [1, 1] })],
    initializers: [floatTensor('w', [32, 64, 1, 1], w), floatTensor('b', [32], b)],
    inputs: [valueInfo('x', ['batch', 64, 4, 4])],
    outputs: [valueInfo('y', ['batch', 32, 4, 4])],
  });
  return pruneModel(model, { sparsity: 0.8, global: false }).model;
}

/** max |hybrid - ORT| / max |ORT| over the model's outputs, both on the same feeds. */
async function relErrorAgainstOrt(proto: onnx.ModelProto, hybrid: Record<string, ort.Tensor>, feeds: Record<string, ort.Tensor>): Promise<number> {
  const session = await ort.InferenceSession.create(encodeModel(proto), { executionProviders: ['cpu'], logSeverityLevel: 3 });
  try {
    const reference = await session.run(feeds);
    let maxAbs = 0;
    let scale = 0;
    for (const [name, r] of Object.entries(reference)) {
      const want = r.data as Float32Array;
      const got = hybrid[name].data as Float32Array;
      expect(got.length).toBe(want.length);
      for (let i = 0; i < want.length; i++) {
        maxAbs = Math.max(maxAbs, Math.abs(got[i] - want[i]));
        scale = Math.max(scale, Math.abs(want[i]));
      }
    }
    return maxAbs / scale;
  } finally {
    await session.release();
  }
}

describe('candidate formats', () => {
  const avx512Build = { simd: 'avx512' };
  it('offers sell beside CSR only at batch 1 on an AVX-512 build', () => {
    expect(candidateFormats(784, 1, avx512Build)).toEqual(['csr16', 'sell']);
    expect(candidateFormats(9216, 1, avx512Build)).toEqual(['csr16', 'sell']);
    for (const batch of [2, 8, 64]) expect(candidateFormats(784, batch, avx512Build)).toEqual(['csr16']);
    for (const simd of ['avx2', 'scalar', 'neon']) expect(candidateFormats(784, 1, { simd })).toEqual(['csr16']);
    expect(candidateFormats(784, 1, { implementation: 'test-js' })).toEqual(['csr16']);
  });

  it('uses 32-bit CSR indices past 16 bits of fan-in, and sell only while its windows fit 16 bits', () => {
    // csr16 addresses columns 0..65535: a fan-in of 65536 still fits.
    expect(csrFormat(65_536)).toBe('csr16');
    expect(csrFormat(65_537)).toBe('csr32');
    expect(candidateFormats(100_000, 1, avx512Build)).toEqual(['csr32', 'sell']);
    expect(candidateFormats(65_536 * 64 + 1, 1, avx512Build)).toEqual(['csr32']);
  });

  it('packs the format the planner chose, else CSR', () => {
    expect(formatFor({ cols: 784 })).toBe('csr16');
    expect(formatFor({ cols: 784, format: 'sell' })).toBe('sell');
    expect(formatFor({ cols: 70_000 })).toBe('csr32');
  });
});

describe.skipIf(!kernels)('hybrid outputs with every layer forced to sell', () => {
  const cases: [string, onnx.ModelProto, (batch: number) => Record<string, ort.Tensor>][] = [
    ['LeNet-300-100 pruned 90%', lenet, lenetFeeds],
    ['cnn-small pruned 90% (Gemm head)', pruneModel(buildCnnSmall(), { sparsity: 0.9, global: false }).model, (b) => ({ image: new ort.Tensor('float32', uniform(b * 784, 5), [b, 1, 28, 28]) })],
    ['a pruned 1x1 Conv (pixels as products)', conv1x1(), (b) => ({ x: new ort.Tensor('float32', uniform(b * 64 * 16, 7), [b, 64, 4, 4]) })],
  ];
  for (const [name, proto, feedsAt] of cases) {
    for (const batch of [1, 3]) {
      it(`${name} at batch ${batch} equals ORT within 1e-4`, async () => {
        const { layers, lstms } = findSparseCandidates(proto);
        expect(layers.length).toBeGreaterThan(0);
        const cut = cutGraph(proto, layers.map((l) => ({ ...l, format: 'sell' as const })), lstms);
        if (!cut.ok) throw new Error(cut.reason);
        const executor = await HybridExecutor.create(cut.steps, kernels, settings);
        try {
          expect([...executor.matrices.values()].map((m) => m.format)).toEqual(layers.map(() => 'sell'));
          const feeds = feedsAt(batch);
          const outputs = (proto.graph?.output ?? []).map((o) => o.name ?? '');
          expect(await relErrorAgainstOrt(proto, await executor.run(feeds, outputs), feeds)).toBeLessThan(1e-4);
        } finally {
          await executor.release();
        }
      });
    }
  }
});

describe.skipIf(!avx512)('batch 1 on AVX-512: csr16 and sell are timed, the winner is packed', () => {
  it('timeLayer times both candidates and takes the faster as the sparse side', async () => {
    const fc1 = lenetLayers[0];
    const matrix = kernels!.pack(fc1.weights, fc1.rows, fc1.cols, { format: formatFor(fc1) });
    const timing = await timeLayer(fc1, matrix, kernels!, uniform(784, 3), 1, settings, undefined);
    if (timing.basis === 'predicted') throw new Error('timed without sources: never predicted');
    expect(timing.candidates!.map((c) => c.format)).toEqual(['csr16', 'sell']);
    const fastest = timing.candidates!.reduce((a, b) => (b.sparseUs < a.sparseUs ? b : a));
    expect(timing).toMatchObject({ format: fastest.format, sparseUs: fastest.sparseUs });
    for (const c of timing.candidates!) expect(c.sparseUs).toBeGreaterThan(0);
  });

  it('planHybrid records the winning format per layer, and the executor packs it', async () => {
    const plan = await planHybrid(lenet, kernels!, lenetFeeds(1), settings, ALL_SPARSE);
    expect(plan.decisions).toHaveLength(3);
    for (const d of plan.decisions) {
      expect(d.choice).toBe('sparse');
      expect(['csr16', 'sell']).toContain(d.format);
      expect(d.reason).toMatch(new RegExp(`^forced sparse \\(${d.format}\\) by the user \\(sparse [\\d.]+ us vs dense [\\d.]+ us; formats csr16 [\\d.]+ us, sell [\\d.]+ us\\)$`));
    }
    const executor = await HybridExecutor.create(plan.steps, kernels, settings);
    try {
      const matrices = executor.matrices;
      for (const d of plan.decisions) expect(matrices.get(d.node)!.format).toBe(d.format);
    } finally {
      await executor.release();
    }

    // Unforced: whatever goes sparse carries its format to the step; whatever stays dense has none.
    const free = await planHybrid(lenet, kernels!, lenetFeeds(1), settings);
    for (const d of free.decisions) {
      if (d.choice === 'dense') expect(d.format).toBeUndefined();
      else expect(free.steps.find((s) => s.kind === 'sparse' && s.name === d.node)).toMatchObject({ layer: { format: d.format } });
      if (d.choice === 'sparse') expect(d.reason).toMatch(new RegExp(`^sparse \\(${d.format}\\) is faster at batch 1`));
    }
  });

  it('the run worker reports the format in the decision, the packed layer and the op', async () => {
    const dir = tempDir('hybrid-formats-run');
    const modelPath = join(dir, 'lenet.pruned-0.9.onnx');
    if (!existsSync(modelPath)) await writeModel(modelPath, lenet);
    const spec: RunSpec = {
      modelPath, ep: 'cpu', threads: 2, graphOptimizationLevel: 'all',
      inputs: resolveInputs(summarizeModel(readModel(modelPath)).inputs, { batch: 1, dims: {}, shapes: {}, values: {}, seed: 1 }),
      seed: 1, warmupRuns: 1, timedRuns: 2, minTimeMs: 0, profiledRuns: 1, profileDir: dir, returnOutputs: false,
      clockOriginNs: process.hrtime.bigint().toString(), hybrid: { overrides: ALL_SPARSE },
    };
    const result = await runHybrid(spec, () => {}, native);
    const h = result.hybrid!;
    expect(h.check.maxRelError).toBeLessThan(1e-4);
    const ceilings: Ceilings = {
      memoryBandwidthBytesPerSec: 10e9, cacheBandwidthBytesPerSec: 50e9, peakFlopsPerSec: 50e9, opOverheadUs: 2, ep: 'cpu', threads: 2,
      lastLevelCacheBytes: 8 << 20, measuredAt: new Date(0).toISOString(), cached: false,
    };
    const { ops } = await analyseHybrid(h, result.profiledWindows, { ceilings, modelWeightBytes: 4 * 266_200, sourceGraph: new SourceGraph(lenet) });
    for (const d of h.decisions) {
      expect(['csr16', 'sell']).toContain(d.format);
      expect(h.sparseLayers.find((l) => l.node === d.node)!.format).toBe(d.format);
      expect(ops.find((o) => o.name === d.node)!.sparse!.format).toBe(d.format);
    }
  });

  it('caches the timing under its candidate set: a CSR-only timing of the layer is not reused at batch 1', async () => {
    const spec: BreakEvenCacheSpec = { cacheDir: join(tempDir('hybrid-formats-cache'), 'cache'), fingerprint: 'test-machine', mode: 'use' };
    const fc1 = lenetLayers[0];
    const matrix = kernels!.pack(fc1.weights, fc1.rows, fc1.cols, { format: 'csr16' });
    const cache = new LayerMeasurementCache({ cacheDir: spec.cacheDir, fingerprint: spec.fingerprint, ep: 'cpu', threads: 2, build: kernelBuildId(kernels!) });
    await cache.put({ rows: 300, cols: 784, nnz: matrix.nnz, batch: 1, formats: ['csr16'] }, { denseUs: 1e6, sparseUs: 1, format: 'csr16' });
    const timed = await timeLayer(fc1, matrix, kernels!, uniform(784, 3), 1, settings, breakEvenSources(spec, kernels!, settings));
    expect(timed.basis).toBe('timed');
    const cached = await timeLayer(fc1, matrix, kernels!, uniform(784, 3), 1, settings, breakEvenSources(spec, kernels!, settings));
    if (timed.basis !== 'timed' || cached.basis !== 'cached') throw new Error(`expected timed then cached, got ${timed.basis}, ${cached.basis}`);
    expect(cached).toMatchObject({ format: timed.format, sparseUs: timed.sparseUs, candidates: timed.candidates });
  });

  it('a layer the table predicts sparse is packed in the format fastest at the nearest table density', async () => {
    const spec: BreakEvenCacheSpec = { cacheDir: join(tempDir('hybrid-formats-table'), 'cache'), fingerprint: 'test-machine', mode: 'use' };
    const id = { cacheDir: spec.cacheDir, fingerprint: spec.fingerprint, ep: 'cpu', threads: 2, build: kernelBuildId(kernels!) };
    const point = (density: number, format: 'csr16' | 'sell') => ({ density, denseUs: 30, sparseUs: 5, format });
    const measuredAt = '2026-01-02T03:04:05.000Z';
    await writeBreakEvenEntries(id, [
      // fc1 (300x784, 10% dense): sell was fastest near 10%. fc2 (100x300): csr16 was.
      { rows: 300, cols: 784, batch: 1, breakEvenDensity: 0.5, crossover: 'above-ladder', points: [point(0.01, 'csr16'), point(0.1, 'sell')], measuredAt },
      { rows: 100, cols: 300, batch: 1, breakEvenDensity: 0.5, crossover: 'above-ladder', points: [point(0.1, 'csr16'), point(0.5, 'sell')], measuredAt },
    ]);
    const plan = await withBreakEvenSources(breakEvenSources(spec, kernels!, settings), () => planHybrid(lenet, kernels!, lenetFeeds(1), settings, ALL_SPARSE));
    const [fc1, fc2] = plan.decisions;
    expect(fc1).toMatchObject({ basis: 'predicted', choice: 'sparse', format: 'sell' });
    expect(fc1.reason).toMatch(/^forced sparse \(sell\) by the user \(not timed: sparse predicted/);
    expect(fc2).toMatchObject({ basis: 'predicted', format: 'csr16' });
    const executor = await HybridExecutor.create(plan.steps, kernels, settings);
    try {
      expect(executor.matrices.get('fc1/MatMul')!.format).toBe('sell');
      expect(executor.matrices.get('fc2/MatMul')!.format).toBe('csr16');
    } finally {
      await executor.release();
    }
  });

  it('the break-even calibration times both formats at batch 1 and CSR alone above', async () => {
    const [one, four] = await calibrate({ jobs: [{ rows: 64, cols: 256, batches: [1, 4] }], densities: [0.05, 0.3], threads: 1, seed: 7 }, kernels!);
    for (const p of one.points) {
      expect(p.candidates!.map((c) => c.format)).toEqual(['csr16', 'sell']);
      expect(p.sparseUs).toBe(Math.min(...p.candidates!.map((c) => c.sparseUs)));
      expect(p.format).toBe(p.candidates!.find((c) => c.sparseUs === p.sparseUs)!.format);
    }
    for (const p of four.points) expect(p).toMatchObject({ format: 'csr16', candidates: [{ format: 'csr16' }] });
  });
});

describe.skipIf(!kernels)('only CSR is a candidate at batch > 1 or without AVX-512', () => {
  const withoutAvx512 = kernels ? { ...kernels, buildInfo: { ...kernels.buildInfo, simd: 'avx2' } } : null;
  const cases: [string, SparseKernels | null, number][] = [
    ['batch 4', kernels, 4],
    ['batch 1 on a build without AVX-512', withoutAvx512, 1],
  ];
  for (const [name, k, batch] of cases) {
    it(`${name}: every sparse layer is timed and packed as csr16`, async () => {
      const plan = await planHybrid(lenet, k!, lenetFeeds(batch), settings, ALL_SPARSE);
      for (const d of plan.decisions) {
        expect(d).toMatchObject({ choice: 'sparse', format: 'csr16', batch });
        expect(d.reason).not.toContain('sell');
      }
      const executor = await HybridExecutor.create(plan.steps, k, settings);
      try {
        for (const m of executor.matrices.values()) expect(m.format).toBe('csr16');
      } finally {
        await executor.release();
      }
    });
  }
});
