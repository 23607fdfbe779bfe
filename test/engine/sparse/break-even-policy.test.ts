/**
 * The policy's three ways to a decision, with the real kernels (the test JS kernels where the
 * addon is not built) and onnxruntime on LeNet-300-100 pruned to 90%: timed (and then cached),
 * cached, and predicted from the break-even table; recalibration; the same through planHybrid,
 * the worker's runHybrid with RunSpec.hybrid.breakEven and hybridMeasurer (a real run worker
 * process); and the calibration's points.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { SeededRandom } from '../../../src/shared/random';
import type { Ceilings, ProfileSettings } from '../../../src/shared/report';
import { SourceGraph } from '../../../src/main/engine/analysis/source-graph';
import { pruneModel } from '../../../src/main/engine/compress/prune';
import { buildLenet300100 } from '../../../src/main/engine/model/demo-models';
import { resolveInputs } from '../../../src/main/engine/model/inputs';
import { readModel, writeModel } from '../../../src/main/engine/model/onnx-io';
import { summarizeModel } from '../../../src/main/engine/model/summary';
import type { RunSpec } from '../../../src/main/engine/run/messages';
import { defaultWorkerScriptPath } from '../../../src/main/engine/run/runner';
import { breakEvenSources, timeLayer, withBreakEvenSources, type BreakEvenCacheSpec } from '../../../src/main/engine/sparse/hybrid/break-even';
import { crossoverOf, DENSITY_LADDER, writeBreakEvenEntries, type BreakEvenEntry } from '../../../src/main/engine/sparse/hybrid/break-even-table';
import { calibrate } from '../../../src/main/engine/sparse/hybrid/break-even-worker';
import { candidateFormats } from '../../../src/main/engine/sparse/formats';
import { formatFor } from '../../../src/main/engine/sparse/hybrid/formats';
import { sparseKernels } from '../../../src/main/engine/sparse/hybrid/kernels';
import { kernelBuildId, LayerMeasurementCache } from '../../../src/main/engine/sparse/hybrid/measurement-cache';
import { hybridMeasurer } from '../../../src/main/engine/sparse/hybrid/measure-hybrid';
import { planHybrid } from '../../../src/main/engine/sparse/hybrid/plan';
import { decideLayer } from '../../../src/main/engine/sparse/hybrid/policy';
import { findSparseCandidates } from '../../../src/main/engine/sparse/hybrid/split';
import { runHybrid } from '../../../src/main/engine/sparse/hybrid/worker-run';
import { jsKernels } from './hybrid-js-kernels';
import { tempDir } from '../../helpers';

const native = sparseKernels();
const kernels = native.available ? native.kernels : jsKernels;
const settings = { ep: 'cpu', threads: 2, graphOptimizationLevel: 'all' as const };
const lenet = pruneModel(buildLenet300100(), { sparsity: 0.9, global: false }).model;
const [fc1] = findSparseCandidates(lenet).layers;
const fc1Matrix = kernels.pack(fc1.weights, fc1.rows, fc1.cols, { format: formatFor(fc1) });
const ISO = /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z/;

function input(batch: number): Float32Array {
  const rng = new SeededRandom(3);
  return Float32Array.from({ length: batch * 784 }, () => rng.uniform(0, 1));
}

function cacheSpec(name: string, mode: BreakEvenCacheSpec['mode'] = 'use'): BreakEvenCacheSpec {
  return { cacheDir: join(tempDir(name), 'cache'), fingerprint: 'test-machine', mode };
}

/** A table entry with the break-even given (its points are not read by the policy). */
function tableEntry(rows: number, cols: number, batch: number, breakEvenDensity: number, crossover: BreakEvenEntry['crossover'] = 'interpolated'): BreakEvenEntry {
  return { rows, cols, batch, breakEvenDensity, crossover, points: [], measuredAt: '2026-01-02T03:04:05.000Z' };
}

async function withTable(spec: BreakEvenCacheSpec, entries: BreakEvenEntry[]): Promise<void> {
  await writeBreakEvenEntries({ cacheDir: spec.cacheDir, fingerprint: spec.fingerprint, ep: 'cpu', threads: 2, build: kernelBuildId(kernels) }, entries);
}

