/**
 * One measured run: a model on one EP in a fresh run worker, sampled from this process;
 * then its ORT profile turned into operators (FLOPs, bytes, phases, placement) and
 * timeline spans on the job clock.
 */
import { rm } from 'node:fs/promises';
import type { Ceilings, ColdCacheReport, OpReport, ProfileSettings, RunReport, TimelineSpan } from '../../shared/report';
import { attribute, type AttributionContext } from './analysis/attribution';
import { coldCacheFlushBytes, coldCacheReport } from './analysis/cold-cache';
import { opCost } from './analysis/op-cost';
import { placementOf } from './analysis/placement';
import type { SourceGraph } from './analysis/source-graph';
import { latencyStats } from './analysis/stats';
import { sysfsRootFromEnv } from './devices/inventory';
import type { ResolvedInput } from './model/inputs';
import type { RunPhase, RunResult, RunSpec } from './run/messages';
import { RunWorker } from './run/runner';
import { startSampler } from './trace/counters';
import { energyPerInference } from './trace/counters/energy';
import { topDownFractions, withStallSplit } from './trace/counters/perf-event-topdown';
import { detectThrottling } from './trace/counters/thermal-throttle';
import { aggregateOps, parseTrace, readTraceFile, traceClockOffsetUs, type AggregatedOp } from './trace/ort-trace';

export interface MeasureArgs {
  workerScriptPath: string;
  modelPath: string;
  ep: string;
  settings: ProfileSettings;
  inputs: ResolvedInput[];
  ceilings: Ceilings;
  staging: string;
  clockOriginNs: bigint;
  signal?: AbortSignal;
  modelWeightBytes: number;
  /** The model's graph, to recover what the trace leaves out (pre-packed weights). */
  sourceGraph: SourceGraph;
  onPhase: (phase: RunPhase, done: number, total: number) => void;
}

export async function measureRun(a: MeasureArgs): Promise<{ run: RunReport; result: RunResult }> {
  const { result, counters } = await runSampled(a);
  const { ops, spans, coldCache } = result.profilePath ? await analyseTrace(result, a) : { ops: [], spans: [] };
  const run = runReportOf(a, result, { ops, spans, counters, placement: placementOf(ops, a.ep) });
  return { run: coldCache ? { ...run, coldCache } : run, result };
}

/** The run worker started for one run of `a` (plus `extra`), sampled from this process, then stopped. */
export async function runSampled(a: MeasureArgs, extra: Partial<RunSpec> = {}): Promise<{ result: RunResult; counters: RunReport['counters'] }> {
  const worker = await RunWorker.start(a.workerScriptPath);
  const cancel = () => worker.cancel();
  a.signal?.addEventListener('abort', cancel);
  // EDGESCOPE_SYSFS_ROOT redirects the power and thermal readers too, as it does the environment block.
  const sampler = await startSampler({ pid: worker.pid, periodMs: a.settings.samplePeriodMs, clockOriginNs: a.clockOriginNs, sysfsRoot: sysfsRootFromEnv() });
  let result: RunResult;
  let counters: RunReport['counters'];
  try {
    result = await worker.run(
      {
        modelPath: a.modelPath,
        ep: a.ep,
        epOptions: a.settings.epOptions?.[a.ep],
        threads: a.settings.threads,
        graphOptimizationLevel: a.settings.graphOptimizationLevel,
        inputs: a.inputs,
        seed: a.settings.seed,
        warmupRuns: a.settings.warmupRuns,
        timedRuns: a.settings.timedRuns,
        minTimeMs: a.settings.minTimeMs,
        profiledRuns: a.settings.profiledRuns,
        profileDir: a.staging,
        returnOutputs: true,
        clockOriginNs: a.clockOriginNs.toString(),
        ...(a.settings.coldCache ? { coldCacheFlushBytes: coldCacheFlushBytes(a.ceilings.lastLevelCacheBytes) } : {}),
        ...extra,
      },
      // Each progress message is a run-window boundary: the perf_event_open counters are read
      // there (arrival is IPC-late by well under a millisecond) so window counts split at it.
      (phase, done, total) => {
        sampler.mark();
        a.onPhase(phase, done, total);
      },
    );
  } finally {
    a.signal?.removeEventListener('abort', cancel);
    counters = await sampler.stop();
    await worker.dispose();
  }
  return { result, counters };
}

