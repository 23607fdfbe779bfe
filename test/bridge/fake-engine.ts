/**
 * An in-memory EngineApi with the real engine's observable behaviour (demo list, jobs that report progress
 * and finish with a report, cancellation, one-line ApiErrors), for transport and UI tests that must not
 * depend on onnxruntime. Every call is recorded so tests can check what reached the engine.
 */
import type { ApiEventName, ApiEvents, ApiMethod, ApiRequest, ApiResult, EngineApi, JobStage, ModelSummary } from '../../src/shared/api';
import { EdgescopeError } from '../../src/shared/errors';
import type { Report } from '../../src/shared/report';
import { buildSampleReport } from '../renderer/fixtures/sample-report';

export interface FakeEngineOptions {
  /** Delay between progress events of a job; the job takes six of them. */
  stepMs?: number;
}

type Listener<E extends ApiEventName> = (payload: ApiEvents[E]) => void;

const DEMO_DIR = '/fake/resources/models';
const STAGES: JobStage[] = ['prepare', 'ceilings', 'compress', 'run', 'analyse', 'report'];

export class FakeEngine implements EngineApi {
  readonly calls: { method: ApiMethod; req: unknown }[] = [];
  private readonly listeners = new Map<ApiEventName, Set<Listener<ApiEventName>>>();
  private readonly jobs = new Map<string, { report: Report; timer: ReturnType<typeof setTimeout> | null }>();
  private nextJob = 1;
  private readonly stepMs: number;

  constructor(options: FakeEngineOptions = {}) {
    this.stepMs = options.stepMs ?? 60;
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
        return buildSampleReport().backends;
      case 'startProfile':
        return this.startJob();
      case 'cancelJob':
        return this.cancel((req as ApiRequest<'cancelJob'>).jobId);
      case 'getReport':
        return this.job((req as ApiRequest<'getReport'>).jobId).report;
      case 'exportReport': {
        const { jobId, format } = req as ApiRequest<'exportReport'>;
        const report = this.job(jobId).report;
        return { fileName: `report-${jobId}.${format === 'trace' ? 'trace.json' : format}`, mimeType: format === 'html' ? 'text/html' : 'application/json', content: JSON.stringify(report) };
      }
    }
  }

  private summary(path: string): ModelSummary {
    return { ...buildSampleReport().model, path };
  }

  private job(jobId: string): { report: Report; timer: ReturnType<typeof setTimeout> | null } {
    const job = this.jobs.get(jobId);
    if (!job) throw new EdgescopeError('E_NOT_FOUND', `no job ${jobId}`);
    return job;
  }

  private startJob(): { jobId: string } {
    const jobId = `job-${this.nextJob++}`;
    const job = { report: buildSampleReport(), timer: null as ReturnType<typeof setTimeout> | null };
    this.jobs.set(jobId, job);
    const step = (index: number): void => {
      if (index < STAGES.length) {
        this.emit('jobProgress', { jobId, stage: STAGES[index], fraction: index / STAGES.length, message: `${STAGES[index]}…` });
        job.timer = setTimeout(() => step(index + 1), this.stepMs);
      } else {
        job.timer = null;
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
