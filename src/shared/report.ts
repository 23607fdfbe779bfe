/**
 * The report: everything one profile job measured, as written to report.json.
 *
 * Versioned: bump REPORT_SCHEMA_VERSION on any incompatible change and update
 * docs/report-schema.md and src/shared/report.schema.json together.
 * Units are in the field names (Ms, Us, Bytes, PerSec). Times on the job clock
 * (`tMs`, `startMs`) are milliseconds since the job's clock origin, a
 * CLOCK_MONOTONIC reading shared by the engine and its run worker.
 */
export const REPORT_SCHEMA_VERSION = 1 as const;

export interface Report {
  schemaVersion: typeof REPORT_SCHEMA_VERSION;
  generatedAt: string;
  tool: ToolInfo;
  machine: MachineInfo;
  model: ModelInfo;
  settings: ProfileSettings;
  backends: BackendStatus[];
  variants: VariantReport[];
  comparisons: Comparison[];
  /** Non-fatal problems worth showing (e.g. a backend that failed for one variant). */
  warnings: string[];
}

export interface ToolInfo {
  name: 'edgescope';
  version: string;
  onnxruntimeVersion: string;
  nodeVersion: string;
  /** argv of the CLI invocation, when run from the CLI. */
  commandLine?: string[];
}

export interface CacheInfo {
  /** 'L1d', 'L2', 'L3'. */
  level: string;
  bytes: number;
}

export interface Ceilings {
  /** Streaming bandwidth with working sets far larger than the last-level cache. */
  memoryBandwidthBytesPerSec: number;
  /** Streaming bandwidth with a working set that fits in the last-level cache. */
  cacheBandwidthBytesPerSec: number;
  /** Best fp32 FLOP/s of a large GEMM. */
  peakFlopsPerSec: number;
  /** Fixed cost of one trivial operator, t0. */
  opOverheadUs: number;
  ep: string;
  threads: number;
  /** Bytes the "fits in cache" test assumed for the last-level cache. */
  lastLevelCacheBytes: number;
  measuredAt: string;
  /** True when read from the per-machine cache rather than measured by this job. */
  cached: boolean;
}

export interface MachineInfo {
  cpu: string;
  /** Physical cores. */
  cores: number;
  logicalCores: number;
  memoryBytes: number;
  os: string;
  arch: string;
  caches: CacheInfo[];
  /** Stable id of this machine's CPU/memory configuration; keys the ceilings cache. */
  fingerprint: string;
  /** Ceilings for the first EP/thread count profiled (see `ceilingsByRun` for all). */
  ceilings: Ceilings;
  ceilingsByRun: Ceilings[];
}

export type ShapeDim = number | string | null;

export interface TensorInfo {
  name: string;
  /** ONNX element type name, e.g. 'float32', 'int64'. */
  dtype: string;
  /** Declared shape: numbers, symbolic names, or null for an unnamed unknown. */
  shape: ShapeDim[];
}

export interface InitializerInfo {
  name: string;
  dtype: string;
  dims: number[];
  elementCount: number;
  bytes: number;
  zeros: number;
  /** zeros / elementCount. */
  sparsity: number;
  /** True when stored in an external data file. */
  external: boolean;
  /** Stored as a sparse_initializer in the file. */
  sparseStored: boolean;
}

export interface ModelInfo {
  path: string;
  sha256: string;
  fileBytes: number;
  parameterCount: number;
  weightBytes: number;
  /** Nodes in the main graph. */
  opCount: number;
  opHistogram: Record<string, number>;
  irVersion: number;
  opsets: { domain: string; version: number }[];
  producer: string;
  inputs: TensorInfo[];
  outputs: TensorInfo[];
  initializers: InitializerInfo[];
}

export type GraphOptimizationLevel = 'disabled' | 'basic' | 'extended' | 'all';

export type PruneScope = 'layer' | 'global';

export interface ProfileSettings {
  eps: string[];
  threads: number;
  batch: number;
  dims: Record<string, number>;
  shapes: Record<string, number[]>;
  inputValues: Record<string, number>;
  warmupRuns: number;
  timedRuns: number;
  minTimeMs: number;
  profiledRuns: number;
  graphOptimizationLevel: GraphOptimizationLevel;
  seed: number;
  pruneSparsities: number[];
  pruneScope: PruneScope;
  samplePeriodMs: number;
}

export interface BackendStatus {
  /** edgescope's EP name: 'cpu', 'webgpu', 'cuda', 'tensorrt', 'dml', 'coreml'. */
  ep: string;
  available: boolean;
  /** Why it cannot run here; present exactly when available is false. */
  reason?: string;
  /** Shipped inside this onnxruntime-node build. */
  bundled: boolean;
}

export interface LayerSparsity {
  initializer: string;
  node: string;
  opType: string;
  elementCount: number;
  zeros: number;
  sparsity: number;
  targetSparsity: number;
}

export interface LatencyStats {
  median: number;
  mean: number;
  p90: number;
  p99: number;
  min: number;
  max: number;
  stddev: number;
  n: number;
  /** Distribution-free 95% confidence interval of the median (order statistics). */
  ci95: [number, number];
}

