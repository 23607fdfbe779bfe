/**
 * From a Report to what the timeline draws: one lane per (variant, EP) run, spans and counters moved onto
 * the lane's own time axis.
 *
 * Alignment invariant: on every lane, 0 ms is the start of that lane's first profiled run, and its spans,
 * run windows and counter samples are all shifted by the same origin. Variants run one after another on the
 * job clock, so without this shift the pruned lane would start seconds after the dense one; with it, equal
 * positions mean "equally far into the profiled runs" and lanes compare op by op.
 */
import { max, min } from 'd3';
import type { CounterSeries, OpPhases, Report, RunReport, RunWindow } from '../../../shared/report';

/** Fractions of a span's duration per phase; they sum to 1. */
export interface PhaseShares {
  memory: number;
  compute: number;
  overhead: number;
}

export interface LaneSpan {
  /** Start, ms from the lane's origin. */
  startMs: number;
  durMs: number;
  /** Index into the lane's run.ops. */
  opIndex: number;
  /** Index of the profiled run. */
  run: number;
  shares: PhaseShares;
  /** The op's execution provider when it is not the CPU EP's (the lane marks such ops); null on the CPU EP. */
  offCpuProvider: string | null;
}

export interface TimelineLane {
  /** `${variantId}@${ep}`, unique within a report. */
  key: string;
  variantId: string;
  ep: string;
  run: RunReport;
  /** Job-clock ms shown as 0 on this lane. */
  originMs: number;
  /** Sorted by startMs. */
  spans: LaneSpan[];
  /** Profiled run windows, ms from the origin. */
  runWindows: RunWindow[];
}

/** One lane's samples of a counter. */
export interface CounterLine {
  laneKey: string;
  /** Index of the lane, which picks the line's dash pattern. */
  lane: number;
  /** [ms from the lane's origin, value], sorted by time. */
  points: [number, number][];
}

/** One counter, with a line per lane that sampled it, on one shared value scale so lanes compare. */
export interface CounterTrack {
  name: string;
  unit: string;
  source: string;
  lines: CounterLine[];
  minValue: number;
  maxValue: number;
}

/** Counters that could not be read, grouped by the reason given. */
export interface UnavailableCounters {
  reason: string;
  names: string[];
  /** Lanes that reported this reason. */
  laneKeys: string[];
}

export interface TimelineData {
  lanes: TimelineLane[];
  /** Every execution provider an op of any lane ran on, the CPU EP's included, in lane order. */
  providers: string[];
  /** In the order the first lane reports them. */
  counterTracks: CounterTrack[];
  unavailableCounters: UnavailableCounters[];
  /** Every lane's first profiled run, ms from the origins: the initial view. */
  firstRunExtentMs: [number, number];
  /** Union of all lanes' profiled runs. */
  runsExtentMs: [number, number];
  /** Runs plus every counter sample: how far one may zoom out. */
  fullExtentMs: [number, number];
}

/** onnxruntime's name of the CPU EP: ops on any other provider are marked on the timeline. */
export const CPU_PROVIDER = 'CPUExecutionProvider';

/** 'WebGpuExecutionProvider' -> 'WebGpu': a provider's name without onnxruntime's suffix. */
export function providerShortName(provider: string): string {
  return provider.replace(/ExecutionProvider$/, '') || provider;
}

export function laneLabel(lane: Pick<TimelineLane, 'variantId' | 'ep'>): string {
  return `${lane.variantId} · ${lane.ep}`;
}

/** Splits an op's modelled phases into shares of its duration (stall counts as overhead, as in OpPhases). */
export function phaseShares(phases: OpPhases): PhaseShares {
  const memory = Math.max(0, phases.memoryUs);
  const compute = Math.max(0, phases.computeUs);
  const overhead = Math.max(0, phases.overheadUs);
  const total = memory + compute + overhead;
  if (!(total > 0)) return { memory: 0, compute: 0, overhead: 1 };
  return { memory: memory / total, compute: compute / total, overhead: overhead / total };
}

function laneOrigin(run: RunReport): number {
  return min(run.profiledRuns, (w) => w.startMs) ?? min(run.spans, (s) => s.startMs) ?? run.timedWindow.startMs;
}

