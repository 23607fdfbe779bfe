/**
 * The engine: implements the API contract (src/shared/api.ts) on top of the job
 * pipeline. The CLI, the Electron host (over IPC) and the loopback bridge (over a
 * WebSocket) all talk to this one object. It never imports 'electron'.
 */
import { randomBytes } from 'node:crypto';
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
} from '../../shared/api';
import { validateRequest } from '../../shared/api-validate';
import { EdgescopeError, toApiError } from '../../shared/errors';
import type { BackendStatus, Report } from '../../shared/report';
import { compareRunPair } from './analysis/compare';
import { collectDeviceInventory, sysfsRootFromEnv } from './devices/inventory';
import { DEMO_MODELS, demoModelPath, ensureDemoModel } from './model/demo-models';
import { readModel } from './model/onnx-io';
import { summarizeModel } from './model/summary';
import { runProfileJob, type EngineEnv } from './profile-job';
import { renderFile, type FileKind } from './report/exports/render';
import { packageRoot, toolVersion } from './files/package-root';
import { writeFileAtomic } from './files/write-atomic';
import { probeBackendsInNewWorker } from './run/backends';
import { defaultWorkerScriptPath } from './run/runner';

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
    const outDir = join(workspaceDir, 'runs', `${new Date().toISOString().replace(/[:.]/g, '-')}-${jobId}`);
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

  /** The app's export formats: 'csv' is the runs table, 'ops-csv' the per-op one. */
  const EXPORT_KINDS: Record<ExportFormat, FileKind> = {
    json: 'json', html: 'html', trace: 'trace', md: 'md', tex: 'tex', csv: 'csv:runs', 'ops-csv': 'csv:ops',
  };

  function exportReport(jobId: string, format: ExportFormat): ExportedFile {
    const report = finishedReport(jobId);
    const stem = basename(report.model.path).replace(/\.onnx$/i, '');
    const file = renderFile(report, EXPORT_KINDS[format]);
    return { fileName: `${stem}.${file.name}`, mimeType: file.mimeType, content: file.content };
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
    exportReport: async ({ jobId, format }) => exportReport(jobId, format),
    compareRuns: async ({ jobId, baseline, candidate }) => compareRunPair(finishedReport(jobId), baseline, candidate),
    listDevices: async () => collectDeviceInventory({ backends: await listBackends(), sysfsRoot }),
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
      for (const j of jobs.values()) j.controller.abort();
      listeners.clear();
      stopUsbWatch?.();
      stopUsbWatch = null;
    },
  };
}
