/**
 * An in-memory EngineApi with the real engine's observable behaviour (demo list, jobs that report progress
 * and finish with a report, cancellation, comparison of any two runs, one-line ApiErrors), for transport and
 * UI tests that must not depend on onnxruntime. Every call is recorded so tests can check what reached the
 * engine, and a test can make a method fail with the error of its choice.
 */
import { compareRunPair } from '../../src/main/engine/analysis/compare';
import type { ApiEventName, ApiEvents, ApiMethod, ApiRequest, ApiResult, EngineApi, ExportFormat, JobStage, ModelSummary } from '../../src/shared/api';
import type { DeviceInventory } from '../../src/shared/devices';
import { EdgescopeError } from '../../src/shared/errors';
import type { Report } from '../../src/shared/report';
import { buildSampleReport, type SampleReportOptions } from '../fixtures/reports/sample-report';

export interface FakeEngineOptions {
  /** Delay between progress events of a job; the job takes six of them. */
  stepMs?: number;
  /** The report every job ends with (the sample report's options; default: CPU only). */
  report?: SampleReportOptions;
  /** Builds the report every job ends with instead (benchmarks: a synthetic report at scale). */
  buildReport?: () => Report;
}

interface FakeJob {
  report: Report;
  timer: ReturnType<typeof setTimeout> | null;
  /** Finished with its report (not running, not cancelled). */
  done: boolean;
}

type Listener<E extends ApiEventName> = (payload: ApiEvents[E]) => void;

const DEMO_DIR = '/fake/resources/models';
const STAGES: JobStage[] = ['prepare', 'ceilings', 'compress', 'run', 'analyse', 'report'];
const EXPORT_SUFFIX: Record<ExportFormat, string> = {
  json: 'json',
  html: 'html',
  pdf: 'report.pdf',
  trace: 'trace.json',
  md: 'md',
  tex: 'tex',
  csv: 'runs.csv',
  'ops-csv': 'ops.csv',
};

/** A machine with a CPU, one GPU and a Coral USB Accelerator before its firmware is loaded. */
export const FAKE_DEVICES: DeviceInventory = {
  cpu: { model: 'Fake CPU 9000', cores: 4, logicalCores: 8, arch: 'x64', caches: [{ level: 'L2', bytes: 2 * 1024 * 1024 }], currentMhz: 2400, maxMhz: 5000 },
  memoryBytes: 16 * 1024 ** 3,
  os: 'Debian GNU/Linux 12',
  platform: 'linux',
  gpus: [
    {
      name: 'NVIDIA GeForce RTX 4090',
      vendor: 'NVIDIA',
      vendorId: '10de',
      productId: '2684',
      address: '0000:01:00.0',
      vramBytes: null,
      driver: 'nvidia',
      source: 'sysfs',
      backends: [{ ep: 'cuda', available: false, reason: 'not in this onnxruntime-node build', via: 'onnxruntime-node' }],
    },
  ],
  accelerators: [
    {
      name: 'Google Coral USB Accelerator',
      bus: 'usb',
      vendorId: '1a6e',
      productId: '089a',
      state: 'not booted (firmware not loaded)',
      address: 'bus 001 device 006 (1-3)',
      product: null,
      backends: [{ ep: 'edgetpu', available: false, reason: 'runs only int8 TFLite models', via: 'vendor' }],
    },
  ],
  eps: [
    { name: 'cpu', available: true, bundled: true },
    { name: 'cuda', available: false, reason: 'not in this onnxruntime-node build', bundled: false },
  ],
  notes: [],
};

export class FakeEngine implements EngineApi {
  readonly calls: { method: ApiMethod; req: unknown }[] = [];
  private readonly listeners = new Map<ApiEventName, Set<Listener<ApiEventName>>>();
  private readonly jobs = new Map<string, FakeJob>();
  private nextJob = 1;
  private readonly stepMs: number;
  private readonly reportOptions: SampleReportOptions;
  private readonly buildReport: () => Report;
  /** Methods that fail, with the error they fail with, until deleted from here. */
  readonly failing = new Map<ApiMethod, EdgescopeError>();

  constructor(options: FakeEngineOptions = {}) {
    this.stepMs = options.stepMs ?? 60;
    this.reportOptions = options.report ?? {};
    this.buildReport = options.buildReport ?? (() => buildSampleReport(this.reportOptions));
  }

  on<E extends ApiEventName>(event: E, listener: Listener<E>): () => void {
    const set = this.listeners.get(event) ?? new Set();
    this.listeners.set(event, set);
    set.add(listener as Listener<ApiEventName>);
    return () => set.delete(listener as Listener<ApiEventName>);
  }

  emit<E extends ApiEventName>(event: E, payload: ApiEvents[E]): void {
    for (const listener of this.listeners.get(event) ?? []) listener(payload);
  }

  listenerCount(): number {
    let count = 0;
    for (const set of this.listeners.values()) count += set.size;
    return count;
  }

  async call<M extends ApiMethod>(method: M, req: ApiRequest<M>): Promise<ApiResult<M>> {
    this.calls.push({ method, req });
    const failure = this.failing.get(method);
    if (failure) throw failure;
    return (await this.dispatch(method, req)) as ApiResult<M>;
  }

