/**
 * An LSTM through the hybrid run as the profiler does it: the policy timing the LSTM whole
 * (its sparse steps against ORT's LSTM) with user overrides, the worker's run checked against
 * ORT, and each LSTM step an op with exact FLOPs and bytes and its own spans.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Ceilings, ProfileSettings } from '../../../src/shared/report';
import { SourceGraph } from '../../../src/main/engine/analysis/source-graph';
import { runProfileJob } from '../../../src/main/engine/profile-job';
import { reportSchemaErrors } from '../../../src/main/engine/report/report-schema';
import { defaultWorkerScriptPath } from '../../../src/main/engine/run/runner';
import { LSTM_CELL_FLOPS_PER_UNIT } from '../../../src/main/engine/analysis/op-cost';
import { resolveInputs } from '../../../src/main/engine/model/inputs';
import { floatValues, readModel, writeModel, type onnx } from '../../../src/main/engine/model/onnx-io';
import { summarizeModel } from '../../../src/main/engine/model/summary';
import type { RunSpec } from '../../../src/main/engine/run/messages';
import { sparseKernels } from '../../../src/main/engine/sparse/hybrid/kernels';
import { lstmStepsOf } from '../../../src/main/engine/sparse/hybrid/lstm-info';
import { SPARSE_PROVIDER, analyseHybrid } from '../../../src/main/engine/sparse/hybrid/measure-hybrid';
import { planHybrid } from '../../../src/main/engine/sparse/hybrid/plan';
import { SPARSE_MARGIN } from '../../../src/main/engine/sparse/hybrid/policy';
import { checkSparseRequest } from '../../../src/main/engine/sparse/hybrid/variant';
import { runHybrid } from '../../../src/main/engine/sparse/hybrid/worker-run';
import { tempDir } from '../../helpers';
import { jsKernels } from './hybrid-js-kernels';
import { lstmFeeds, lstmModel, type LstmCase } from './lstm-models';

const native = sparseKernels();
const status = native.available ? native : { available: true as const, kernels: jsKernels };
const settings = { ep: 'cpu', threads: 2, graphOptimizationLevel: 'all' as const };
const dir = tempDir('hybrid-lstm');
const origin = process.hrtime.bigint();

const c: LstmCase = { hidden: 128, input: 64, seq: 6, batch: 3, direction: 'forward', states: 'inputs', gemmHead: 10 };
const proto = lstmModel(c);

function nonzeros(model: onnx.IModelProto, name: string): number {
  const values = floatValues(model.graph!.initializer!.find((t) => t.name === name)!);
  return values.reduce((n, v) => n + (v !== 0 ? 1 : 0), 0);
}

describe('planning an LSTM', () => {
  it('times the LSTM whole against ORT and decides it like any layer', async () => {
    const plan = await planHybrid(proto, status.kernels, lstmFeeds(c), settings);
    const lstm = plan.decisions.find((d) => d.node === 'lstm')!;
    // The decision sees the gate matrix [W R]: 4·hidden rows, input + hidden columns, at the run's batch.
    expect(lstm).toMatchObject({ opType: 'LSTM', rows: 4 * 128, cols: 64 + 128, batch: 3, forced: false });
    expect(lstm.density).toBeCloseTo(0.1, 1);
    expect(lstm.denseUs).toBeGreaterThan(0);
    expect(lstm.sparseUs).toBeGreaterThan(0);
    const winsAlone = lstm.sparseUs! < lstm.denseUs! * SPARSE_MARGIN;
    const lostAsWhole = lstm.reason.startsWith('the cut model loses overall');
    expect(lstm.choice).toBe(winsAlone && !lostAsWhole ? 'sparse' : 'dense');
    const lstmSteps = plan.steps.filter((s) => s.kind === 'lstm').map((s) => s.name);
    expect(lstmSteps).toEqual(lstm.choice === 'sparse' ? ['lstm/input-projection', 'lstm/recurrence'] : []);
  });

  it('follows the user: forced sparse cuts at the LSTM, forced dense keeps it in a segment', async () => {
    const sparse = await planHybrid(proto, status.kernels, lstmFeeds(c), settings, { lstm: 'sparse', head: 'dense' });
    expect(sparse.steps.map((s) => `${s.kind}:${s.name}`)).toEqual(['lstm:lstm/input-projection', 'lstm:lstm/recurrence', 'ort:segment0']);
    expect(sparse.decisions.find((d) => d.node === 'lstm')).toMatchObject({ choice: 'sparse', forced: true });
    const dense = await planHybrid(proto, status.kernels, lstmFeeds(c), settings, { lstm: 'dense', head: 'sparse' });
    expect(dense.steps.map((s) => (s.kind === 'ort' ? s.nodes.join('+') : `${s.kind}:${s.name}`))).toEqual(['lstm+flatten', 'sparse:head']);
  });

  it('accepts overrides naming an LSTM, and names LSTM among the choices when the model has one', () => {
    const request = { sparse: true, pruneSparsities: [0.9], sparseLayers: { lstm: 'sparse' } } as unknown as ProfileSettings;
    expect(() => checkSparseRequest(request, proto)).not.toThrow();
    expect(() => checkSparseRequest({ ...request, sparseLayers: { lstm2: 'dense' } }, proto)).toThrow("sparse layer override 'lstm2' names no MatMul, Gemm, Conv or LSTM node of the model");
  });
});

const ceilings: Ceilings = {
  memoryBandwidthBytesPerSec: 10e9, cacheBandwidthBytesPerSec: 50e9, peakFlopsPerSec: 50e9, opOverheadUs: 2, ep: 'cpu', threads: 2,
  lastLevelCacheBytes: 8 << 20, measuredAt: new Date(0).toISOString(), cached: false,
};

describe('an LSTM in the hybrid worker run', () => {
  it('equals ORT and profiles each LSTM step with exact FLOPs and bytes', async () => {
    const modelPath = join(dir, 'lstm.onnx');
    await writeModel(modelPath, proto);
    const spec: RunSpec = {
      modelPath,
      ep: 'cpu',
      threads: 2,
      graphOptimizationLevel: 'all',
      inputs: resolveInputs(summarizeModel(readModel(modelPath)).inputs, { batch: 3, dims: {}, shapes: {}, values: {}, seed: 1 }),
      seed: 1,
      warmupRuns: 1,
      timedRuns: 3,
      minTimeMs: 0,
      profiledRuns: 2,
      profileDir: dir,
      returnOutputs: true,
      clockOriginNs: origin.toString(),
      hybrid: { overrides: { lstm: 'sparse', head: 'sparse' } },
    };
    const result = await runHybrid(spec, () => {}, status);
    const h = result.hybrid!;
    expect(h.check.maxRelError).toBeLessThan(1e-4);
    expect(h.check.comparedOutputs).toEqual(['Y', 'Y_h', 'Y_c', 'logits']);
    expect(h.steps).toEqual([
      { kind: 'sparse', name: 'lstm/input-projection', nodes: ['lstm'] },
      { kind: 'sparse', name: 'lstm/recurrence', nodes: ['lstm'] },
      { kind: 'ort', name: 'segment0', nodes: ['flatten'] },
      { kind: 'sparse', name: 'head', nodes: ['head'] },
    ]);
    const [projection, recurrence] = lstmStepsOf(h);
    const { seq, batch, hidden: H, input: I } = c;
    expect(projection).toMatchObject({ step: 0, opType: 'LSTMInput', rows: 4 * H, cols: I, nnz: nonzeros(proto, 'W'), batch: seq * batch, inputDims: [seq, batch, I], outputDims: [seq, batch, 4 * H] });
    expect(recurrence).toMatchObject({ step: 1, opType: 'LSTMRecurrence', rows: 4 * H, cols: H, nnz: nonzeros(proto, 'R'), outputDims: [seq, 1, batch, H] });

    const { ops, spans } = await analyseHybrid(h, result.profiledWindows, { ceilings, modelWeightBytes: 4 * 300_000, sourceGraph: new SourceGraph(proto) });
    const projOp = ops.find((o) => o.name === 'lstm/input-projection')!;
    expect(projOp).toMatchObject({ opType: 'SparseLSTMInput', provider: SPARSE_PROVIDER, flops: 2 * projection.nnz * seq * batch });
    expect(projOp.parameterBytes).toBe(projection.matrixBytes + 4 * H * 4);
    expect(projOp.activationBytes).toBe(seq * batch * I * 4);
    expect(projOp.outputBytes).toBe(seq * batch * 4 * H * 4);
    const recOp = ops.find((o) => o.name === 'lstm/recurrence')!;
    expect(recOp).toMatchObject({ opType: 'SparseLSTMRecurrence', provider: SPARSE_PROVIDER });
    expect(recOp.flops).toBe(seq * batch * (2 * recurrence.nnz + LSTM_CELL_FLOPS_PER_UNIT * H));
    expect(LSTM_CELL_FLOPS_PER_UNIT).toBe(28);
    // R streamed once per timestep; gates and the two initial states read; Y, Y_h, Y_c written.
    expect(recOp.parameterBytes).toBe(seq * recurrence.matrixBytes);
    expect(recOp.activationBytes).toBe(seq * batch * 4 * H * 4 + 2 * batch * H * 4);
    expect(recOp.outputBytes).toBe(seq * batch * H * 4 + 2 * batch * H * 4);
    expect(recOp.sparse).toMatchObject({ format: 'csr16', rows: 4 * H, cols: H, nnz: recurrence.nnz });
    // The stored R is far below the dense one.
    expect(recurrence.matrixBytes).toBeLessThan(4 * H * H * 4 * 0.2);
    // Every op of the two profiled runs has a span per run, inside its run's window.
    expect(spans).toHaveLength(ops.length * 2);
    for (const span of spans) {
      const w = result.profiledWindows[span.run];
      expect(span.startMs).toBeGreaterThanOrEqual(w.startMs - 0.5);
      expect(span.startMs + span.durMs).toBeLessThanOrEqual(w.endMs + 0.5);
    }
    const names = ops.map((o) => o.name);
    expect(names.indexOf('lstm/input-projection')).toBeLessThan(names.indexOf('lstm/recurrence'));
    expect(names.indexOf('lstm/recurrence')).toBeLessThan(names.indexOf('head'));
  });
});

describe('profile job with an LSTM model and --sparse', () => {
  it.skipIf(!native.available)('runs pruned-0.9+sparse with the LSTM steps as sparse ops in the report', async () => {
    // A dense LSTM: --prune 0.9 prunes its W and R as well as the head.
    const modelPath = join(dir, 'lstm-job.onnx');
    await writeModel(modelPath, lstmModel({ ...c, gemmHead: 10, wSparsity: 0, rSparsity: 0 }));
    const env = { workerScriptPath: defaultWorkerScriptPath(), cacheDir: join(dir, 'cache'), toolVersion: 'test' };
    const { report } = await runProfileJob(
      env,
      { modelPath, threads: 2, warmup: 1, runs: 3, profiledRuns: 1, prune: [0.9], sparse: true, sparseLayers: { lstm: 'sparse' } },
      join(dir, 'job'),
    );
    expect(reportSchemaErrors(report)).toEqual([]);
    const prunedLayers = report.variants.find((v) => v.id === 'pruned-0.9')!.layers.filter((l) => l.opType === 'LSTM');
    expect(prunedLayers.map((l) => l.initializer)).toEqual(['W', 'R']);
    for (const l of prunedLayers) expect(l.sparsity).toBeCloseTo(0.9, 3);
    const hybrid = report.variants.find((v) => v.id === 'pruned-0.9+sparse')!;
    expect(hybrid.failures).toEqual([]);
    expect(hybrid.hybrid).toMatchObject({ mode: 'hybrid' });
    expect(hybrid.hybrid!.check!.maxRelError).toBeLessThan(1e-4);
    expect(hybrid.hybrid!.steps.slice(0, 2).map((st) => st.name)).toEqual(['lstm/input-projection', 'lstm/recurrence']);
    const ops = hybrid.runs[0].ops;
    expect(ops.filter((o) => o.provider === SPARSE_PROVIDER).map((o) => o.opType)).toEqual(expect.arrayContaining(['SparseLSTMInput', 'SparseLSTMRecurrence']));
    expect(ops.some((o) => o.opType === 'LSTM')).toBe(false);
    // The pruned variant runs ORT's LSTM, which the comparison can put next to the two sparse steps.
    expect(report.variants.find((v) => v.id === 'pruned-0.9')!.runs[0].ops.some((o) => o.opType === 'LSTM')).toBe(true);
  });
});
