/**
 * Report -> the data the HTML report's charts draw, in domain units (ms, µs, s).
 *
 * Everything that needs a decision (which ops are "top", which profiled run represents a
 * lane, how phases split a span) or formatting (tooltips) happens here, in Node, where it
 * is unit-tested; the inline chart script (chart-script.ts) only maps these values
 * through d3 scales.
 */
import type { CounterSeries, OpReport, Report, RunReport } from '../../../../shared/report';
import { formatDurationMs, formatDurationUs, formatFlops, formatBytes, formatPercent, formatShape } from './format';
import { assignRows, msToNs, phaseSlices, type PhaseName } from './timeline';
import { variantRuns, type VariantRun } from './variant-runs';

/** Ops per group in the top-ops chart. */
export const TOP_OPS = 10;

export interface LatencyRow {
  label: string;
  medianMs: number;
  ci95: [number, number];
  /** Every timed run, in run order: one mark each. */
  runsMs: number[];
  medianLabel: string;
  title: string;
}

export interface OpBar {
  name: string;
  /** Median time split by phase; the three sum to the op's median duration. */
  memoryUs: number;
  computeUs: number;
  overheadUs: number;
  /** The median duration, formatted. */
  durLabel: string;
  lowConfidence: boolean;
  title: string;
}

export interface OpBarGroup {
  label: string;
  /** Longest first. */
  ops: OpBar[];
}

export interface TimelineSliceModel {
  phase: PhaseName;
  startUs: number;
  durUs: number;
}

export interface TimelineSpanModel {
  name: string;
  /** Sub-row within the lane; > 0 only where spans overlap. */
  row: number;
  startUs: number;
  durUs: number;
  slices: TimelineSliceModel[];
  title: string;
}

export interface TimelineLane {
  label: string;
  detail: string;
  /** Length of the lane's run window; span times are relative to its start. */
  durUs: number;
  rows: number;
  spans: TimelineSpanModel[];
}

export interface CounterChart {
  title: string;
  unit: string;
  source: string;
  /** [seconds on the job clock, value]. */
  samples: [number, number][];
  /** The run's timed window [start, end] in seconds, shaded behind the line. */
  timedWindowS: [number, number];
}

export interface ChartModel {
  latency: LatencyRow[];
  topOps: OpBarGroup[];
  timeline: TimelineLane[];
  counters: CounterChart[];
}

export function buildChartModel(report: Report): ChartModel {
  const runs = variantRuns(report);
  return {
    latency: runs.map(latencyRow),
    topOps: runs.map(topOpsGroup),
    timeline: runs.filter(({ run }) => run.profiledRuns.length > 0).map(timelineLane),
    counters: runs.flatMap(counterCharts),
  };
}

function latencyRow({ label, run }: VariantRun): LatencyRow {
  const stats = run.latencyMs;
  return {
    label,
    medianMs: stats.median,
    ci95: stats.ci95,
    runsMs: run.latenciesMs,
    medianLabel: formatDurationMs(stats.median),
    title:
      `${label}\nmedian ${formatDurationMs(stats.median)} ` +
      `(95% CI ${formatDurationMs(stats.ci95[0])} – ${formatDurationMs(stats.ci95[1])}), n = ${stats.n}`,
  };
}

/** The op's median phases as proportions of its median duration. */
function splitOfMedian(op: OpReport): Record<PhaseName, number> {
  const split: Record<PhaseName, number> = { memory: 0, compute: 0, overhead: 0 };
  for (const slice of phaseSlices(op.phases, 0, Math.round(op.durUs * 1e3))) split[slice.phase] = slice.durNs / 1e3;
  return split;
}

function opTitle(op: OpReport, durUs: number): string {
  const split = splitOfMedian(op);
  const share = (us: number) => formatPercent(durUs > 0 ? us / durUs : 0, 0);
  const lines = [
    `${op.name} (${op.opType})`,
    `${formatDurationUs(durUs)}: memory ${share(split.memory)}, compute ${share(split.compute)}, overhead ${share(split.overhead)}`,
    `${op.flops === null ? 'no FLOP model' : formatFlops(op.flops)}, ${formatBytes(op.bytes)} moved, ${op.bound}-bound` +
      (op.eta === null ? '' : `, η ${op.eta.toFixed(2)}`),
    `in ${op.inputShapes.map(formatShape).join(', ')} → out ${op.outputShapes.map(formatShape).join(', ')}`,
  ];
  if (op.lowConfidence.length > 0) lines.push(`low confidence: ${op.lowConfidence.join('; ')}`);
  return lines.join('\n');
}

function topOpsGroup({ label, run }: VariantRun): OpBarGroup {
  const ops = [...run.ops].sort((a, b) => b.durUs - a.durUs).slice(0, TOP_OPS);
  return {
    label,
    ops: ops.map((op) => {
      const split = splitOfMedian(op);
      return {
        name: op.name,
        memoryUs: split.memory,
        computeUs: split.compute,
        overheadUs: split.overhead,
        durLabel: formatDurationUs(op.durUs),
        lowConfidence: op.lowConfidence.length > 0,
        title: opTitle(op, op.durUs),
      };
    }),
  };
}

/** The profiled run of median length: the most typical one, not the first (often the slowest). */
export function representativeRun(run: RunReport): number {
  const byLength = run.profiledRuns
    .map((window, index) => ({ index, length: window.endMs - window.startMs }))
    .sort((a, b) => a.length - b.length || a.index - b.index);
  return byLength[(byLength.length - 1) >> 1].index;
}

function timelineLane({ label, run }: VariantRun): TimelineLane {
  const runIndex = representativeRun(run);
  const window = run.profiledRuns[runIndex];
  const originNs = msToNs(window.startMs);
  const spans = run.spans
    .filter((span) => span.run === runIndex)
    .map((span) => {
      const startNs = msToNs(span.startMs);
      return { span, startNs, durNs: msToNs(span.startMs + span.durMs) - startNs };
    });
  const rows = assignRows(spans);
  const durUs = (msToNs(window.endMs) - originNs) / 1e3;
  return {
    label,
    detail: `profiled run ${runIndex + 1} of ${run.profiledRuns.length} · ${formatDurationUs(durUs)}`,
    durUs,
    rows: rows.reduce((max, row) => Math.max(max, row + 1), 1),
    spans: spans.map(({ span, startNs, durNs }, index) => {
      const op = run.ops[span.op];
      return {
        name: op.name,
        row: rows[index],
        startUs: (startNs - originNs) / 1e3,
        durUs: durNs / 1e3,
        slices: phaseSlices(op.phases, startNs, durNs).map((slice) => ({
          phase: slice.phase,
          startUs: (slice.startNs - originNs) / 1e3,
          durUs: slice.durNs / 1e3,
        })),
        title: opTitle(op, durNs / 1e3),
      };
    }),
  };
}

function counterCharts({ label, run }: VariantRun): CounterChart[] {
  return run.counters.filter(hasSamples).map((series) => ({
    title: `${series.name} · ${label}`,
    unit: series.unit,
    source: series.source,
    samples: series.samples.map(([tMs, value]) => [tMs / 1e3, value]),
    timedWindowS: [run.timedWindow.startMs / 1e3, run.timedWindow.endMs / 1e3],
  }));
}

export function hasSamples(series: CounterSeries): series is CounterSeries & { samples: [number, number][] } {
  return series.available && (series.samples?.length ?? 0) > 0;
}
