/**
 * The one API the renderer speaks, whatever carries it: Electron IPC in the app,
 * a loopback WebSocket bridge in browser tests, direct calls in Node tests.
 *
 * Two verbs, kept apart: a call (one JSON-safe request object in, one JSON-safe
 * result out) and an event stream (progress and completion of jobs). Errors cross
 * as ApiError {code, message}. Every request is validated by validateRequest()
 * (src/shared/api-validate.ts) before the engine sees it.
 */
import type { DeviceInventory } from './devices';
import type { BackendStatus, Comparison, GraphOptimizationLevel, ModelInfo, PruneScope, Report, Verification } from './report';

export interface DemoModel {
  id: string;
  title: string;
  description: string;
  path: string;
}

export interface RecentModel {
  path: string;
  openedAt: string;
}

/** What the app shows after opening a model (same shape as report.model). */
export type ModelSummary = ModelInfo;

export interface ProfileRequest {
  modelPath: string;
  /** EP names, e.g. ['cpu'] or ['cpu', 'webgpu']. Default ['cpu']. */
  eps?: string[];
  threads?: number;
  batch?: number;
  /** Symbolic dimension values by name. */
  dims?: Record<string, number>;
  /** Whole shapes by input name. */
  shapes?: Record<string, number[]>;
  /** Fill an input with a constant. */
  inputValues?: Record<string, number>;
  warmup?: number;
  runs?: number;
  /** Keep timing until this much time has passed (at least `runs` runs). */
  minTimeMs?: number;
  profiledRuns?: number;
  /** Pruned variants to build and compare with dense, each a sparsity in [0, 1). */
  prune?: number[];
  /** 'layer' (default): every prunable layer reaches the sparsity; 'global': one magnitude threshold across layers. */
  pruneScope?: PruneScope;
  graphOptimizationLevel?: GraphOptimizationLevel;
  seed?: number;
  /** Also run each pruned variant hybrid, ORT plus sparse kernels, as `pruned-S+sparse` (docs/hybrid-execution.md). */
  sparse?: boolean;
  /** Force a layer (node name) onto the sparse kernel or ORT dense in hybrid runs, overriding the measured policy. */
  sparseLayers?: Record<string, 'sparse' | 'dense'>;
  /**
   * The hybrid policy's break-even cache (docs/hybrid-execution.md): 'use' (default) reuses cached layer timings and the
   * break-even table, 'recalibrate' times every layer again and refreshes the cache, 'off' times every layer and keeps nothing.
   */
  sparseCache?: SparseCacheMode;
  /** Options per EP, e.g. { webgpu: { preferred_layout: 'NHWC' } } (names: engine/run/ep-options.ts). */
  epOptions?: Record<string, Record<string, number | boolean | string | string[]>>;
  /** An input-set file (docs/verification.md): variants are verified on its samples (and labels) instead of random inputs. */
  dataPath?: string;
  /** Compressed variants (ONNX files, e.g. from `edgescope compress`) profiled next to dense; id = file name without .onnx. */
  variantPaths?: string[];
  /** A compression recipe (docs/compression.md): one variant built from it, id `recipe-<file name>`. */
  recipePath?: string;
  /** Flush the last-level cache before each timed run and alternate warm and cold profiled runs: cold vs warm per op (docs/attribution.md). */
  coldCache?: boolean;
}

export type SparseCacheMode = 'use' | 'recalibrate' | 'off';

export type JobStage = 'prepare' | 'ceilings' | 'compress' | 'run' | 'analyse' | 'report';

export interface JobProgress {
  jobId: string;
  stage: JobStage;
  /** Overall progress in [0, 1]. */
  fraction: number;
  message: string;
}

export interface ApiError {
  /** Stable machine-readable code, e.g. 'E_MODEL_NOT_FOUND', 'E_BAD_REQUEST', 'E_CANCELLED'. */
  code: string;
  message: string;
}

/**
 * 'json' the report itself, 'html' the self-contained page, 'trace' Chrome trace format, 'md' and 'tex'
 * the paper tables with the reproducibility block, 'csv' the runs table and 'ops-csv' the ops table
 * (full precision, units in the column names).
 */
export type ExportFormat = 'json' | 'html' | 'pdf' | 'trace' | 'md' | 'tex' | 'csv' | 'ops-csv';

export const EXPORT_FORMATS: readonly ExportFormat[] = ['json', 'html', 'pdf', 'trace', 'md', 'tex', 'csv', 'ops-csv'];

