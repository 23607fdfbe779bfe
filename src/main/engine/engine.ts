/**
 * The engine: implements the API contract (src/shared/api.ts) on top of the job
 * pipeline. The CLI, the Electron host (over IPC) and the loopback bridge (over a
 * WebSocket) all talk to this one object. It never imports 'electron'.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, watch, type FSWatcher } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import type {
  ApiCalls,
  ApiEventName,
  ApiEvents,
  ApiMethod,
  ApiRequest,
  ApiResult,
  DemoModel,
  EngineApi,
  ExportedFile,
  ExportFormat,
  ProfileRequest,
  RecentModel,
  SweepRequest,
} from '../../shared/api';
import { validateRequest } from '../../shared/api-validate';
import { EdgescopeError, toApiError } from '../../shared/errors';
import { REPORT_SCHEMA_VERSION, type BackendStatus, type Report } from '../../shared/report';
import { compareRunPair } from './analysis/compare';
import { collectDeviceInventory, sysfsRootFromEnv } from './devices/inventory';
import { DEMO_MODELS, demoModelPath, ensureDemoModel } from './model/demo-models';
import { readModel } from './model/onnx-io';
import { summarizeModel } from './model/summary';
import { runProfileJob, type EngineEnv } from './profile-job';
import { printHtmlWithChromium } from './report/exports/pdf';
import { renderFile, type FileKind } from './report/exports/render';
import { packageRoot, toolVersion } from './files/package-root';
import { writeFileAtomic } from './files/write-atomic';
import { probeBackendsInNewWorker } from './run/backends';
import { compareHistoryRuns } from './history/compare';
import { RunHistory } from './history/index';
import { runSweep } from './sweep/run-sweep';
import { readResults } from './sweep/results';
import { sweepBaseDir, sweepHash, validateSweep } from './sweep/spec';
import { sweepOverview } from './sweep/views';
import { runImportJob } from './import/import-job';
import { defaultWorkerScriptPath, RunWorker } from './run/runner';
import { defaultVariantPath } from './compress/preview';
import type { EngineTask, EngineTaskResult } from './run/tasks';

export interface EngineOptions {
  workerScriptPath?: string;
  /** Where jobs keep their runs and imported models. */
  workspaceDir?: string;
  /** Machine ceilings, calibration and generated demo models. */
  cacheDir?: string;
  /** Folder of the bundled demo models (resources/models). */
  demoModelsDir?: string;
  samplePeriodMs?: number;
  /** The sysfs tree the device inventory reads and devicesChanged watches (default: EDGESCOPE_SYSFS_ROOT, else /sys). */
  sysfsRoot?: string;
  /** Prints report HTML to PDF (the app passes Electron's printToPDF; default: a headless Chromium or Chrome). */
  printPdf?: (html: string) => Promise<Uint8Array>;
}


export interface Engine extends EngineApi {
  dispose(): Promise<void>;
}

export { packageRoot, toolVersion };

export function defaultCacheDir(): string {
  const base = process.env.EDGESCOPE_CACHE_DIR ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'edgescope');
  return resolve(base);
}

export function defaultWorkspaceDir(): string {
  const base = process.env.EDGESCOPE_WORKSPACE ?? join(process.env.XDG_DATA_HOME ?? join(homedir(), '.local', 'share'), 'edgescope');
  return resolve(base);
}

export function engineEnv(options: EngineOptions = {}): EngineEnv & { demoDirs: { bundledDir: string; generatedDir: string } } {
  const cacheDir = options.cacheDir ?? defaultCacheDir();
  return {
    workerScriptPath: options.workerScriptPath ?? defaultWorkerScriptPath(),
    cacheDir,
    toolVersion: toolVersion(),
    samplePeriodMs: options.samplePeriodMs,
    workspaceDir: options.workspaceDir ?? defaultWorkspaceDir(),
    demoDirs: {
      bundledDir: options.demoModelsDir ?? join(packageRoot(), 'resources', 'models'),
      generatedDir: join(cacheDir, 'models'),
    },
  };
}

/** A demo model's path resolves to its (possibly generated-on-demand) file. */
export async function resolveModelPath(path: string, demoDirs: { bundledDir: string; generatedDir: string }): Promise<string> {
  const wanted = resolve(path);
  for (const spec of DEMO_MODELS) {
    if (resolve(demoModelPath(spec, demoDirs)) === wanted) return ensureDemoModel(spec, demoDirs);
  }
  return wanted;
}

