/**
 * Parsing onnxruntime's profiling trace (the JSON file enableProfiling writes).
 *
 * The trace is a Chrome-trace array. Per run there is one `model_run` event (cat
 * Session) and, inside it, one `<node>_kernel_time` event (cat Node) per executed node
 * with op_name, provider, input/output shapes and sizes in args. Timestamps are
 * microseconds since the profiling session started; they are anchored to the job clock
 * by matching each `model_run` with the window the worker measured around that run().
 *
 * Asynchronous EPs (WebGPU) record in `<node>_kernel_time` only the host-side time to
 * dispatch the node; the WebGPU EP adds the device time of each GPU program as a
 * `<node>&<op>&<program>` event (cat Api) from timestamp queries. Where those exist,
 * they are the op's duration (`timing: 'device'`).
 */
import { readFileSync } from 'node:fs';
import { EdgescopeError } from '../../../shared/errors';
import type { RunWindow } from '../../../shared/report';
import { median } from '../analysis/stats';

export interface TraceEvent {
  cat?: string;
  name: string;
  ph?: string;
  ts: number;
  dur?: number;
  pid?: number;
  tid?: number;
  args?: Record<string, unknown>;
}

export interface KernelEvent {
  /** Node name in the optimized graph. */
  name: string;
  opType: string;
  provider: string;
  tsUs: number;
  durUs: number;
  inputShapes: number[][];
  inputTypes: string[];
  outputShapes: number[][];
  outputTypes: string[];
  parameterBytes: number;
  activationBytes: number;
  outputBytes: number;
  /** 'device': durUs and tsUs are the device's (GPU timestamps); 'host': the kernel_time event's. */
  timing: 'host' | 'device';
  /** The kernel_time event's duration: the whole op on the CPU EP, the dispatch on an asynchronous EP. */
  hostDurUs: number;
}

export interface TraceRun {
  tsUs: number;
  durUs: number;
  kernels: KernelEvent[];
}

const DEVICE_EVENT_SEPARATOR = '&';

export interface ParsedTrace {
  /** Every model_run, in order. */
  runs: TraceRun[];
}

const KERNEL_SUFFIX = '_kernel_time';

export function readTraceFile(path: string): TraceEvent[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new EdgescopeError('E_RUN_FAILED', `could not read onnxruntime's profile ${path}: ${(err as Error).message}`);
  }
  if (!Array.isArray(parsed)) throw new EdgescopeError('E_RUN_FAILED', `onnxruntime's profile ${path} is not a trace event array`);
  return parsed as TraceEvent[];
}

function typedShapes(value: unknown): { shapes: number[][]; types: string[] } {
  const shapes: number[][] = [];
  const types: string[] = [];
  if (!Array.isArray(value)) return { shapes, types };
  for (const entry of value) {
    if (!entry || typeof entry !== 'object') continue;
    const [type, dims] = Object.entries(entry as Record<string, unknown>)[0] ?? [];
    if (type === undefined) continue;
    types.push(type);
    shapes.push(Array.isArray(dims) ? dims.map(Number) : []);
  }
  return { shapes, types };
}

function num(value: unknown): number {
  const n = typeof value === 'string' ? Number(value) : typeof value === 'number' ? value : 0;
  return Number.isFinite(n) ? n : 0;
}

function toKernel(e: TraceEvent): KernelEvent {
  const args = e.args ?? {};
  const inputs = typedShapes(args.input_type_shape);
  const outputs = typedShapes(args.output_type_shape);
  return {
    name: e.name.slice(0, -KERNEL_SUFFIX.length),
    opType: String(args.op_name ?? 'unknown'),
    provider: String(args.provider ?? 'unknown'),
    tsUs: e.ts,
    durUs: e.dur ?? 0,
    inputShapes: inputs.shapes,
    inputTypes: inputs.types,
    outputShapes: outputs.shapes,
    outputTypes: outputs.types,
    parameterBytes: num(args.parameter_size),
    activationBytes: num(args.activation_size),
    outputBytes: num(args.output_size),
    timing: 'host',
    hostDurUs: e.dur ?? 0,
  };
}