describe('timeLayer: timed, cached, predicted', () => {
  it('times a layer it knows nothing of, caches the timing, and reuses it on the next run', async () => {
    const spec = cacheSpec('policy-cached');
    const timed = await timeLayer(fc1, fc1Matrix, kernels, input(1), 1, settings, breakEvenSources(spec, kernels, settings));
    expect(timed.basis).toBe('timed');
    if (timed.basis !== 'timed') return;
    expect(timed.denseUs).toBeGreaterThan(0);
    expect(timed.sparseUs).toBeGreaterThan(0);

    // The next run reads the file afresh: same layer, same numbers, no timing.
    const cached = await timeLayer(fc1, fc1Matrix, kernels, input(1), 1, settings, breakEvenSources(spec, kernels, settings));
    expect(cached).toMatchObject({ basis: 'cached', denseUs: timed.denseUs, sparseUs: timed.sparseUs });
    const decision = decideLayer(fc1, 1, cached);
    expect(decision).toMatchObject({ denseUs: timed.denseUs, sparseUs: timed.sparseUs, forced: false });
    expect(decision.reason).toMatch(new RegExp(`^(sparse \\((csr16|sell)\\) is faster|dense is faster or even) at batch 1, density 10\\.0%, 300x784: cached measurement from ${ISO.source}: sparse [\\d.]+ us vs dense [\\d.]+ us`));

    // Another thread count or batch is another measurement.
    expect((await timeLayer(fc1, fc1Matrix, kernels, input(2), 2, settings, breakEvenSources(spec, kernels, settings))).basis).toBe('timed');
    const oneThread = { ...settings, threads: 1 };
    expect((await timeLayer(fc1, fc1Matrix, kernels, input(1), 1, oneThread, breakEvenSources(spec, kernels, oneThread))).basis).toBe('timed');
  });

  it('times again and refreshes the cache when recalibrating', async () => {
    const spec = cacheSpec('policy-recalibrate');
    const cache = new LayerMeasurementCache({ cacheDir: spec.cacheDir, fingerprint: spec.fingerprint, ep: 'cpu', threads: 2, build: kernelBuildId(kernels) });
    const key = { rows: 300, cols: 784, nnz: fc1Matrix.nnz, batch: 1, formats: candidateFormats(784, 1, kernels.buildInfo) };
    await cache.put(key, { denseUs: 1e6, sparseUs: 1 }, '2020-01-01T00:00:00.000Z');
    await withTable(spec, [tableEntry(300, 784, 1, 0.5, 'above-ladder')]);
    const fresh = await timeLayer(fc1, fc1Matrix, kernels, input(1), 1, settings, breakEvenSources({ ...spec, mode: 'recalibrate' }, kernels, settings));
    expect(fresh.basis).toBe('timed');
    const reread = new LayerMeasurementCache({ cacheDir: spec.cacheDir, fingerprint: spec.fingerprint, ep: 'cpu', threads: 2, build: kernelBuildId(kernels) }).get(key)!;
    expect(reread.measuredAt).not.toBe('2020-01-01T00:00:00.000Z');
    expect(reread.denseUs).toBeLessThan(1e6);
  });

  it('predicts clear cases from the table without timing, and times near the break-even', async () => {
    const spec = cacheSpec('policy-predicted');
    // fc1 is 10% dense. Sparse won up to 50% at batch 1: clearly sparse. At batch 8 the break-even is 2%: clearly dense.
    await withTable(spec, [tableEntry(300, 784, 1, 0.5, 'above-ladder'), tableEntry(300, 784, 8, 0.02), tableEntry(300, 784, 4, 0.12)]);
    const sources = breakEvenSources(spec, kernels, settings);
    const start = process.hrtime.bigint();
    const sparse = await timeLayer(fc1, fc1Matrix, kernels, input(1), 1, settings, sources);
    const dense = await timeLayer(fc1, fc1Matrix, kernels, input(8), 8, settings, sources);
    // Timing a layer takes at least 2 x 30 ms: these took none.
    expect(Number(process.hrtime.bigint() - start) / 1e6).toBeLessThan(30);
    expect(sparse).toMatchObject({ basis: 'predicted', choice: 'sparse' });
    expect(dense).toMatchObject({ basis: 'predicted', choice: 'dense' });
    const d1 = decideLayer(fc1, 1, sparse);
    expect(d1).toMatchObject({ choice: 'sparse', forced: false, denseUs: null, sparseUs: null });
    expect(d1.reason).toBe('sparse (csr16) predicted at batch 1, density 10.0%, 300x784: density under 1/2 of the break-even (break-even above 50.0%, break-even table from 2026-01-02T03:04:05.000Z)');
    expect(decideLayer(fc1, 8, dense).reason).toBe('dense predicted at batch 8, density 10.0%, 300x784: density over 2x the break-even (break-even 2.0%, break-even table from 2026-01-02T03:04:05.000Z)');
    // The user still wins, and the reason says what the table thought.
    expect(decideLayer(fc1, 8, dense, 'sparse')).toMatchObject({ choice: 'sparse', forced: true, reason: 'forced sparse (csr16) by the user (not timed: dense predicted, break-even 2.0%, break-even table from 2026-01-02T03:04:05.000Z)' });
    // Predictions are not measurements: nothing was cached.
    expect(new LayerMeasurementCache({ cacheDir: spec.cacheDir, fingerprint: spec.fingerprint, ep: 'cpu', threads: 2, build: kernelBuildId(kernels) }).get({ rows: 300, cols: 784, nnz: fc1Matrix.nnz, batch: 1, formats: candidateFormats(784, 1, kernels.buildInfo) })).toBeUndefined();

    // 10% against a 12% break-even is too close to call: timed. No entry for batch 2: timed.
    expect((await timeLayer(fc1, fc1Matrix, kernels, input(4), 4, settings, sources)).basis).toBe('timed');
    expect((await timeLayer(fc1, fc1Matrix, kernels, input(2), 2, settings, sources)).basis).toBe('timed');
    // Another kernel build does not read this build's table.
    const otherBuild = breakEvenSources(spec, { ...kernels, buildInfo: { ...kernels.buildInfo, simd: 'other' } }, settings);
    expect(otherBuild.table).toEqual([]);
  });
});