interface Job {
  controller: AbortController;
  report?: Report;
}

const BACKEND_CACHE_MS = 30_000;
/** USB changes come in bursts (a device, then its interfaces; a Myriad re-enumerating after boot): one event per burst. */
const USB_DEBOUNCE_MS = 250;
/** sysfs delivers no inotify events for devices the kernel adds, so the listing is also polled while anyone listens. */
const USB_POLL_MS = 5_000;

/**
 * Calls onChange (debounced) whenever the listing of <sysfsRoot>/bus/usb/devices changes, until the
 * returned stop function is called. fs.watch gives immediate notice where the filesystem supports it
 * (a fake tree in tests; /sys itself does not report kernel-made entries); a 5 s poll of the listing
 * covers the rest, and a listing compared with the last one means no event without a change.
 */
export function watchUsbDevices(sysfsRoot: string, onChange: () => void): () => void {
  const dir = join(sysfsRoot, 'bus', 'usb', 'devices');
  const listing = (): string => {
    try {
      return readdirSync(dir).sort().join('\n');
    } catch {
      return '';
    }
  };
  let last = listing();
  let debounce: ReturnType<typeof setTimeout> | null = null;
  const check = (): void => {
    if (debounce) clearTimeout(debounce);
    debounce = setTimeout(() => {
      debounce = null;
      const now = listing();
      if (now === last) return;
      last = now;
      onChange();
    }, USB_DEBOUNCE_MS);
  };
  let watcher: FSWatcher | null = null;
  try {
    watcher = watch(dir, { persistent: false }, check);
    // A watched folder that goes away (a fake tree deleted) errors; the poll carries on.
    watcher.on('error', () => {
      watcher?.close();
      watcher = null;
    });
  } catch {
    watcher = null;
  }
  const poll = setInterval(check, USB_POLL_MS);
  poll.unref();
  return () => {
    clearInterval(poll);
    if (debounce) clearTimeout(debounce);
    watcher?.close();
  };
}
const MAX_RECENT = 12;