function buildLane(variantId: string, run: RunReport): TimelineLane {
  const originMs = laneOrigin(run);
  const shares = run.ops.map((op) => phaseShares(op.phases));
  const spans = run.spans
    .filter((span) => span.op >= 0 && span.op < run.ops.length)
    .map((span) => {
      const { provider } = run.ops[span.op];
      return {
        startMs: span.startMs - originMs,
        durMs: Math.max(0, span.durMs),
        opIndex: span.op,
        run: span.run,
        shares: shares[span.op],
        offCpuProvider: provider === CPU_PROVIDER ? null : provider,
      };
    })
    .sort((a, b) => a.startMs - b.startMs);
  const runWindows = run.profiledRuns.map((w) => ({ startMs: w.startMs - originMs, endMs: w.endMs - originMs }));
  return { key: `${variantId}@${run.ep}`, variantId, ep: run.ep, run, originMs, spans, runWindows };
}

function counterLine(lane: TimelineLane, laneIndex: number, series: CounterSeries): CounterLine | null {
  if (!series.available || !series.samples) return null;
  const points = series.samples
    .filter(([t, v]) => Number.isFinite(t) && Number.isFinite(v))
    .map(([t, v]): [number, number] => [t - lane.originMs, v])
    .sort((a, b) => a[0] - b[0]);
  return points.length > 0 ? { laneKey: lane.key, lane: laneIndex, points } : null;
}

function extentOf(values: number[], fallback: [number, number]): [number, number] {
  const lo = min(values);
  const hi = max(values);
  if (lo === undefined || hi === undefined) return fallback;
  return hi > lo ? [lo, hi] : [lo, lo + 1];
}

export function buildTimelineData(report: Report): TimelineData {
  const lanes = report.variants.flatMap((variant) => variant.runs.map((run) => buildLane(variant.id, run)));
  const providers = [...new Set(lanes.flatMap((lane) => lane.spans.map((span) => lane.run.ops[span.opIndex].provider)))];

  const tracks = new Map<string, CounterTrack>();
  const unavailable = new Map<string, UnavailableCounters>();
  lanes.forEach((lane, laneIndex) => {
    for (const series of lane.run.counters) {
      const line = counterLine(lane, laneIndex, series);
      if (line) {
        const track = tracks.get(series.name) ?? { name: series.name, unit: series.unit, source: series.source, lines: [], minValue: Infinity, maxValue: -Infinity };
        track.lines.push(line);
        track.minValue = Math.min(track.minValue, min(line.points, (p) => p[1]) as number);
        track.maxValue = Math.max(track.maxValue, max(line.points, (p) => p[1]) as number);
        tracks.set(series.name, track);
      } else {
        const reason = series.available ? 'no samples' : (series.reason ?? 'unavailable');
        const group = unavailable.get(reason) ?? { reason, names: [], laneKeys: [] };
        if (!group.names.includes(series.name)) group.names.push(series.name);
        if (!group.laneKeys.includes(lane.key)) group.laneKeys.push(lane.key);
        unavailable.set(reason, group);
      }
    }
  });
  const counterTracks = [...tracks.values()];

  const runEdges = lanes.flatMap((lane) => [
    ...lane.runWindows.flatMap((w) => [w.startMs, w.endMs]),
    ...lane.spans.flatMap((s) => [s.startMs, s.startMs + s.durMs]),
  ]);
  const runsExtentMs = extentOf(runEdges, [0, 1]);
  const firstRunEdges = lanes.flatMap((lane) => {
    const first = lane.runWindows[0];
    const spans = lane.spans.filter((s) => s.run === 0);
    return [...(first ? [first.startMs, first.endMs] : []), ...spans.flatMap((s) => [s.startMs, s.startMs + s.durMs])];
  });
  const firstRunExtentMs = extentOf(firstRunEdges, runsExtentMs);
  const counterEdges = counterTracks.flatMap((t) => t.lines.flatMap((l) => [l.points[0][0], l.points[l.points.length - 1][0]]));
  const fullExtentMs = extentOf([...runsExtentMs, ...counterEdges], runsExtentMs);
  return { lanes, providers, counterTracks, unavailableCounters: [...unavailable.values()], firstRunExtentMs, runsExtentMs, fullExtentMs };
}
