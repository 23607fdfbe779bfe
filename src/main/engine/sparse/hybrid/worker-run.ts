/**
 * A hybrid run inside the run worker: the same phases as an ORT run (session, first run,
 * warm-up, timed runs, profiled runs), with the pruned model cut into ORT segments and
 * sparse layers. Only the run worker calls this.
 */
import { readdirSync } from 'node:fs';
import * as ort from 'onnxruntime-node';
import { EdgescopeError } from '../../../../shared/errors';
import { SeededRandom } from '../../../../shared/random';
import type { RunWindow } from '../../../../shared/report';
import { generateInputData } from '../../model/inputs';
import { readModel } from '../../model/onnx-io';
import type { OutputTensor, RunPhase, RunResult, RunSpec } from '../../run/messages';
import { HybridExecutor, sessionOptions, type SessionSettings, type StepTimes } from './executor';
import type { SparseKernelsStatus } from '../types';
import { sparseKernels, unavailableReason } from './kernels';
import type { HybridRunInfo, HybridSparseLayerInfo } from './messages';
import { planHybrid } from './plan';
import { breakEvenSources, withBreakEvenSources } from './break-even';
import { reportedStep, type HybridStep } from './split';
import { describeLstmSteps } from './lstm-info';

type Progress = (phase: RunPhase, done: number, total: number) => void;

function feedsOf(spec: RunSpec): Record<string, ort.Tensor> {
  if (spec.feeds) return Object.fromEntries(Object.entries(spec.feeds).map(([name, t]) => [name, new ort.Tensor('float32', t.data, t.dims)]));
  // The same generator and order as the ORT worker, so both variants see the same inputs.
  const rng = new SeededRandom(spec.seed);
  return Object.fromEntries(
    spec.inputs.map((input) => [input.name, new ort.Tensor(input.dtype as ort.Tensor.Type, generateInputData(input, rng) as ort.Tensor.DataType, input.dims)]),
  );
}

function toOutputTensors(outputs: Record<string, ort.Tensor>): OutputTensor[] {
  return Object.entries(outputs).flatMap(([name, t]) => {
    if (typeof t.data === 'string' || Array.isArray(t.data)) return [];
    const src = t.data as ArrayLike<number | bigint>;
    return [{ name, dtype: t.type, dims: [...t.dims], data: Float64Array.from({ length: src.length }, (_, i) => Number(src[i])) }];
  });
}

/** max |a - b| and that over max |b|, across the outputs both have. */
export function outputError(hybrid: OutputTensor[], reference: OutputTensor[]): HybridRunInfo['check'] {
  let maxAbsError = 0;
  let scale = 0;
  const compared: string[] = [];
  for (const r of reference) {
    const h = hybrid.find((o) => o.name === r.name);
    if (!h || h.data.length !== r.data.length) continue;
    compared.push(r.name);
    for (let i = 0; i < r.data.length; i++) {
      maxAbsError = Math.max(maxAbsError, Math.abs(h.data[i] - r.data[i]));
      scale = Math.max(scale, Math.abs(r.data[i]));
    }
  }
  return { maxAbsError, maxRelError: scale > 0 ? maxAbsError / scale : maxAbsError, comparedOutputs: compared };
}