export interface OpPhases {
  memoryUs: number;
  computeUs: number;
  /** Fixed per-op cost plus whatever the roofline model does not explain (stallUs). */
  overheadUs: number;
  /** The unexplained part of overheadUs: t - t0 - max(T_m, T_c), never negative. */
  stallUs: number;
}

export interface OpReport {
  name: string;
  opType: string;
  provider: string;
  /** Median kernel time over the profiled runs. */
  durUs: number;
  /**
   * Where durUs comes from: 'host' is the kernel_time event (the whole op on the CPU EP, only
   * the dispatch on an asynchronous EP), 'device' the GPU's timestamps (WebGPU).
   */
  timing: 'host' | 'device';
  durUsPerRun: number[];
  /** Median start offset from the start of its run. */
  startOffsetUs: number;
  inputShapes: number[][];
  outputShapes: number[][];
  inputTypes: string[];
  /** null when edgescope has no FLOP model for this op type. */
  flops: number | null;
  /** Logical bytes moved: parameters + activations + outputs. */
  bytes: number;
  parameterBytes: number;
  activationBytes: number;
  outputBytes: number;
  /** flops / bytes; null when flops is. */
  intensity: number | null;
  phases: OpPhases;
  bound: 'memory' | 'compute' | 'unknown';
  /** Memory level whose bandwidth T_m used. */
  memoryLevel: 'dram' | 'cache';
  /** max(T_m, T_c) / (t - t0) before any clamping; null when not modelled. */
  eta: number | null;
  /** Reasons the split is less trustworthy (short op, overhead-dominated, eta out of range, unmodelled). */
  lowConfidence: string[];
}

export interface TimelineSpan {
  /** Index into the run's `ops`. */
  op: number;
  /** Index of the profiled run the span belongs to. */
  run: number;
  startMs: number;
  durMs: number;
}

export interface RunWindow {
  startMs: number;
  endMs: number;
}

export interface CounterSeries {
  name: string;
  unit: string;
  available: boolean;
  reason?: string;
  /** [tMs, value] on the job clock. */
  samples?: [number, number][];
  source: string;
}

export interface ProviderShare {
  /** onnxruntime's provider name, e.g. 'CPUExecutionProvider'. */
  provider: string;
  ops: number;
  /** Sum of the ops' median durations. */
  durUs: number;
  /** durUs over all ops' durUs. */
  share: number;
}

/** Where the ops of a run executed: per provider, what fell back from the run's EP, and host<->device copies. */
export interface Placement {
  byProvider: ProviderShare[];
  /** Ops that ran on another provider than the run's EP (CPU fallbacks). */
  fallbackOps: string[];
  /** Memcpy nodes (host<->device copies). */
  copies: { ops: number; durUs: number; bytes: number };
}

export interface RunReport {
  ep: string;
  threads: number;
  batch: number;
  inputs: { name: string; dtype: string; dims: number[] }[];
  sessionCreateMs: number;
  firstRunMs: number;
  warmupRuns: number;
  latencyMs: LatencyStats;
  /** Every timed run's latency, in order. */
  latenciesMs: number[];
  throughputPerSec: number;
  timedWindow: RunWindow;
  profiledRuns: RunWindow[];
  ops: OpReport[];
  spans: TimelineSpan[];
  counters: CounterSeries[];
  totals: { opUs: number; memoryUs: number; computeUs: number; overheadUs: number };
  placement: Placement;
  ceilings: Ceilings;
}

export interface Verification {
  baseline: string;
  ep: string;
  maxAbsError: number;
  meanAbsError: number;
  cosine: number;
  /** Fraction of rows (batch items) whose arg-max agrees with the baseline. */
  top1Agreement: number;
  comparedOutputs: string[];
  samples: number;
}

export interface VariantReport {
  id: string;
  modelPath: string;
  modelSha256: string;
  fileBytes: number;
  /** Achieved sparsity over the prunable weights (0 for the dense variant's own zeros excluded). */
  sparsity: number;
  targetSparsity: number | null;
  weightBytes: number;
  layers: LayerSparsity[];
  runs: RunReport[];
  /** Every variant but dense. */
  verification?: Verification;
  /** Backends this variant failed on, with the reason. */
  failures: { ep: string; error: string }[];
}

export interface OpComparison {
  name: string;
  opType: string;
  baselineDurUs: number | null;
  candidateDurUs: number | null;
  baselinePhases: OpPhases | null;
  candidatePhases: OpPhases | null;
  /** baseline / candidate; null when either side lacks the op. */
  speedup: number | null;
}

export interface Comparison {
  baseline: string;
  candidate: string;
  /** EP of the candidate run (and of the baseline unless baselineEp says otherwise). */
  ep: string;
  baselineEp: string;
  batch: number;
  threads: number;
  baselineMedianMs: number;
  candidateMedianMs: number;
  /** baseline median / candidate median: > 1 means the candidate is faster. */
  speedupMedian: number;
  /** Bootstrap 95% interval of the median ratio. */
  ci95: [number, number];
  /** The interval excludes 1. */
  significant: boolean;
  baselineFileBytes: number;
  candidateFileBytes: number;
  ops: OpComparison[];
}