  private async dispatch(method: ApiMethod, req: unknown): Promise<unknown> {
    switch (method) {
      case 'listDemoModels':
        return [
          { id: 'mlp-lenet-300-100', title: 'LeNet-300-100 (MLP)', description: '784-300-100-10 fully connected, 266k parameters', path: `${DEMO_DIR}/mlp-lenet-300-100.onnx` },
          { id: 'cnn-small', title: 'Small CNN', description: 'Two conv layers and an FC head, 28x28 input', path: `${DEMO_DIR}/cnn-small.onnx` },
        ];
      case 'recentModels':
        return [{ path: `${DEMO_DIR}/mlp-lenet-300-100.onnx`, openedAt: '2025-01-01T00:00:00.000Z' }];
      case 'openModel': {
        const { path } = req as ApiRequest<'openModel'>;
        if (!path.startsWith(DEMO_DIR)) throw new EdgescopeError('E_MODEL_NOT_FOUND', `no such file: ${path}`);
        return this.summary(path);
      }
      case 'importModel': {
        const { fileName } = req as ApiRequest<'importModel'>;
        if (!fileName.endsWith('.onnx')) throw new EdgescopeError('E_MODEL_INVALID', `${fileName} is not an ONNX model`);
        return this.summary(`/fake/imports/${fileName}`);
      }
      case 'listBackends':
        return buildSampleReport(this.reportOptions).backends;
      case 'startProfile':
        return this.startJob();
      case 'cancelJob':
        return this.cancel((req as ApiRequest<'cancelJob'>).jobId);
      case 'getReport':
        return this.finished((req as ApiRequest<'getReport'>).jobId);
      case 'exportReport': {
        const { jobId, format } = req as ApiRequest<'exportReport'>;
        const report = this.finished(jobId);
        const fileName = `report-${jobId}.${EXPORT_SUFFIX[format]}`;
        // A PDF travels base64-encoded like the real engine's (the bytes here are the report JSON).
        if (format === 'pdf') return { fileName, mimeType: 'application/pdf', content: Buffer.from(JSON.stringify(report)).toString('base64'), encoding: 'base64' };
        return { fileName, mimeType: format === 'html' ? 'text/html' : 'application/json', content: JSON.stringify(report) };
      }
      case 'compareRuns': {
        const { jobId, baseline, candidate } = req as ApiRequest<'compareRuns'>;
        return compareRunPair(this.finished(jobId), baseline, candidate);
      }
      case 'listDevices':
        return FAKE_DEVICES;
      // The fake keeps no run history and runs no sweeps: an empty history, and a clear refusal.
      case 'listRuns':
        return [];
      case 'openRun':
      case 'deleteRun':
      case 'compareHistoryRuns':
      case 'startSweep':
      case 'cancelSweep':
      case 'readSweep':
      case 'openSweepCell':
        throw new EdgescopeError('E_NOT_FOUND', `the fake engine has no run history or sweeps (${method})`);
      // Compression needs real weights: the compression panel is tested against the real engine.
      case 'previewCompression':
      case 'compressModel':
      case 'compressionLayerViews':
        throw new EdgescopeError('E_NOT_FOUND', `the fake engine does not compress models (${method})`);
      // Imports read real vendor files into the history: tested against the real engine.
      case 'importVendorReport':
        throw new EdgescopeError('E_NOT_FOUND', `the fake engine keeps no run history (${method})`);
    }
  }

  private summary(path: string): ModelSummary {
    return { ...buildSampleReport().model, path };
  }

  private job(jobId: string): FakeJob {
    const job = this.jobs.get(jobId);
    if (!job) throw new EdgescopeError('E_NOT_FOUND', `no job ${jobId}`);
    return job;
  }

  private finished(jobId: string): Report {
    const job = this.job(jobId);
    if (!job.done) throw new EdgescopeError('E_NOT_FOUND', `job ${jobId} has no report (still running, failed or cancelled)`);
    return job.report;
  }

  private startJob(): { jobId: string } {
    const jobId = `job-${this.nextJob++}`;
    const job: FakeJob = { report: this.buildReport(), timer: null, done: false };
    this.jobs.set(jobId, job);
    const step = (index: number): void => {
      if (index < STAGES.length) {
        this.emit('jobProgress', { jobId, stage: STAGES[index], fraction: index / STAGES.length, message: `${STAGES[index]}…` });
        job.timer = setTimeout(() => step(index + 1), this.stepMs);
      } else {
        job.timer = null;
        job.done = true;
        this.emit('jobDone', { jobId, report: job.report });
      }
    };
    job.timer = setTimeout(() => step(0), 0);
    return { jobId };
  }

  private cancel(jobId: string): { cancelled: boolean } {
    const job = this.job(jobId);
    if (job.timer === null) return { cancelled: false };
    clearTimeout(job.timer);
    job.timer = null;
    this.emit('jobFailed', { jobId, error: { code: 'E_CANCELLED', message: 'cancelled by the user' } });
    return { cancelled: true };
  }

  dispose(): void {
    for (const job of this.jobs.values()) if (job.timer !== null) clearTimeout(job.timer);
  }
}
