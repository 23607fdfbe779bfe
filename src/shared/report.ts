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
  /** Present when the measurements were imported from a vendor tool rather than run by edgescope. */
  source?: ReportSource;
  /** The conditions the runs ran under (every profile job writes it; absent in reports written before it). */
  environment?: EnvironmentInfo;
}

/** A field that could not be read says why, e.g. 'unavailable: no cpufreq in sysfs (a VM?)'. */
export type Unavailable = `unavailable: ${string}`;

export interface TemperatureReading {
  /** hwmon chip and label ('coretemp Package id 0') or thermal zone type ('x86_pkg_temp'). */
  sensor: string;
  celsius: number;
}

/**
 * What could make the same model run faster or slower on another day: the CPU's frequency
 * policy and temperature, the power source, the software and drivers, and exactly which
 * model files ran. Read when the runs finished.
 */
export interface EnvironmentInfo {
  collectedAt: string;
  /** cpufreq scaling governor, e.g. 'performance'; CPUs that differ are listed as 'cpu0 performance, cpu4 powersave'. */
  cpuGovernor: string | Unavailable;
  /** cpu0's scaling frequencies, MHz. */
  cpuFrequencyMhz: { current: number | Unavailable; min: number | Unavailable; max: number | Unavailable };
  /** Every hwmon temperature input and thermal zone. */
  temperatures: TemperatureReading[] | Unavailable;
  /** 'ac' when a mains supply is online, 'battery' when discharging. */
  powerSource: 'ac' | 'battery' | Unavailable;
  onnxruntimeVersion: string;
  /** The execution providers profiled. */
  eps: string[];
  /** Kernel drivers of the display devices (DRM), e.g. ['card0: i915']. */
  gpuDrivers: string[] | Unavailable;
  /** Installed Vulkan drivers (ICD manifests) with their API versions: what the WebGPU EP can run on. */
  vulkanDrivers: string[] | Unavailable;
  /** sha256 of each variant's model file, by variant id. */
  modelSha256: Record<string, string>;
}

/**
 * Where an imported report's numbers come from. Op times are the tool's per-layer averages,
 * laid end to end: they are not traced spans, and the timeline's gaps and overlaps are not real.
 */
export interface ReportSource {
  kind: 'imported';
  /** 'openvino-benchmark_app' or 'tflite-benchmark_model'. */
  tool: string;
  /** 'openvino' | 'tflite'. */
  format: string;
  /** The imported file(s). */
  files: string[];
  /** The device the tool ran on, as it names it ('MYRIAD', 'edgetpu', 'CPU'). */
  device: string;
  /** True when edgescope launched the tool itself (`import --run`). */
  launched: boolean;
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
  /** Also run each pruned variant as `pruned-S+sparse` (ORT + sparse kernels); absent: not asked. */
  sparse?: boolean;
  /** Per-layer policy overrides by node name (hybrid runs). */
  sparseLayers?: Record<string, 'sparse' | 'dense'>;
  /** The hybrid policy's break-even cache mode when not 'use' (the default). */
  sparseCache?: 'recalibrate' | 'off';
  /** Options per EP as validated (engine/run/ep-options.ts); absent when none were given. */
  epOptions?: Record<string, Record<string, number | boolean | string | string[]>>;
  /** Cold-cache mode: the last-level cache flushed before each timed run; profiled runs alternate warm and cold. */
  coldCache?: boolean;
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
  /**
   * Timed runs at the start of `latenciesMs` left out of these statistics as warm-up (steady-state
   * detection: the prefix before a rolling median settles). Absent in reports written before it.
   */
  warmupDiscarded?: number;
  /** False when the latencies never settled within the first half of the runs (nothing discarded; they drift). */
  steady?: boolean;
  /** Indices into `latenciesMs` of far-out runs (beyond Q1 - 3 IQR or Q3 + 3 IQR of the steady runs): flagged, kept. */
  outlierRuns?: number[];
}

export interface OpPhases {
  memoryUs: number;
  computeUs: number;
  /** Fixed per-op cost plus whatever the roofline model does not explain (stallUs). */
  overheadUs: number;
  /** The unexplained part of overheadUs: t - t0 - max(T_m, T_c), never negative. */
  stallUs: number;
}

/** An op's stallUs split by top-down fractions from perf counters (docs/counters.md). */
export interface StallSplit {
  backendUs: number;
  frontendUs: number;
  otherUs: number;
}