describe('planHybrid with the cache and the table', () => {
  it('predicts, times, then reuses: the three bases in one model', async () => {
    const spec = cacheSpec('policy-plan');
    // fc1 (300x784) clearly dense at batch 1 by the table; fc2 (100x300) and fc3 (10x100) have no entry.
    await withTable(spec, [tableEntry(300, 784, 1, 0.02)]);
    const feeds = { input: new ort.Tensor('float32', input(1), [1, 784]) };
    const first = await withBreakEvenSources(breakEvenSources(spec, kernels, settings), () => planHybrid(lenet, kernels, feeds, settings));
    expect(first.decisions.map((d) => d.node)).toEqual(['fc1/MatMul', 'fc2/MatMul', 'fc3/MatMul']);
    expect(first.decisions[0]).toMatchObject({ choice: 'dense', denseUs: null, sparseUs: null });
    expect(first.decisions[0].reason).toMatch(/^dense predicted at batch 1/);
    for (const d of first.decisions.slice(1)) {
      expect(d.denseUs).toBeGreaterThan(0);
      expect(d.reason).not.toContain('cached');
    }

    const second = await withBreakEvenSources(breakEvenSources(spec, kernels, settings), () => planHybrid(lenet, kernels, feeds, settings));
    expect(second.decisions[0].reason).toMatch(/^dense predicted at batch 1/);
    for (const [i, d] of second.decisions.slice(1).entries()) {
      expect(d.reason).toContain('cached measurement from');
      expect(d.denseUs).toBe(first.decisions[i + 1].denseUs);
      expect(d.sparseUs).toBe(first.decisions[i + 1].sparseUs);
    }
    // Without sources (no cache given): every layer timed, as before.
    const plain = await planHybrid(lenet, kernels, feeds, settings);
    for (const d of plain.decisions) expect(d.denseUs).toBeGreaterThan(0);
  });
});

describe('runHybrid with RunSpec.hybrid.breakEven', () => {
  it('caches the first run timings and reuses them in the second', async () => {
    const dir = tempDir('policy-worker');
    const modelPath = join(dir, 'lenet.pruned-0.9.onnx');
    if (!existsSync(modelPath)) await writeModel(modelPath, lenet);
    const breakEven = cacheSpec('policy-worker-cache');
    const runSpec: RunSpec = {
      modelPath,
      ep: 'cpu',
      threads: 2,
      graphOptimizationLevel: 'all',
      inputs: resolveInputs(summarizeModel(readModel(modelPath)).inputs, { batch: 1, dims: {}, shapes: {}, values: {}, seed: 1 }),
      seed: 1,
      warmupRuns: 1,
      timedRuns: 2,
      minTimeMs: 0,
      profiledRuns: 0,
      profileDir: dir,
      returnOutputs: false,
      clockOriginNs: process.hrtime.bigint().toString(),
      hybrid: { overrides: {}, breakEven },
    };
    const status = native.available ? native : { available: true as const, kernels: jsKernels };
    const first = await runHybrid(runSpec, () => {}, status);
    expect(first.hybrid!.decisions).toHaveLength(3);
    for (const d of first.hybrid!.decisions) expect(d.reason).not.toContain('cached');
    const second = await runHybrid(runSpec, () => {}, status);
    // A layer that won alone but lost with the whole model keeps its own reason after 'alone:'.
    for (const d of second.hybrid!.decisions) expect(d.reason).toContain('cached measurement from');
    expect(second.hybrid!.decisions.map((d) => d.denseUs)).toEqual(first.hybrid!.decisions.map((d) => d.denseUs));
    // Recalibrating times every layer again.
    const third = await runHybrid({ ...runSpec, hybrid: { overrides: {}, breakEven: { ...breakEven, mode: 'recalibrate' } } }, () => {}, status);
    for (const d of third.hybrid!.decisions) expect(d.reason).not.toContain('cached');
  });
});