/** One run of a report: a variant on an EP. */
export interface RunRef {
  variant: string;
  ep: string;
}

export interface ExportedFile {
  fileName: string;
  mimeType: string;
  /** The file's text, or its bytes in base64 when `encoding` says so (PDF). */
  content: string;
  encoding?: 'base64';
}

/** Who made a run of the history. */
export type HistorySource = 'app' | 'cli' | 'sweep';

/** One run of the workspace's history (src/main/engine/history; docs/history.md). */
export interface HistoryEntry {
  /** The run's folder name under WORKSPACE/runs; also the job id openRun registers it under. */
  id: string;
  /** The report's generatedAt (ISO 8601). */
  createdAt: string;
  source: HistorySource;
  /** The model's file name. */
  model: string;
  modelPath: string;
  modelSha256: string;
  variants: string[];
  backends: string[];
  batch: number;
  threads: number;
  runs: { variant: string; ep: string; medianMs: number }[];
  commandLine?: string[];
}

/** listRuns filters, combined with AND: part of the model's file name, a variant id, an EP, a date range (ISO dates or times, inclusive). */
export interface HistoryFilter {
  model?: string;
  variant?: string;
  backend?: string;
  from?: string;
  to?: string;
}

/** One run (variant@EP) of one history run. */
export interface HistoryRunRef extends RunRef {
  runId: string;
}

/**
 * A sweep to start from the app: a sweep file, or a spec given inline (the app's small form; the engine
 * saves it as OUTDIR/sweep.json so the sweep can be resumed from the command line), and the results folder.
 */
export interface SweepRequest {
  sweepFile?: string;
  /** A sweep spec with the keys of a sweep file (docs/sweeps.md); model paths absolute. */
  spec?: Record<string, unknown>;
  outDir: string;
  /** Rerun cells that failed before. */
  retryFailed?: boolean;
}

/** One cell of a sweep's results.json, as the app lists it. */
export interface SweepCellSummary {
  key: string;
  model: string;
  variant: string;
  ep: string;
  batch: number;
  threads: number;
  status: 'ok' | 'failed';
  error?: string;
  /** The cell's report.json relative to the sweep folder. */
  report?: string;
  medianMs?: number;
  sparsity?: number;
  /** Top-1 agreement with the dense model, when the cell was verified (results.json `verification`). */
  agreement?: number;
  /** Accuracy on the sweep's labelled input set, when it has one. */
  accuracy?: number;
}

/** A chart as a standalone SVG document. */
export interface SvgChart {
  id: string;
  title: string;
  svg: string;
}

/** A sweep folder's results with its dataset views (src/main/engine/sweep/views.ts). */
export interface SweepOverview {
  dir: string;
  total: number;
  complete: boolean;
  cells: SweepCellSummary[];
  charts: SvgChart[];
}

export interface SweepProgressEvent {
  sweepId: string;
  /** Cells finished in this run / to do in this run. */
  done: number;
  todo: number;
  /** Overall progress of this run, 0..1. */
  fraction: number;
  /** Estimated remaining time; null until there is enough to go on. */
  etaMs: number | null;
  cell: string;
  message: string;
}

/**
 * A compression recipe as JSON, the format of a recipe file (docs/compression.md). The engine's recipe
 * module checks it (every problem one line naming the entry); the app builds and saves these.
 */
export interface RecipeJson {
  description?: string;
  default?: { sparsity?: number; granularity?: string; norm?: 'l1' | 'l2' };
  layers?: { name: string; sparsity?: number; granularity?: string; norm?: 'l1' | 'l2' }[];
  keepFirst?: boolean;
  keepLast?: boolean;
  quantize?: string | { mode: string; blockSize?: number };
  shareWeights?: number | { bits: number };
  thin?: boolean;
}

/** Weight bytes of one layer (or the total) in the formats the compression panel compares. */
export interface PreviewBytes {
  /** The dense fp32 weight of the original model. */
  denseFp32Bytes: number;
  /** CSR with 16-bit column indices of the compressed weight: 6 nnz + 4 (rows + 1). */
  csr16Bytes: number;
  /** b-bit indices of the nonzeros plus the codebook, when the recipe shares weights. */
  sharedBytes?: number;
  /** The quantized weight's initializers (values, scales, zero points), when the recipe quantizes the layer. */
  quantizedBytes?: number;
}