export function createEngine(options: EngineOptions = {}): Engine {
  const env = engineEnv(options);
  const workspaceDir = options.workspaceDir ?? defaultWorkspaceDir();
  const listeners = new Map<ApiEventName, Set<(payload: never) => void>>();
  const jobs = new Map<string, Job>();
  let backends: { at: number; value: Promise<BackendStatus[]> } | null = null;
  const sysfsRoot = options.sysfsRoot ?? sysfsRootFromEnv();
  const history = new RunHistory(workspaceDir);
  const sweeps = new Map<string, AbortController>();
  /** Runs exactly while devicesChanged has listeners. */
  let stopUsbWatch: (() => void) | null = null;

  function emit<E extends ApiEventName>(event: E, payload: ApiEvents[E]): void {
    for (const l of listeners.get(event) ?? []) (l as (p: ApiEvents[E]) => void)(payload);
  }

  const recentPath = join(workspaceDir, 'recent.json');
  function readRecent(): RecentModel[] {
    try {
      return JSON.parse(readFileSync(recentPath, 'utf8')) as RecentModel[];
    } catch {
      return [];
    }
  }
  async function remember(path: string): Promise<void> {
    const list = [{ path, openedAt: new Date().toISOString() }, ...readRecent().filter((r) => r.path !== path)].slice(0, MAX_RECENT);
    await writeFileAtomic(recentPath, JSON.stringify(list, null, 1));
  }

  async function openModel(path: string) {
    const resolved = await resolveModelPath(path, env.demoDirs);
    const summary = summarizeModel(readModel(resolved));
    await remember(resolved);
    return summary;
  }

  function job(jobId: string): Job {
    const j = jobs.get(jobId);
    if (!j) throw new EdgescopeError('E_NOT_FOUND', `no job ${jobId}`);
    return j;
  }

  function finishedReport(jobId: string): Report {
    const report = job(jobId).report;
    if (!report) throw new EdgescopeError('E_NOT_FOUND', `job ${jobId} has no report (still running, failed or cancelled)`);
    return report;
  }

  async function startProfile(request: ProfileRequest): Promise<{ jobId: string }> {
    const modelPath = await resolveModelPath(request.modelPath, env.demoDirs);
    const jobId = `${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;
    const controller = new AbortController();
    const entry: Job = { controller };
    jobs.set(jobId, entry);
    const outDir = history.runDir(`${new Date().toISOString().replace(/[:.]/g, '-')}-${jobId}`);
    // Not awaited: the call returns the id at once and the job reports through events.
    // The probe the app already ran (cached 30 s) spares the job its own.
    void listBackends().then((backends) => runProfileJob(env, { ...request, modelPath }, outDir, {
      backends,
      signal: controller.signal,
      onProgress: (stage, fraction, message) => emit('jobProgress', { jobId, stage, fraction, message }),
    })).then(
      (result) => {
        entry.report = result.report;
        emit('jobDone', { jobId, report: result.report });
      },
      (err: unknown) => emit('jobFailed', { jobId, error: controller.signal.aborted ? { code: 'E_CANCELLED', message: 'profile cancelled' } : toApiError(err) }),
    );
    return { jobId };
  }

  function listBackends(): Promise<BackendStatus[]> {
    if (!backends || Date.now() - backends.at > BACKEND_CACHE_MS) {
      const value = probeBackendsInNewWorker(env.workerScriptPath, env.cacheDir);
      backends = { at: Date.now(), value };
      value.catch(() => (backends = null));
    }
    return backends.value;
  }

  /** The app's export formats: 'csv' is the runs table, 'ops-csv' the per-op one; 'pdf' prints the HTML. */
  const EXPORT_KINDS: Record<Exclude<ExportFormat, 'pdf'>, FileKind> = {
    json: 'json', html: 'html', trace: 'trace', md: 'md', tex: 'tex', csv: 'csv:runs', 'ops-csv': 'csv:ops',
  };

  async function exportReport(jobId: string, format: ExportFormat): Promise<ExportedFile> {
    const report = finishedReport(jobId);
    const stem = basename(report.model.path).replace(/\.onnx$/i, '');
    if (format === 'pdf') {
      const pdf = await (options.printPdf ?? printHtmlWithChromium)(renderFile(report, 'html').content);
      return { fileName: `${stem}.report.pdf`, mimeType: 'application/pdf', content: Buffer.from(pdf).toString('base64'), encoding: 'base64' };
    }
    const file = renderFile(report, EXPORT_KINDS[format]);
    return { fileName: `${stem}.${file.name}`, mimeType: file.mimeType, content: file.content };
  }


  /**
   * A stored report is checked for the shape the views and exports need, not against today's full schema:
   * a run recorded by an older edgescope stays openable.
   */
  function assertReportShape(value: unknown, what: string): asserts value is Report {
    const r = value as Partial<Report> | null;
    const ok = typeof r === 'object' && r !== null && r.schemaVersion === REPORT_SCHEMA_VERSION && Array.isArray(r.variants) && typeof r.model === 'object' && typeof r.settings === 'object';
    if (!ok) throw new EdgescopeError('E_BAD_REQUEST', `${what}: report.json is not an edgescope report (schema v${REPORT_SCHEMA_VERSION})`);
  }

  /** A report opened from the history or a sweep becomes a finished job, so the report calls work on it. */
  function adopt(jobId: string, report: Report): Report {
    jobs.set(jobId, { controller: new AbortController(), report });
    return report;
  }

  async function openRun(runId: string): Promise<Report> {
    const report = await history.readReport(runId);
    assertReportShape(report, `run ${runId}`);
    return adopt(runId, report);
  }

  async function startSweep(request: SweepRequest): Promise<{ sweepId: string }> {
    const outDir = resolve(request.outDir);
    // An inline spec is saved beside its results, so the folder can be resumed like any sweep's.
    const sweepFile = request.sweepFile !== undefined ? resolve(request.sweepFile) : join(outDir, 'sweep.json');
    let parsed: unknown = request.spec;
    if (parsed === undefined) {
      try {
        parsed = JSON.parse(readFileSync(sweepFile, 'utf8'));
      } catch (err) {
        throw new EdgescopeError('E_BAD_REQUEST', `cannot read the sweep file ${sweepFile}: ${(err as Error).message}`);
      }
    }
    const validation = validateSweep(parsed, sweepBaseDir(sweepFile));
    if (!validation.ok) throw new EdgescopeError('E_BAD_REQUEST', `${request.sweepFile !== undefined ? sweepFile : 'sweep'}: ${validation.errors.join('; ')}`);
    // Refused now, in the reply, rather than as a failed sweep (and before an inline spec replaces sweep.json).
    const earlier = readResults(outDir);
    if (earlier && earlier.specHash !== sweepHash(validation.raw)) {
      throw new EdgescopeError('E_BAD_REQUEST', `${outDir} holds results of a different sweep; choose another results folder`);
    }
    if (request.spec !== undefined) await writeFileAtomic(sweepFile, `${JSON.stringify(request.spec, null, 2)}\n`);
    const sweepId = `sweep-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;
    const controller = new AbortController();
    sweeps.set(sweepId, controller);
    const started = Date.now();
    void runSweep(
      env,
      { sweepFile, spec: validation.spec, raw: validation.raw, outDir, retryFailed: request.retryFailed },
      {
        signal: controller.signal,
        onProgress: (p) => {
          const fraction = p.todo > 0 ? (p.done + p.cellFraction) / p.todo : 1;
          // Remaining time from the pace so far; none until a little of the sweep is done.
          const etaMs = fraction > 0.02 ? ((Date.now() - started) / fraction) * (1 - fraction) : null;
          emit('sweepProgress', { sweepId, done: p.done, todo: p.todo, fraction, etaMs, cell: p.cell.key, message: p.message });
        },
      },
    ).then(
      () => emit('sweepDone', { sweepId, overview: sweepOverview(outDir) }),
      (err: unknown) => emit('sweepFailed', { sweepId, error: toApiError(err) }),
    ).finally(() => sweeps.delete(sweepId));
    return { sweepId };
  }

  function openSweepCell(dir: string, key: string): { jobId: string; report: Report } {
    const path = join(resolve(dir), 'cells', key, 'report.json');
    let report: unknown;
    try {
      report = JSON.parse(readFileSync(path, 'utf8'));
    } catch (err) {
      throw new EdgescopeError('E_NOT_FOUND', `no readable report for cell ${key} at ${path}: ${(err as Error).message}`);
    }
    assertReportShape(report, `cell ${key}`);
    const jobId = `cell-${createHash('sha256').update(path).digest('hex').slice(0, 20)}`;
    return { jobId, report: adopt(jobId, report) };
  }

  // Compression previews and variants take seconds of synchronous CPU on large models: they run
  // in a worker process kept for the session (restarted if it dies), never on the host's thread.
  let taskWorker: Promise<RunWorker> | null = null;
  async function inTaskWorker<T extends EngineTask>(task: T): Promise<EngineTaskResult<T['kind']>> {
    const current = await (taskWorker ??= RunWorker.start(env.workerScriptPath)).catch((err: unknown) => {
      taskWorker = null;
      throw err;
    });
    try {
      return await current.task(task);
    } finally {
      if (!current.alive) taskWorker = null;
    }
  }

  const handlers: { [M in ApiMethod]: (req: ApiCalls[M]['req']) => Promise<ApiCalls[M]['res']> } = {
    listDemoModels: async () =>
      DEMO_MODELS.map((spec): DemoModel => ({ id: spec.id, title: spec.title, description: spec.description, path: demoModelPath(spec, env.demoDirs) })),
    recentModels: async () => readRecent().filter((r) => existsSync(r.path)),
    openModel: async ({ path }) => openModel(path),
    importModel: async ({ fileName, dataBase64 }) => {
      const dir = join(workspaceDir, 'imports');
      await mkdir(dir, { recursive: true });
      const safeName = fileName.replace(/[^A-Za-z0-9._-]/g, '_');
      const target = join(dir, `${Date.now().toString(36)}-${safeName}`);
      await writeFile(target, Buffer.from(dataBase64, 'base64'));
      return openModel(target);
    },
    listBackends: async () => listBackends(),
    startProfile: async (req) => startProfile(req),
    cancelJob: async ({ jobId }) => {
      const j = job(jobId);
      if (j.report || j.controller.signal.aborted) return { cancelled: false };
      j.controller.abort();
      return { cancelled: true };
    },
    getReport: async ({ jobId }) => finishedReport(jobId),
    exportReport: ({ jobId, format }) => exportReport(jobId, format),
    compareRuns: async ({ jobId, baseline, candidate }) => compareRunPair(finishedReport(jobId), baseline, candidate),
    listDevices: async () => collectDeviceInventory({ backends: await listBackends(), sysfsRoot }),
    listRuns: async (filter) => history.list(filter),
    openRun: async ({ runId }) => openRun(runId),
    deleteRun: async ({ runId }) => {
      jobs.delete(runId);
      return { deleted: await history.delete(runId) };
    },
    compareHistoryRuns: async ({ baseline, candidate }) =>
      compareHistoryRuns(
        { ref: baseline, report: await history.readReport(baseline.runId) },
        { ref: candidate, report: await history.readReport(candidate.runId) },
      ),
    startSweep: async (req) => startSweep(req),
    cancelSweep: async ({ sweepId }) => {
      const controller = sweeps.get(sweepId);
      if (!controller || controller.signal.aborted) return { cancelled: false };
      controller.abort();
      return { cancelled: true };
    },
    readSweep: async ({ dir }) => sweepOverview(resolve(dir)),
    openSweepCell: async ({ dir, key }) => openSweepCell(dir, key),
    previewCompression: async ({ modelPath, recipe }) =>
      inTaskWorker({ kind: 'previewCompression', modelPath: await resolveModelPath(modelPath, env.demoDirs), recipe }),
    compressModel: async ({ modelPath, recipe, outPath }) => {
      const model = await resolveModelPath(modelPath, env.demoDirs);
      const out = outPath !== undefined ? resolve(outPath) : defaultVariantPath(join(workspaceDir, 'variants'), model, recipe);
      // The renderer names the file: whatever it sends, only an .onnx model can be written (or replaced).
      if (!out.toLowerCase().endsWith('.onnx')) throw new EdgescopeError('E_BAD_REQUEST', `compressModel: outPath ${out} is not an .onnx file`);
      return inTaskWorker({ kind: 'compressVariant', modelPath: model, recipe, outPath: out, workerScriptPath: env.workerScriptPath });
    },
    compressionLayerViews: async ({ modelPath, recipe, layer, maxCells }) =>
      inTaskWorker({ kind: 'compressionLayerViews', modelPath: await resolveModelPath(modelPath, env.demoDirs), recipe, layer, maxCells }),
    importVendorReport: async ({ file, format, modelPath, device }) => {
      // Written straight into a history run folder, so the job records it in place (source 'app').
      const runId = `${new Date().toISOString().replace(/[:.]/g, '-')}-import-${randomBytes(4).toString('hex')}`;
      const model = modelPath !== undefined ? await resolveModelPath(modelPath, env.demoDirs) : undefined;
      const result = await runImportJob(env, { format, file, model, device, outDir: history.runDir(runId) }, { historySource: 'app' });
      const id = result.historyId ?? runId;
      return { runId: id, report: adopt(id, result.report), ...(result.historyError ? { historyError: result.historyError } : {}) };
    },
  };

  return {
    async call<M extends ApiMethod>(method: M, req: ApiRequest<M>): Promise<ApiResult<M>> {
      const valid = validateRequest(method, req);
      return (handlers[method] as (r: ApiRequest<M>) => Promise<ApiResult<M>>)(valid);
    },
    on(event, listener) {
      let set = listeners.get(event);
      if (!set) listeners.set(event, (set = new Set()));
      set.add(listener as (payload: never) => void);
      if (event === 'devicesChanged' && !stopUsbWatch) stopUsbWatch = watchUsbDevices(sysfsRoot, () => emit('devicesChanged', {}));
      return () => {
        const removed = set.delete(listener as (payload: never) => void);
        if (event === 'devicesChanged' && set.size === 0 && stopUsbWatch) {
          stopUsbWatch();
          stopUsbWatch = null;
        }
        return removed;
      };
    },
    async dispose() {
      const worker = await taskWorker?.catch(() => null);
      taskWorker = null;
      await worker?.dispose();
      for (const j of jobs.values()) j.controller.abort();
      for (const s of sweeps.values()) s.abort();
      listeners.clear();
      stopUsbWatch?.();
      stopUsbWatch = null;
    },
  };
}
