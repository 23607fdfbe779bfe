/**
 * One measured hybrid run (variant `pruned-S+sparse`): the pruned model in a fresh run
 * worker, cut into ORT segments and sparse-kernel layers there, sampled from here; then
 * the segments' ORT profiles and the sparse layers' own timings turned into one list of
 * operators and timeline spans on the job clock, analysed like any run's.
 */
import { rm } from 'node:fs/promises';
import { EdgescopeError } from '../../../../shared/errors';
import type { OpReport, RunReport, RunWindow, TimelineSpan } from '../../../../shared/report';
import { attribute } from '../../analysis/attribution';
import { sparseOpCost } from '../../analysis/op-cost';
import { placementOf } from '../../analysis/placement';
import { median } from '../../analysis/stats';
import { runReportOf, runSampled, traceOpReport, type MeasureArgs } from '../../measure-run';
import type { RunResult } from '../../run/messages';
import { aggregateOps, parseTrace, readTraceFile, traceClockOffsetUs } from '../../trace/ort-trace';
import type { HybridRunInfo } from './messages';
import { lstmStepsOf, recurrenceCost } from './lstm-info';
import type { LayerChoice } from './policy';
import type { BreakEvenCacheSpec } from './break-even';

/** The provider name sparse-kernel ops carry in the report. */
export const SPARSE_PROVIDER = 'EdgescopeSparseKernels';

export async function measureHybridRun(a: MeasureArgs & { overrides: Record<string, LayerChoice>; breakEven?: BreakEvenCacheSpec }): Promise<{ run: RunReport; result: RunResult }> {
  // The sparse kernels are CPU kernels: segments on another EP would copy every cut tensor back and forth.
  if (a.ep !== 'cpu') throw new EdgescopeError('E_BACKEND_UNAVAILABLE', `hybrid sparse execution runs on the cpu EP only, not ${a.ep}`);
  const { result, counters } = await runSampled(a, { hybrid: { overrides: a.overrides, ...(a.breakEven ? { breakEven: a.breakEven } : {}) } });
  const { ops, spans } = await analyseHybrid(result.hybrid!, result.profiledWindows, a);
  const placement = placementOf(ops, a.ep);
  // The sparse kernels are the point of this variant, not a fallback from the EP.
  placement.fallbackOps = placement.fallbackOps.filter((name) => !ops.some((o) => o.name === name && o.sparse));
  return { run: runReportOf(a, result, { ops, spans, counters, placement }), result };
}

interface PendingOp {
  op: OpReport;
  /** Per profiled run: start on the job clock (ms) and duration (ms). */
  perRun: { run: number; startMs: number; durMs: number }[];
}

/** Weight bytes the hybrid streams per inference: sparse layers stored, the rest dense. */
function hybridWeightBytes(h: HybridRunInfo, denseWeightBytes: number, layers: MeasureArgs['sourceGraph']): number {
  let bytes = denseWeightBytes;
  for (const l of [...h.sparseLayers, ...lstmStepsOf(h)]) {
    const dims = layers.weightDims(l.node, l.opType);
    const dense = dims ? dims.reduce((x, y) => x * y, 1) * 4 : l.rows * l.cols * 4;
    bytes += l.matrixBytes - dense;
  }
  return Math.max(0, bytes);
}

/** The segments' ORT profiles (deleted once read) and the sparse layers' windows as one run's ops and spans. */
export async function analyseHybrid(h: HybridRunInfo, windows: RunWindow[], a: Pick<MeasureArgs, 'ceilings' | 'modelWeightBytes' | 'sourceGraph'>): Promise<{ ops: OpReport[]; spans: TimelineSpan[] }> {
  const ctx = { ceilings: a.ceilings, modelWeightBytes: hybridWeightBytes(h, a.modelWeightBytes, a.sourceGraph) };
  const pending: PendingOp[] = [];
  const runStart = (r: number) => windows[r]?.startMs ?? 0;

  for (const { step, path } of h.segmentProfiles) {
    const trace = parseTrace(readTraceFile(path));
    await rm(path, { force: true });
    const stepWindows = h.profiledStepWindows.map((w) => w[step]);
    // The segment's first model_run is the profiling warm-up the worker did not keep.
    const offsetUs = traceClockOffsetUs(trace, stepWindows, 1);
    const runs = trace.runs.slice(1);
    for (const agg of aggregateOps(runs)) {
      const perRun = runs.flatMap((run, r) =>
        run.kernels.filter((k) => k.name === agg.name).map((k) => ({ run: r, startMs: (k.tsUs + offsetUs) / 1000, durMs: k.durUs / 1000 })),
      );
      pending.push({
        op: traceOpReport(agg, a.sourceGraph, ctx, median(perRun.map((p) => (p.startMs - runStart(p.run)) * 1000))),
        perRun,
      });
    }
  }

  for (const l of [...h.sparseLayers, ...lstmStepsOf(h)]) {
    const perRun = h.profiledStepWindows.map((w, r) => ({ run: r, startMs: w[l.step].startMs, durMs: w[l.step].endMs - w[l.step].startMs }));
    const durUsPerRun = perRun.map((p) => p.durMs * 1000);
    const durUs = median(durUsPerRun);
    const cost = recurrenceCost(l) ?? sparseOpCost(l);
    pending.push({
      op: {
        name: l.node,
        opType: `Sparse${l.opType}`,
        provider: SPARSE_PROVIDER,
        durUs,
        timing: 'host',
        durUsPerRun,
        startOffsetUs: median(perRun.map((p) => (p.startMs - runStart(p.run)) * 1000)),
        inputShapes: [l.inputDims],
        outputShapes: [l.outputDims],
        inputTypes: ['float'],
        flops: cost.flops,
        bytes: cost.bytes,
        parameterBytes: cost.parameterBytes,
        activationBytes: cost.activationBytes,
        outputBytes: cost.outputBytes,
        intensity: cost.flops! / cost.bytes,
        ...attribute(`Sparse${l.opType}`, durUs, cost, ctx),
        sparse: { format: l.format, rows: l.rows, cols: l.cols, nnz: l.nnz, batch: l.batch, matrixBytes: l.matrixBytes },
      },
      perRun,
    });
  }

  pending.sort((x, y) => x.op.startOffsetUs - y.op.startOffsetUs);
  // Op names are unique within a segment; two segments could repeat an ORT-made name.
  const seen = new Set<string>();
  for (const [i, p] of pending.entries()) {
    if (seen.has(p.op.name)) p.op.name = `${p.op.name}#${i}`;
    seen.add(p.op.name);
  }
  const ops = pending.map((p) => p.op);
  const spans: TimelineSpan[] = pending.flatMap((p, op) => p.perRun.map((s) => ({ op, run: s.run, startMs: s.startMs, durMs: s.durMs })));
  spans.sort((x, y) => x.startMs - y.startMs);
  return { ops, spans };
}

/**
 * measureRun's signature for a hybrid variant, with the user's per-layer overrides bound and, when
 * given, the per-machine cache of break-even measurements (without it every layer is timed).
 */
export function hybridMeasurer(overrides: Record<string, LayerChoice> = {}, breakEven?: BreakEvenCacheSpec): (a: MeasureArgs) => Promise<{ run: RunReport; result: RunResult }> {
  return (a) => measureHybridRun({ ...a, overrides, breakEven });
}