/** One prunable layer of a compression preview. */
export interface PreviewLayer extends PreviewBytes {
  /** The weight initializer. */
  name: string;
  node: string;
  opType: string;
  /** The original weight's shape; `shape` after thinning when it removed structures. */
  shape: number[];
  thinnedShape?: number[];
  params: number;
  /** The recipe's target for this layer; null when the layer stays dense. */
  targetSparsity: number | null;
  granularity?: string;
  nnz: number;
  /** Achieved: 1 - nnz / params (of the original shape, so thinning counts as zeros). */
  sparsity: number;
  /** Why thinning or quantization left this layer as it was. */
  notes?: string[];
}

export interface CompressionPreview {
  modelPath: string;
  /** Stages the recipe applies, in order: prune, thin, share, quantize. */
  stages: string[];
  layers: PreviewLayer[];
  totals: PreviewBytes & { params: number; nnz: number; sparsity: number };
}

/**
 * A weight's zero pattern, down-sampled (compress/views/zero-pattern.ts): the matrix view (one row per
 * output feature, columns = fan-in) cut into cells at `rowEdges` x `colEdges`, each with its exact
 * count of nonzeros, row-major. A small matrix has one cell per weight.
 */
export interface ZeroPattern {
  rows: number;
  cols: number;
  rowEdges: number[];
  colEdges: number[];
  nonzeros: number[];
}

export interface HistogramCounts {
  /** Nonzero weights per bin. */
  counts: number[];
  /** Exact zeros (and weights thinning removed), apart from the bins. */
  zeros: number;
  total: number;
}

/** Weight histograms on shared bin edges over [-max|w|, max|w|] of the dense weight (compress/views/histogram.ts). */
export interface WeightHistogram {
  edges: number[];
  /** The dense weight. */
  before: HistogramCounts;
  /** The compressed weight, when there is one to compare. */
  after?: HistogramCounts;
}

/** One layer's views in the compression panel: its zero pattern after the recipe, and its weights before and after. */
export interface LayerViews {
  /** The weight initializer. */
  name: string;
  opType: string;
  shape: number[];
  zeroPattern: ZeroPattern;
  histogram: WeightHistogram;
}

export interface CompressModelResult {
  /** The written variant. */
  path: string;
  fileBytes: number;
  denseFileBytes: number;
  stages: string[];
  /** Sparsity over the pruned layers' weights. */
  sparsity: number;
  verification: Verification;
}

/** Vendor tools whose recorded measurements import as reports (docs/accelerators.md). */
export const VENDOR_IMPORT_FORMATS = ['openvino', 'tflite'] as const;
export type VendorImportFormat = (typeof VENDOR_IMPORT_FORMATS)[number];

/** A vendor tool's output file imported into the run history (`edgescope import FILE --format ...` from the app). */
export interface ImportVendorRequest {
  /** OpenVINO benchmark_app's report (CSV or -json_stats) or TFLite benchmark_model's --enable_op_profiling output. */
  file: string;
  format: VendorImportFormat;
  /** The ONNX model the vendor model was made from: gives each matching op its FLOPs and bytes. */
  modelPath?: string;
  /** The device, when the file does not name it (e.g. MYRIAD, edgetpu). */
  device?: string;
}

export interface ImportVendorResult {
  /** The run's id in the history; it also works as a jobId (getReport, exportReport, compareRuns). */
  runId: string;
  /** Its one run's backend is `<tool>:<device>`, e.g. openvino:MYRIAD. */
  report: Report;
  /** Set when the report was written but could not be indexed in the history. */
  historyError?: string;
}

