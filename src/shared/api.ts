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
import type { BackendStatus, Comparison, GraphOptimizationLevel, ModelInfo, PruneScope, Report } from './report';

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
}

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
export type ExportFormat = 'json' | 'html' | 'trace' | 'md' | 'tex' | 'csv' | 'ops-csv';

export const EXPORT_FORMATS: readonly ExportFormat[] = ['json', 'html', 'trace', 'md', 'tex', 'csv', 'ops-csv'];

/** One run of a report: a variant on an EP. */
export interface RunRef {
  variant: string;
  ep: string;
}

export interface ExportedFile {
  fileName: string;
  mimeType: string;
  content: string;
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
] as const;

export const API_EVENTS: readonly ApiEventName[] = ['jobProgress', 'jobDone', 'jobFailed', 'devicesChanged'] as const;

/** Channel names used by the Electron IPC binding. */
export const IPC_CALL_CHANNEL = 'edgescope:call';
export const IPC_EVENT_CHANNEL = 'edgescope:event';