/** `status`: the kernels to use; the native addon's unless a test passes others. */
export async function runHybrid(spec: RunSpec, progress: Progress, status: SparseKernelsStatus = sparseKernels()): Promise<RunResult> {
  if (!status.available) throw new EdgescopeError('E_BACKEND_UNAVAILABLE', unavailableReason(status.reason));
  const kernels = status.kernels;
  const origin = BigInt(spec.clockOriginNs);
  const toMs = (ns: bigint) => Number(ns - origin) / 1e6;
  const nowMs = () => toMs(process.hrtime.bigint());
  const settings: SessionSettings = { ep: spec.ep, threads: spec.threads, graphOptimizationLevel: spec.graphOptimizationLevel };
  const proto = readModel(spec.modelPath).proto;
  const feeds = feedsOf(spec);
  const outputNames = (proto.graph?.output ?? []).map((o) => o.name ?? '');

  progress('session', 0, 1);
  const t0 = process.hrtime.bigint();
  // Cached timings and the break-even table, when the engine passed the per-machine cache.
  const known = spec.hybrid?.breakEven ? breakEvenSources(spec.hybrid.breakEven, kernels, settings) : undefined;
  const plan = await withBreakEvenSources(known, () => planHybrid(proto, kernels, feeds, settings, spec.hybrid?.overrides ?? {}));
  const executor = await HybridExecutor.create(plan.steps, kernels, settings);
  const sessionCreateMs = Number(process.hrtime.bigint() - t0) / 1e6;

  progress('first-run', 0, 1);
  const f0 = process.hrtime.bigint();
  const first = await executor.run(feeds, outputNames);
  const firstRunMs = Number(process.hrtime.bigint() - f0) / 1e6;
  const outputs = toOutputTensors(first);
  const check = outputError(outputs, await referenceOutputs(spec.modelPath, feeds, settings));

  const sparseLayers = await describeSparseLayers(executor, plan.steps, feeds);
  const lstmSteps = await describeLstmSteps(executor, plan.steps, feeds);

  for (let i = 0; i < spec.warmupRuns; i++) {
    progress('warmup', i, spec.warmupRuns);
    await executor.run(feeds, outputNames);
  }
  const latenciesMs: number[] = [];
  const timedStart = nowMs();
  const deadline = timedStart + spec.minTimeMs;
  let lastProgress = 0;
  while (latenciesMs.length < spec.timedRuns || nowMs() < deadline) {
    const start = process.hrtime.bigint();
    await executor.run(feeds, outputNames);
    latenciesMs.push(Number(process.hrtime.bigint() - start) / 1e6);
    const now = nowMs();
    if (now - lastProgress > 100) {
      lastProgress = now;
      progress('timed', latenciesMs.length, spec.timedRuns);
    }
  }
  const timedWindow = { startMs: timedStart, endMs: nowMs() };
  await executor.release();

  const profiledWindows: RunWindow[] = [];
  const profiledStepWindows: RunWindow[][] = [];
  const segmentProfiles: HybridRunInfo['segmentProfiles'] = [];
  if (spec.profiledRuns > 0) {
    const prefix = `hybrid-profile-${process.pid}`;
    const profiled = await HybridExecutor.create(plan.steps, kernels, { ...settings, profile: { dir: spec.profileDir, prefix } });
    // One extra run first: it absorbs allocation, and the analysis drops it (as for ORT runs).
    for (let i = 0; i <= spec.profiledRuns; i++) {
      progress('profiled', i, spec.profiledRuns + 1);
      const times: StepTimes = [];
      const startMs = nowMs();
      await profiled.run(feeds, outputNames, times);
      if (i === 0) continue;
      profiledWindows.push({ startMs, endMs: nowMs() });
      profiledStepWindows.push(times.map((t) => ({ startMs: toMs(t.startNs), endMs: toMs(t.endNs) })));
    }
    profiled.endProfiling();
    await profiled.release();
    const files = readdirSync(spec.profileDir);
    for (const [i, step] of plan.steps.entries()) {
      if (step.kind !== 'ort') continue;
      const file = files.filter((f) => f.startsWith(`${prefix}-${step.name}_`) && f.endsWith('.json')).sort().pop();
      if (!file) throw new EdgescopeError('E_RUN_FAILED', `onnxruntime wrote no profile for hybrid ${step.name}`);
      segmentProfiles.push({ step: i, path: `${spec.profileDir}/${file}` });
    }
  }

  const hybrid: HybridRunInfo = {
    ...(plan.fallbackReason ? { fallbackReason: plan.fallbackReason } : {}),
    kernelBuildInfo: { ...kernels.buildInfo },
    steps: plan.steps.map(reportedStep),
    decisions: plan.decisions,
    rejected: plan.rejected,
    wholeModelCheck: plan.wholeModelCheck,
    sparseLayers,
    lstmSteps,
    profiledStepWindows,
    segmentProfiles,
    check,
  };
  return {
    pid: process.pid,
    sessionCreateMs,
    firstRunMs,
    latenciesMs,
    timedWindow,
    profiledWindows,
    ...(spec.returnOutputs ? { outputs } : {}),
    hybrid,
  };
}

/** ORT on the whole (pruned) model: what the hybrid outputs must equal. */
async function referenceOutputs(modelPath: string, feeds: Record<string, ort.Tensor>, settings: SessionSettings): Promise<OutputTensor[]> {
  const session = await ort.InferenceSession.create(modelPath, sessionOptions(settings));
  try {
    return toOutputTensors((await session.run(feeds)) as Record<string, ort.Tensor>);
  } finally {
    await session.release();
  }
}

/** Each sparse step's matrix and shapes, from one more run that keeps the layers' tensors. */
async function describeSparseLayers(executor: HybridExecutor, steps: readonly HybridStep[], feeds: Record<string, ort.Tensor>): Promise<HybridSparseLayerInfo[]> {
  const sparse = steps.flatMap((step, i) => (step.kind === 'sparse' ? [{ i, layer: step.layer }] : []));
  const tensors = await executor.run(feeds, sparse.flatMap(({ layer }) => [layer.input, layer.output]));
  const matrices = executor.matrices;
  return sparse.map(({ i, layer }) => {
    const m = matrices.get(layer.node)!;
    const inputDims = [...tensors[layer.input].dims];
    return {
      step: i,
      node: layer.node,
      opType: layer.opType,
      rows: layer.rows,
      cols: layer.cols,
      nnz: m.nnz,
      format: m.format,
      matrixBytes: m.bytes,
      biasBytes: layer.bias ? layer.bias.byteLength : 0,
      batch: HybridExecutor.batchOf(layer, inputDims),
      inputDims,
      outputDims: [...tensors[layer.output].dims],
    };
  });
}