/** Shares of the profiled runs' cycles stalled in the back end / front end, or why there are none. */
export type TopDownFractions =
  | { available: true; backendBound: number | null; frontendBound: number | null; cycles: number; coveredMs: number }
  | { available: false; reason: string };

export interface OpReport {
  name: string;
  opType: string;
  /** phases.stallUs split by the run's stall-counter fractions (RunReport.topDown); absent without them. */
  stallSplit?: StallSplit;
  /**
   * The model's node this optimized-graph node executes (ORT renames what it fuses or rewrites: 'fused
   * conv1', 'r1_nchwc'); absent when it could not be mapped, or in reports written before it.
   */
  sourceNode?: string;
  /** Imported reports: the vendor tool's own layer type when opType was taken from the ONNX model. */
  vendorOpType?: string;
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
  lowConfidence: string[];  /** Present for a sparse-kernel layer of a hybrid run (variant `pruned-S+sparse`); absent for onnxruntime ops. */
  sparse?: SparseOpInfo;
}

/** What a sparse-kernel op multiplied: its stored matrix's exact bytes, nonzeros and product rows. */
export interface SparseOpInfo {
  /** 'csr32', 'csr16' or 'bsr'. */
  format: string;
  rows: number;
  cols: number;
  nnz: number;
  /** Product rows per inference (batch, or batch x pixels for a 1x1 Conv). */
  batch: number;
  /** The stored matrix: values + indices + row pointers (SparseMatrix.bytes). */
  matrixBytes: number;
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
  /** perf.* series: how they were counted ('perf_event_open' addon or 'perf stat') and why that route. */
  route?: 'perf_event_open' | 'perf stat';
  routeReason?: string;
  /** perf_event_open: lowest share of an interval the event was on a counter (< 1: multiplexed, scaled). */
  runningFraction?: number;
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
  /** Stall-counter fractions over the profiled runs, splitting each op's stallUs (absent in older reports). */
  topDown?: TopDownFractions;
  totals: { opUs: number; memoryUs: number; computeUs: number; overheadUs: number };
  placement: Placement;
  ceilings: Ceilings;
  /** Energy per inference from each power source sampled during the timed runs (absent in older reports). */
  energy?: EnergyEstimate[];
  /** Whether the CPU throttled during the run, from frequency, temperature and throttle counters (absent in older reports). */
  throttling?: ThrottlingVerdict | Unavailable;
  /** Present when the run was profiled with cold caches (`coldCache`): the flush, and cold vs warm per op. */
  coldCache?: ColdCacheReport;
}

/** Energy of the timed runs from one power series, or why it has none. */
export interface EnergyEstimate {
  /** The counter series it comes from, e.g. 'power.rapl.package-0', 'power.battery', 'gpu0.power'. */
  series: string;
  /** Where that series is read (sysfs path, nvidia-smi). */
  source: string;
  /** Average power over the sampled part of the timed window x the window: joules for all timed runs. */
  joules?: number;
  joulesPerInference?: number;
  averageW?: number;
  /** How much of the timed window the samples cover. */
  coveredMs?: number;
  windowMs?: number;
  /** Present when this source gives no estimate. */
  unavailable?: Unavailable;
}

export interface ThrottlingVerdict {
  throttled: boolean;
  /** What each signal showed during the run, one sentence each (frequency, temperature, throttle counters). */
  evidence: string[];
}

/** Cold-cache mode: the last-level cache flushed before each timed and cold profiled run. */
export interface ColdCacheReport {
  /** Bytes streamed per flush (2-4x the last-level cache). */
  flushBytes: number;
  lastLevelCacheBytes: number;
  flushes: number;
  /** Median time of one flush; never part of any latency. */
  flushMedianMs: number;
  /** Profiled runs with warm caches and with flushed caches (they alternate). */
  warmRuns: number;
  coldRuns: number;
  ops: ColdWarmOp[];
  /** Sums over ops of the medians. */
  totals: { warmUs: number; coldUs: number; dramUs: number };
}

export interface ColdWarmOp {
  /** Index into the run's `ops`. */
  op: number;
  name: string;
  warmUs: number;
  coldUs: number;
  /** cold - warm, at least 0: the time spent fetching from DRAM what a warm run found in cache. */
  dramUs: number;
  /** dramUs / coldUs. */
  dramShare: number;
  /** Mann-Whitney U two-sided p-value of cold vs warm per-run durations; null with fewer than 3 runs of either. */
  pValue: number | null;
}

