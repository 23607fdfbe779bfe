/**
 * Report -> Chrome Trace Event Format (JSON), for Perfetto (ui.perfetto.dev) and chrome://tracing.
 *
 * Layout: one process per variant x EP run ("dense @ cpu"), with threads
 *   1 "timed runs"     the window of the timed (unprofiled) runs,
 *   2 "profiled runs"  one slice per profiled run,
 *   3.. "ops"          one slice per op span, with its memory / compute / overhead phases
 *                      nested inside it as child slices (a second "ops" thread appears only
 *                      when spans overlap, see assignRows),
 * and one counter track per available counter series.
 *
 * Timestamps are microseconds on the job clock (ts = startMs * 1000), quantised to whole
 * nanoseconds so that child slices nest exactly inside their parents.
 */
import type { CounterSeries, OpReport, Report, RunReport, TimelineSpan, VariantReport } from '../../../shared/report';
import { assignRows, msToNs, phaseSlices } from './html/timeline';
import { variantRuns } from './html/variant-runs';

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

interface EventBase {
  name: string;
  pid: number;
  tid: number;
  /** Microseconds on the job clock (0 for metadata events). */
  ts: number;
}

export interface ChromeTraceMetadataEvent extends EventBase {
  ph: 'M';
  name: 'process_name' | 'process_sort_index' | 'thread_name' | 'thread_sort_index';
  args: { name: string } | { sort_index: number };
}

export interface ChromeTraceCompleteEvent extends EventBase {
  ph: 'X';
  cat: string;
  /** Microseconds. */
  dur: number;
  args: { [key: string]: JsonValue };
}

export interface ChromeTraceCounterEvent extends EventBase {
  ph: 'C';
  args: { value: number };
}

export type ChromeTraceEvent = ChromeTraceMetadataEvent | ChromeTraceCompleteEvent | ChromeTraceCounterEvent;

/** Every counter series of every run; the unavailable ones (no events) say why here. */
export interface ChromeTraceCounterInfo {
  process: string;
  name: string;
  unit: string;
  source: string;
  available: boolean;
  reason?: string;
  samples: number;
}

export interface ChromeTraceMetadata {
  tool: string;
  onnxruntimeVersion: string;
  generatedAt: string;
  modelPath: string;
  modelSha256: string;
  clock: string;
  phaseMethod: string;
  counters: ChromeTraceCounterInfo[];
}

export interface ChromeTrace {
  traceEvents: ChromeTraceEvent[];
  displayTimeUnit: 'ms';
  metadata: ChromeTraceMetadata;
}

const TID_COUNTERS = 0;
const TID_TIMED = 1;
const TID_PROFILED = 2;
const TID_FIRST_OPS = 3;

const PHASE_METHOD =
  'Exposed-time roofline split: memory = T_m = bytes / bandwidth; compute = max(0, T_c - T_m) with T_c = FLOPs / peak; ' +
  'overhead = t0 + the time the model does not explain (T_m and T_c are scaled down to fit when they exceed t - t0). ' +
  "Each span's phase slices are the op's median phases as proportions of that span.";

export function toChromeTrace(report: Report): ChromeTrace {
  const events: ChromeTraceEvent[] = [];
  const counters: ChromeTraceCounterInfo[] = [];
  variantRuns(report).forEach(({ label, variant, run }, index) => {
    const pid = index + 1;
    events.push(...processMetadata(pid, label));
    events.push(...windowEvents(pid, variant, run));
    events.push(...opEvents(pid, run));
    for (const series of run.counters) {
      counters.push(counterInfo(label, series));
      events.push(...counterEvents(pid, series));
    }
  });
  return {
    traceEvents: sortEvents(events),
    displayTimeUnit: 'ms',
    metadata: {
      tool: `${report.tool.name} ${report.tool.version}`,
      onnxruntimeVersion: report.tool.onnxruntimeVersion,
      generatedAt: report.generatedAt,
      modelPath: report.model.path,
      modelSha256: report.model.sha256,
      clock: "ts: microseconds since the job's clock origin (CLOCK_MONOTONIC), shared by all processes",
      phaseMethod: PHASE_METHOD,
      counters,
    },
  };
}

function nsToUs(ns: number): number {
  return ns / 1e3;
}

function metadataEvent(
  name: ChromeTraceMetadataEvent['name'],
  pid: number,
  tid: number,
  args: ChromeTraceMetadataEvent['args'],
): ChromeTraceMetadataEvent {
  return { ph: 'M', name, pid, tid, ts: 0, args };
}