/** Calls: method name -> request and result types. */
export interface ApiCalls {
  listDemoModels: { req: Record<string, never>; res: DemoModel[] };
  recentModels: { req: Record<string, never>; res: RecentModel[] };
  openModel: { req: { path: string }; res: ModelSummary };
  /** A model dropped into a browser page (no file path): its bytes, base64. */
  importModel: { req: { fileName: string; dataBase64: string }; res: ModelSummary };
  listBackends: { req: Record<string, never>; res: BackendStatus[] };
  startProfile: { req: ProfileRequest; res: { jobId: string } };
  cancelJob: { req: { jobId: string }; res: { cancelled: boolean } };
  getReport: { req: { jobId: string }; res: Report };
  exportReport: { req: { jobId: string; format: ExportFormat }; res: ExportedFile };
  /** Any two runs of a finished job compared (the report holds each variant vs dense only). */
  compareRuns: { req: { jobId: string; baseline: RunRef; candidate: RunRef }; res: Comparison };
  /** CPU, memory, GPUs, recognised accelerators and the EPs that could drive each (`edgescope devices --json`). */
  listDevices: { req: Record<string, never>; res: DeviceInventory };
  /** The workspace's run history, newest first. */
  listRuns: { req: HistoryFilter; res: HistoryEntry[] };
  /** A history run's report; afterwards its id works as a jobId (getReport, exportReport, compareRuns). */
  openRun: { req: { runId: string }; res: Report };
  /** Deletes a history run and its files. */
  deleteRun: { req: { runId: string }; res: { deleted: boolean } };
  /** Any two runs of any two history runs compared (compareRuns compares within one report). */
  compareHistoryRuns: { req: { baseline: HistoryRunRef; candidate: HistoryRunRef }; res: Comparison };
  /** Starts a sweep; progress and the end come as sweep* events. */
  startSweep: { req: SweepRequest; res: { sweepId: string } };
  cancelSweep: { req: { sweepId: string }; res: { cancelled: boolean } };
  /** A sweep folder's results.json and its dataset views. */
  readSweep: { req: { dir: string }; res: SweepOverview };
  /** A sweep cell's report; afterwards `jobId` names it for getReport, exportReport and compareRuns. */
  openSweepCell: { req: { dir: string; key: string }; res: { jobId: string; report: Report } };
  /** Per-layer sparsity and sizes the recipe would give the model, computed in memory (nothing written). */
  previewCompression: { req: { modelPath: string; recipe: RecipeJson }; res: CompressionPreview };
  /** Builds, verifies and writes the variant (default: WORKSPACE/variants/<model>.recipe-<hash>.onnx). */
  compressModel: { req: { modelPath: string; recipe: RecipeJson; outPath?: string }; res: CompressModelResult };
  /** One layer's zero-pattern heat map (at most maxCells x maxCells, default 128) and weight histograms under the recipe. */
  compressionLayerViews: { req: { modelPath: string; recipe: RecipeJson; layer: string; maxCells?: number }; res: LayerViews };
  /** Imports a vendor tool's recorded measurements as a report and records it in the run history. */
  importVendorReport: { req: ImportVendorRequest; res: ImportVendorResult };
}

export type ApiMethod = keyof ApiCalls;
export type ApiRequest<M extends ApiMethod> = ApiCalls[M]['req'];
export type ApiResult<M extends ApiMethod> = ApiCalls[M]['res'];

/** Events: name -> payload. */
export interface ApiEvents {
  jobProgress: JobProgress;
  jobDone: { jobId: string; report: Report };
  jobFailed: { jobId: string; error: ApiError };
  /** A USB device appeared or went away (debounced); call listDevices for the new inventory. */
  devicesChanged: Record<string, never>;
  sweepProgress: SweepProgressEvent;
  sweepDone: { sweepId: string; overview: SweepOverview };
  sweepFailed: { sweepId: string; error: ApiError };
}

export type ApiEventName = keyof ApiEvents;

/** The engine side of the contract; every transport adapts this one interface. */
export interface EngineApi {
  call<M extends ApiMethod>(method: M, req: ApiRequest<M>): Promise<ApiResult<M>>;
  on<E extends ApiEventName>(event: E, listener: (payload: ApiEvents[E]) => void): () => void;
}

export const API_METHODS: readonly ApiMethod[] = [
  'listDemoModels',
  'recentModels',
  'openModel',
  'importModel',
  'listBackends',
  'startProfile',
  'cancelJob',
  'getReport',
  'exportReport',
  'compareRuns',
  'listDevices',
  'listRuns',
  'openRun',
  'deleteRun',
  'compareHistoryRuns',
  'startSweep',
  'cancelSweep',
  'readSweep',
  'openSweepCell',
  'previewCompression',
  'compressModel',
  'compressionLayerViews',
  'importVendorReport',
] as const;

export const API_EVENTS: readonly ApiEventName[] = [
  'jobProgress',
  'jobDone',
  'jobFailed',
  'devicesChanged',
  'sweepProgress',
  'sweepDone',
  'sweepFailed',
] as const;

/** Channel names used by the Electron IPC binding. */
export const IPC_CALL_CHANNEL = 'edgescope:call';
export const IPC_EVENT_CHANNEL = 'edgescope:event';