export interface Verification {
  baseline: string;
  ep: string;
  maxAbsError: number;
  meanAbsError: number;
  cosine: number;
  /** Fraction of rows (batch items) whose arg-max agrees with the baseline. */
  top1Agreement: number;
  /** Fraction of rows whose baseline arg-max is among the candidate's 5 highest scores (absent in older reports). */
  top5Agreement?: number;
  comparedOutputs: string[];
  samples: number;
  /** What the outputs were computed on: seeded random inputs or a user's input set (`--data`); absent in older reports. */
  inputs?: 'random' | 'input-set';
  /** The input-set file, when `inputs` is 'input-set'. */
  dataPath?: string;
  /** With labels: fraction of rows the baseline classifies correctly. */
  baselineAccuracy?: number;
  /** With labels: fraction of rows the candidate classifies correctly. */
  candidateAccuracy?: number;
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
  failures: { ep: string; error: string }[];  /** Present for a `pruned-S+sparse` variant: how the pruned model was run on ORT plus sparse kernels. */
  hybrid?: HybridReport;
}

/** Hybrid execution of a pruned model (docs/hybrid-execution.md): ORT segments plus sparse-kernel layers. */
export interface HybridReport {
  /** The pruned variant whose model this variant runs. */
  baseVariant: string;
  /** 'hybrid': split and run; 'ort-fallback': the model could not be split and ran whole on ORT; 'unavailable': no sparse kernels. */
  mode: 'hybrid' | 'ort-fallback' | 'unavailable';
  /** Why the mode is not 'hybrid', or why a 'hybrid' run has no sparse layer. */
  reason?: string;
  /** The sparse kernels' build (SIMD, compiler); empty when unavailable. */
  kernelBuildInfo: Record<string, string>;
  /** Execution order: ORT segments and sparse layers, with the source nodes each runs. */
  steps: { kind: 'ort' | 'sparse'; name: string; nodes: string[] }[];
  /** The policy's choice for each candidate layer, with the measured times behind it. */
  decisions: HybridLayerDecision[];
  /** MatMul/Gemm/Conv/LSTM layers that are not candidates, and why. */
  rejected: { node: string; opType: string; reason: string }[];
  /**
   * The policy's chosen cut timed against the pruned model whole on ORT while planning (median us per
   * inference): layers that win alone can lose together, as every cut adds an ORT call. null: not compared
   * (no layer chosen sparse, or one forced sparse by the user).
   */
  wholeModelCheck: { hybridUs: number; ortUs: number } | null;
  /** Hybrid outputs against ORT running the same pruned model (first run's inputs): max |diff| and that over max |ORT|. */
  check: { maxAbsError: number; maxRelError: number; comparedOutputs: string[] } | null;
}

export interface HybridLayerDecision {
  node: string;
  opType: string;
  rows: number;
  cols: number;
  density: number;
  batch: number;
  choice: 'sparse' | 'dense';
  /** The user forced the choice. */
  forced: boolean;
  /** Median time of the layer alone on ORT dense and on the sparse kernel, at this run's batch. */
  denseUs: number | null;
  sparseUs: number | null;
  /**
   * Where the evidence came from: timed in this run, a cached measurement of the same layer shape, predicted
   * from the break-even table without timing, or none (absent in older reports).
   */
  basis?: 'timed' | 'cached' | 'predicted' | 'none';
  /**
   * The sparse storage format the layer is packed in when it goes sparse (`csr16`, `csr32`, `sell`): the
   * fastest of the candidates timed at this batch; absent when dense (and in older reports).
   */
  format?: string;
  reason: string;
}

export interface OpComparison {
  /** The baseline's op name (the candidate's when only the candidate has it). */
  name: string;
  opType: string;
  /** The model node both sides were aligned on, when the ops were mapped back to it. */
  sourceNode?: string;
  /** The candidate's op name when it differs from the baseline's (a different fusion or EP naming). */
  candidateName?: string;
  baselineDurUs: number | null;
  candidateDurUs: number | null;
  baselinePhases: OpPhases | null;
  candidatePhases: OpPhases | null;
  /** baseline / candidate; null when either side lacks the op. */
  speedup: number | null;
}

export interface MannWhitneyTest {
  /** U of the baseline sample. */
  u: number;
  /** Two-sided p-value. */
  p: number;
  /** 'exact' null distribution (small samples, no ties) or the tie-corrected 'normal' approximation. */
  method: 'exact' | 'normal';
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
  /** Two-sided Mann-Whitney U test of the two runs' steady-state latencies. Absent in reports written before it. */
  mannWhitney?: MannWhitneyTest;
  baselineFileBytes: number;
  candidateFileBytes: number;
  ops: OpComparison[];
}