/** The run's report from its worker result and analysed operators. */
export function runReportOf(
  a: MeasureArgs,
  result: RunResult,
  analysed: Pick<RunReport, 'ops' | 'spans' | 'counters' | 'placement'>,
): RunReport {
  // Stall counters (where the CPU has them) split each op's unexplained time (docs/counters.md).
  const topDown = topDownFractions(analysed.counters, result.profiledWindows);
  const ops = withStallSplit(analysed.ops, topDown);
  const batch = a.inputs[0]?.dims[0] ?? 1;
  const latencyMs = latencyStats(result.latenciesMs);
  return {
    ep: a.ep,
    threads: a.settings.threads,
    batch,
    inputs: a.inputs.map((i) => ({ name: i.name, dtype: i.dtype, dims: i.dims })),
    sessionCreateMs: result.sessionCreateMs,
    firstRunMs: result.firstRunMs,
    warmupRuns: a.settings.warmupRuns,
    latencyMs,
    latenciesMs: result.latenciesMs,
    throughputPerSec: (batch * 1000) / latencyMs.median,
    timedWindow: result.timedWindow,
    profiledRuns: result.profiledWindows,
    ops,
    spans: analysed.spans,
    counters: analysed.counters,
    topDown,
    totals: {
      opUs: ops.reduce((s, o) => s + o.durUs, 0),
      memoryUs: ops.reduce((s, o) => s + o.phases.memoryUs, 0),
      computeUs: ops.reduce((s, o) => s + o.phases.computeUs, 0),
      overheadUs: ops.reduce((s, o) => s + o.phases.overheadUs, 0),
    },
    placement: analysed.placement,
    ceilings: a.ceilings,
    energy: energyPerInference(analysed.counters, result.timedWindow, result.latenciesMs.length),
    throttling: detectThrottling(analysed.counters, {
      startMs: result.timedWindow.startMs,
      endMs: result.profiledWindows.at(-1)?.endMs ?? result.timedWindow.endMs,
    }),
  };
}

async function analyseTrace(
  result: RunResult,
  a: MeasureArgs,
): Promise<{ ops: OpReport[]; spans: TimelineSpan[]; coldCache?: ColdCacheReport }> {
  const trace = parseTrace(readTraceFile(result.profilePath!));
  await rm(result.profilePath!, { force: true });
  // The first model_run is the profiling session's own warm-up; the worker did not time it.
  const offsetUs = traceClockOffsetUs(trace, result.profiledWindows, 1);
  const profiledRuns = trace.runs.slice(1);
  // In cold-cache mode the op table is the warm runs' (comparable with a normal run); cold ones go to coldCache.
  const cold = result.coldCache?.profiledCold;
  const aggregated = aggregateOps(cold ? profiledRuns.filter((_, r) => !cold[r]) : profiledRuns);
  const ops: OpReport[] = aggregated.map((op) => traceOpReport(op, a.sourceGraph, { ceilings: a.ceilings, modelWeightBytes: a.modelWeightBytes }));
  const opIndex = new Map(ops.map((o, i) => [o.name, i]));
  const spans: TimelineSpan[] = profiledRuns.flatMap((run, r) =>
    run.kernels.map((k) => ({ op: opIndex.get(k.name)!, run: r, startMs: (k.tsUs + offsetUs) / 1000, durMs: k.durUs / 1000 })),
  );
  if (!cold || !result.coldCache) return { ops, spans };
  const coldCache = coldCacheReport({
    opNames: ops.map((o) => o.name),
    warm: aggregated,
    cold: aggregateOps(profiledRuns.filter((_, r) => cold[r])),
    info: result.coldCache,
    lastLevelCacheBytes: a.ceilings.lastLevelCacheBytes,
  });
  return { ops, spans, coldCache };
}

/**
 * An op aggregated from an ORT profile as the report's op: its FLOPs and bytes (weights recovered from
 * the model's graph), the model node it executes, and its time split against this run's ceilings.
 */
export function traceOpReport(op: AggregatedOp, sourceGraph: SourceGraph, ctx: AttributionContext, startOffsetUs = op.startOffsetUs): OpReport {
  const cost = opCost(op.sample, sourceGraph.weightDims(op.name, op.opType));
  const attribution = attribute(op.opType, op.durUs, cost, ctx);
  if (op.timing === 'host' && op.provider !== 'CPUExecutionProvider') {
    attribution.lowConfidence.push(`host-side dispatch time only: ${op.provider} runs asynchronously and reported no device time`);
  }
  const sourceNode = sourceGraph.sourceNode(op.name, op.opType)?.name;
  return {
    name: op.name,
    opType: op.opType,
    ...(sourceNode ? { sourceNode } : {}),
    provider: op.provider,
    durUs: op.durUs,
    timing: op.timing,
    durUsPerRun: op.durUsPerRun,
    startOffsetUs,
    inputShapes: op.sample.inputShapes,
    outputShapes: op.sample.outputShapes,
    inputTypes: op.sample.inputTypes,
    flops: cost.flops,
    bytes: cost.bytes,
    parameterBytes: cost.parameterBytes,
    activationBytes: cost.activationBytes,
    outputBytes: cost.outputBytes,
    intensity: cost.flops === null || cost.bytes === 0 ? null : cost.flops / cost.bytes,
    ...attribution,
  };
}