describe('hybridMeasurer with the cache', () => {
  it('hands it to the run worker process, whose second run reuses the first run timings', async () => {
    const dir = tempDir('policy-measurer');
    const modelPath = join(dir, 'lenet.pruned-0.9.onnx');
    await writeModel(modelPath, lenet);
    const settings: ProfileSettings = {
      eps: ['cpu'], threads: 2, batch: 1, dims: {}, shapes: {}, inputValues: {}, warmupRuns: 1, timedRuns: 2, minTimeMs: 0, profiledRuns: 1,
      graphOptimizationLevel: 'all', seed: 1, pruneSparsities: [0.9], pruneScope: 'layer', samplePeriodMs: 20, sparse: true,
    };
    const ceilings: Ceilings = {
      memoryBandwidthBytesPerSec: 10e9, cacheBandwidthBytesPerSec: 50e9, peakFlopsPerSec: 50e9, opOverheadUs: 2, ep: 'cpu', threads: 2,
      lastLevelCacheBytes: 8 << 20, measuredAt: new Date(0).toISOString(), cached: false,
    };
    const measure = hybridMeasurer({}, cacheSpec('policy-measurer-cache'));
    const args = {
      workerScriptPath: defaultWorkerScriptPath(), modelPath, ep: 'cpu', settings, ceilings, staging: dir, clockOriginNs: process.hrtime.bigint(),
      inputs: resolveInputs(summarizeModel(readModel(modelPath)).inputs, { batch: 1, dims: {}, shapes: {}, values: {}, seed: 1 }),
      modelWeightBytes: 4 * 266_200, sourceGraph: new SourceGraph(lenet), onPhase: () => {},
    };
    const first = (await measure(args)).result.hybrid!;
    const second = (await measure(args)).result.hybrid!;
    expect(first.decisions).toHaveLength(3);
    for (const d of first.decisions) expect(d.reason).not.toContain('cached');
    for (const d of second.decisions) expect(d.reason).toContain('cached measurement from');
  });
});

describe('calibration', () => {
  it('times every ladder density at every batch on a seeded pruned matrix', async () => {
    const [measured] = await calibrate({ jobs: [{ rows: 48, cols: 80, batches: [1, 4] }], densities: DENSITY_LADDER, threads: 1, seed: 7 }, kernels);
    const again = await calibrate({ jobs: [{ rows: 48, cols: 80, batches: [1] }], densities: [0.1], threads: 1, seed: 7 }, kernels);
    expect(measured).toMatchObject({ rows: 48, cols: 80, batch: 1 });
    expect(measured.points.map((p) => p.density)).toEqual(DENSITY_LADDER.map((d) => (48 * 80 - Math.round((1 - d) * 48 * 80)) / (48 * 80)));
    expect(again[0].points[0].density).toBe(measured.points[3].density);
    for (const p of measured.points) {
      expect(p.denseUs).toBeGreaterThan(0);
      expect(p.sparseUs).toBeGreaterThan(0);
    }
    const be = crossoverOf(measured.points);
    expect(be.breakEvenDensity).toBeGreaterThanOrEqual(0.01);
    expect(be.breakEvenDensity).toBeLessThanOrEqual(0.5);
  });

  it('reports progress once per density and batch', async () => {
    const seen: string[] = [];
    await calibrate({ jobs: [{ rows: 8, cols: 8, batches: [1, 2] }], densities: [0.1, 0.5], threads: 1, seed: 1 }, kernels, (done, total, message) => seen.push(`${done}/${total} ${message}`));
    expect(seen).toEqual(['0/4 8x8 batch 1: density 10%', '1/4 8x8 batch 2: density 10%', '2/4 8x8 batch 1: density 50%', '3/4 8x8 batch 2: density 50%']);
  });
});