function processMetadata(pid: number, processName: string): ChromeTraceMetadataEvent[] {
  return [
    metadataEvent('process_name', pid, TID_COUNTERS, { name: processName }),
    // Keeps processes in report order rather than the viewer's default (by pid or name).
    metadataEvent('process_sort_index', pid, TID_COUNTERS, { sort_index: pid }),
    metadataEvent('thread_name', pid, TID_TIMED, { name: 'timed runs' }),
    metadataEvent('thread_name', pid, TID_PROFILED, { name: 'profiled runs' }),
  ];
}

function completeEvent(
  name: string,
  cat: string,
  pid: number,
  tid: number,
  startNs: number,
  durNs: number,
  args: { [key: string]: JsonValue },
): ChromeTraceCompleteEvent {
  return { ph: 'X', name, cat, pid, tid, ts: nsToUs(startNs), dur: nsToUs(durNs), args };
}

function windowEvents(pid: number, variant: VariantReport, run: RunReport): ChromeTraceCompleteEvent[] {
  const timedStartNs = msToNs(run.timedWindow.startMs);
  const timed = completeEvent(
    `timed runs (${run.latenciesMs.length})`,
    'window',
    pid,
    TID_TIMED,
    timedStartNs,
    msToNs(run.timedWindow.endMs) - timedStartNs,
    { variant: variant.id, ep: run.ep, runs: run.latenciesMs.length, medianMs: run.latencyMs.median },
  );
  const profiled = run.profiledRuns.map((window, index) => {
    const startNs = msToNs(window.startMs);
    return completeEvent(`profiled run ${index + 1}`, 'window', pid, TID_PROFILED, startNs, msToNs(window.endMs) - startNs, {
      variant: variant.id,
      ep: run.ep,
    });
  });
  return [timed, ...profiled];
}

function opEvents(pid: number, run: RunReport): ChromeTraceEvent[] {
  const intervals = run.spans.map((span) => {
    const startNs = msToNs(span.startMs);
    return { startNs, durNs: msToNs(span.startMs + span.durMs) - startNs };
  });
  const rows = assignRows(intervals);
  const rowCount = rows.reduce((max, row) => Math.max(max, row + 1), 0);

  const events: ChromeTraceEvent[] = [];
  for (let row = 0; row < rowCount; row++) {
    const tid = TID_FIRST_OPS + row;
    events.push(metadataEvent('thread_name', pid, tid, { name: row === 0 ? 'ops' : `ops (overlapping ${row + 1})` }));
  }
  run.spans.forEach((span, index) => {
    const op = run.ops[span.op];
    const tid = TID_FIRST_OPS + rows[index];
    const { startNs, durNs } = intervals[index];
    events.push(completeEvent(op.name, op.opType, pid, tid, startNs, durNs, opArgs(op, span)));
    for (const slice of phaseSlices(op.phases, startNs, durNs)) {
      events.push(completeEvent(slice.phase, 'phase', pid, tid, slice.startNs, slice.durNs, { op: op.name }));
    }
  });
  return events;
}

function opArgs(op: OpReport, span: TimelineSpan): { [key: string]: JsonValue } {
  return {
    provider: op.provider,
    profiledRun: span.run + 1,
    inputShapes: op.inputShapes,
    outputShapes: op.outputShapes,
    flops: op.flops,
    bytes: op.bytes,
    medianDurUs: op.durUs,
    phasesUs: { ...op.phases },
    bound: op.bound,
    eta: op.eta,
    lowConfidence: op.lowConfidence,
  };
}

function counterInfo(processName: string, series: CounterSeries): ChromeTraceCounterInfo {
  return {
    process: processName,
    name: series.name,
    unit: series.unit,
    source: series.source,
    available: series.available,
    ...(series.reason === undefined ? {} : { reason: series.reason }),
    samples: series.available ? (series.samples?.length ?? 0) : 0,
  };
}

function counterEvents(pid: number, series: CounterSeries): ChromeTraceCounterEvent[] {
  if (!series.available || !series.samples) return [];
  return series.samples.map(([tMs, value]) => ({
    ph: 'C',
    name: series.name,
    pid,
    tid: TID_COUNTERS,
    ts: nsToUs(msToNs(tMs)),
    args: { value },
  }));
}

/**
 * By ts; at equal ts metadata first, then longer slices first, so a parent precedes the
 * children that start with it (chrome://tracing nests in file order).
 */
function sortEvents(events: ChromeTraceEvent[]): ChromeTraceEvent[] {
  const kindRank = (event: ChromeTraceEvent) => (event.ph === 'M' ? 0 : 1);
  const durOf = (event: ChromeTraceEvent) => (event.ph === 'X' ? event.dur : 0);
  return [...events].sort((a, b) => a.ts - b.ts || kindRank(a) - kindRank(b) || durOf(b) - durOf(a));
}
