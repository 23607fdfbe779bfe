/**
 * Messages between the engine and its run worker (a child process that owns
 * onnxruntime-node). One tagged union each way, each request with an id.
 *
 * Times are milliseconds on the job clock: (hrtime - clockOriginNs) / 1e6. hrtime is
 * CLOCK_MONOTONIC, the same in both processes, so worker times and sampler times agree.
 */
import type { ApiError } from '../../../shared/api';
import type { GraphOptimizationLevel, RunWindow } from '../../../shared/report';
import type { EngineTask } from './tasks';
import type { ResolvedInput } from '../model/inputs';
import type { HybridRunInfo, HybridSpec } from '../sparse/hybrid/messages';
import type { EpOptionValues } from './ep-options';

export interface RunSpec {
  modelPath: string;
  ep: string;
  /** Validated options of this EP (ep-options.ts); none: ORT's defaults. */
  epOptions?: EpOptionValues;
  threads: number;
  graphOptimizationLevel: GraphOptimizationLevel;
  inputs: ResolvedInput[];
  seed: number;
  warmupRuns: number;
  /** At least this many timed runs... */
  timedRuns: number;
  /** ...and keep going until this much time has passed. */
  minTimeMs: number;
  /** Runs of a second, profiling session (0: no operator profile). */
  profiledRuns: number;
  /** Folder for ORT's profile JSON. */
  profileDir: string;
  /** Send back the first run's outputs (for verification against another variant). */
  returnOutputs: boolean;
  /** Given float32 input data by input name, used instead of generated data (calibration samples). */
  feeds?: Record<string, { dims: number[]; data: Float32Array }>;
  /** hrtime (ns, as a decimal string: bigint does not cross every transport) that is t = 0. */
  clockOriginNs: string;
  /** Run the model hybrid: ORT segments + sparse kernels for pruned layers (sparse/hybrid). */
  hybrid?: HybridSpec;
  /**
   * Cold-cache mode (analysis/cold-cache.ts): stream this many bytes before each timed run and
   * each cold profiled run to evict the last-level cache; profiled runs alternate warm and cold.
   */
  coldCacheFlushBytes?: number;
}

/** What the worker did in cold-cache mode. */
export interface ColdCacheRunInfo {
  flushBytes: number;
  /** Duration of each flush, in order; none of it is inside a latency. */
  flushMs: number[];
  /** Per profiled window (in profiledWindows order): true when caches were flushed before it. */
  profiledCold: boolean[];
}

export interface OutputTensor {
  name: string;
  dtype: string;
  dims: number[];
  /** Values as float64 whatever the dtype, for comparison. */
  data: Float64Array;
}

export interface RunResult {
  pid: number;
  sessionCreateMs: number;
  firstRunMs: number;
  latenciesMs: number[];
  timedWindow: RunWindow;
  /** Windows of the profiled runs, the first (a warm-up inside the profiling session) excluded. */
  profiledWindows: RunWindow[];
  /** Path of ORT's profile JSON, when profiledRuns > 0. */
  profilePath?: string;
  outputs?: OutputTensor[];
  /** Present for hybrid runs: the plan, the sparse layers and the segments' profiles. */
  hybrid?: HybridRunInfo;
  /** Present when the spec asked for cold-cache mode. */
  coldCache?: ColdCacheRunInfo;
}

export interface ProbeResult {
  ep: string;
  available: boolean;
  reason?: string;
}

export type ToWorker =
  | { type: 'run'; id: number; spec: RunSpec }
  | { type: 'probe'; id: number; eps: string[]; probeModelPath: string }
  | { type: 'task'; id: number; task: EngineTask };

export type RunPhase = 'session' | 'first-run' | 'warmup' | 'timed' | 'profiled';

export type FromWorker =
  | { type: 'ready'; pid: number }
  | { type: 'progress'; id: number; phase: RunPhase; done: number; total: number }
  | { type: 'run-result'; id: number; result: RunResult }
  | { type: 'probe-result'; id: number; results: ProbeResult[] }
  | { type: 'task-result'; id: number; result: unknown }
  | { type: 'error'; id: number; error: ApiError };