/** Index of the run whose [ts, ts + dur] holds `ts`, scanning forward from `from`. */
function runIndexAt(runs: readonly TraceRun[], ts: number, from: number): number {
  let r = from;
  while (r < runs.length && ts > runs[r].tsUs + runs[r].durUs) r++;
  return r;
}

export function parseTrace(events: TraceEvent[]): ParsedTrace {
  const runs: TraceRun[] = events
    .filter((e) => e.name === 'model_run' && e.ph !== 'M')
    .sort((a, b) => a.ts - b.ts)
    .map((e) => ({ tsUs: e.ts, durUs: e.dur ?? 0, kernels: [] }));
  const kernels = events.filter((e) => e.cat === 'Node' && e.name.endsWith(KERNEL_SUFFIX)).sort((a, b) => a.ts - b.ts);
  let r = 0;
  for (const k of kernels) {
    r = runIndexAt(runs, k.ts, r);
    if (r >= runs.length) break;
    if (k.ts >= runs[r].tsUs) runs[r].kernels.push(toKernel(k));
  }
  applyDeviceTimes(runs, events);
  return { runs };
}

/** Replace host dispatch times by the device times of the programs each node ran. */
function applyDeviceTimes(runs: TraceRun[], events: TraceEvent[]): void {
  const device = events.filter((e) => e.cat === 'Api' && e.name.includes(DEVICE_EVENT_SEPARATOR)).sort((a, b) => a.ts - b.ts);
  const perRun = runs.map(() => new Map<string, { tsUs: number; durUs: number }>());
  let r = 0;
  for (const e of device) {
    r = runIndexAt(runs, e.ts, r);
    if (r >= runs.length) break;
    const node = e.name.slice(0, e.name.indexOf(DEVICE_EVENT_SEPARATOR));
    const entry = perRun[r].get(node);
    if (entry) entry.durUs += e.dur ?? 0;
    else perRun[r].set(node, { tsUs: e.ts, durUs: e.dur ?? 0 });
  }
  runs.forEach((run, i) => {
    for (const k of run.kernels) {
      const d = perRun[i].get(k.name);
      if (!d) continue;
      k.timing = 'device';
      k.tsUs = d.tsUs;
      k.durUs = d.durUs;
    }
  });
}

/**
 * Offset (us) that maps trace timestamps onto the job clock, from the runs the worker
 * timed: windows[i] brackets trace run i + skip. The median of the per-run offsets
 * is robust to one run's scheduling noise.
 */
export function traceClockOffsetUs(trace: ParsedTrace, windows: RunWindow[], skip: number): number {
  const offsets: number[] = [];
  windows.forEach((w, i) => {
    const run = trace.runs[i + skip];
    if (run) offsets.push(w.startMs * 1000 - run.tsUs);
  });
  if (offsets.length === 0) throw new EdgescopeError('E_RUN_FAILED', 'the profile has no model_run events to align with');
  return median(offsets);
}

export interface AggregatedOp {
  name: string;
  opType: string;
  provider: string;
  durUs: number;
  durUsPerRun: number[];
  startOffsetUs: number;
  timing: 'host' | 'device';
  /** The kernel event of the first run, for shapes and sizes. */
  sample: KernelEvent;
}

/** One entry per node, in execution order: median duration and start offset over the runs. */
export function aggregateOps(runs: TraceRun[]): AggregatedOp[] {
  const byName = new Map<string, { events: KernelEvent[]; offsets: number[] }>();
  for (const run of runs) {
    for (const k of run.kernels) {
      let entry = byName.get(k.name);
      if (!entry) byName.set(k.name, (entry = { events: [], offsets: [] }));
      entry.events.push(k);
      entry.offsets.push(k.tsUs - run.tsUs);
    }
  }
  return [...byName.entries()]
    .map(([name, { events, offsets }]) => {
      const durs = events.map((e) => e.durUs);
      return {
        name,
        opType: events[0].opType,
        provider: events[0].provider,
        durUs: median(durs),
        durUsPerRun: durs,
        startOffsetUs: median(offsets),
        timing: events[0].timing,
        sample: events[0],
      };
    })
    .sort((a, b) => a.startOffsetUs - b.startOffsetUs);
}
