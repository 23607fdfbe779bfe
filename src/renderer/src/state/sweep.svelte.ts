/**
 * The Sweeps view's state: start a sweep from a sweep file (progress with an ETA from sweep* events),
 * read a sweep folder's results and dataset views, and open a cell's report into the report views.
 */
import type { ApiEvents, SweepOverview, SweepProgressEvent } from '../../../shared/api';
import type { Report } from '../../../shared/report';
import { ApiCallError, type ApiClient } from '../api/client';
import type { ErrorLine } from './error-line.svelte';
import { parseSparsities } from './parse-sparsities';
import { RunComparison } from './run-comparison.svelte';

export type SweepPhase = 'idle' | 'starting' | 'running' | 'done' | 'failed' | 'cancelled';

/** The small form: a sweep without writing a sweep file (the engine saves it as OUTDIR/sweep.json). */
export interface SweepForm {
  /** Model paths (or demo:ID), one per line. */
  models: string;
  /** Pruned variants besides dense, e.g. "0.5, 0.9". */
  sparsities: string;
  eps: string;
  batches: string;
  threads: string;
  runs: string;
}

function positiveInts(field: string, text: string): number[] | string {
  const parts = text.split(/[\s,;]+/).filter(Boolean);
  if (parts.length === 0) return `${field}: give at least one`;
  for (const p of parts) if (!/^\d+$/.test(p) || Number(p) < 1) return `${field}: '${p}' is not a positive integer`;
  return [...new Set(parts.map(Number))];
}

/** The form as a sweep spec (docs/sweeps.md keys), or the first problem as text; the engine checks the rest. */
export function formToSpec(form: SweepForm): Record<string, unknown> | string {
  const models = form.models.split('\n').map((m) => m.trim()).filter(Boolean);
  if (models.length === 0) return 'models: give at least one model path';
  const sparsities = parseSparsities(form.sparsities);
  if (typeof sparsities === 'string') return sparsities;
  const eps = form.eps.split(/[\s,;]+/).filter(Boolean);
  if (eps.length === 0) return 'backends: give at least one (cpu, webgpu, ...)';
  const batches = positiveInts('batches', form.batches);
  if (typeof batches === 'string') return batches;
  const threads = positiveInts('threads', form.threads);
  if (typeof threads === 'string') return threads;
  const runs = positiveInts('runs', form.runs);
  if (typeof runs === 'string') return runs;
  return {
    models,
    variants: [{ id: 'dense' }, ...sparsities.filter((s) => s > 0).map((s) => ({ id: `pruned-${Number(s.toFixed(4))}`, prune: s }))],
    eps,
    batches,
    threads,
    runs: runs[0],
  };
}

/** "1m05s", "42s", "?" */
export function formatEta(ms: number | null): string {
  if (ms === null) return '?';
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

export class SweepState {
  sweepFile = $state('');
  outDir = $state('');
  /** Start from a sweep file, or from the small form. */
  source = $state<'file' | 'form'>('file');
  form = $state<SweepForm>({ models: '', sparsities: '0.5, 0.9', eps: 'cpu', batches: '1', threads: '1', runs: '20' });
  phase = $state<SweepPhase>('idle');
  sweepId = $state<string | null>(null);
  progress = $state.raw<SweepProgressEvent | null>(null);
  overview = $state.raw<SweepOverview | null>(null);
  opened = $state.raw<{ jobId: string; key: string; report: Report } | null>(null);
  readonly comparison: RunComparison;

  private readonly unsubscribe: (() => void)[];

  constructor(
    private readonly client: ApiClient,
    private readonly errors: ErrorLine,
  ) {
    this.comparison = new RunComparison(client, errors);
    this.unsubscribe = [
      client.on('sweepProgress', (p) => {
        if (p.sweepId === this.sweepId) this.progress = p;
      }),
      client.on('sweepDone', (p) => this.finish(p)),
      client.on('sweepFailed', (p) => this.fail(p)),
    ];
  }

  get busy(): boolean {
    return this.phase === 'starting' || this.phase === 'running';
  }

  async start(): Promise<void> {
    if (this.busy) return;
    this.phase = 'starting';
    this.progress = null;
    this.errors.clear();
    const spec = this.source === 'form' ? formToSpec(this.form) : null;
    if (typeof spec === 'string') {
      this.phase = 'failed';
      this.errors.show('The sweep form is incomplete', new Error(spec));
      return;
    }
    try {
      const where = spec ? { spec } : { sweepFile: this.sweepFile.trim() };
      const { sweepId } = await this.client.call('startSweep', { ...where, outDir: this.outDir.trim() });
      this.sweepId = sweepId;
      if (this.phase === 'starting') this.phase = 'running';
    } catch (err) {
      this.phase = 'failed';
      this.errors.show('Starting the sweep failed', err);
    }
  }

  async cancel(): Promise<void> {
    if (this.sweepId === null || this.phase !== 'running') return;
    try {
      await this.client.call('cancelSweep', { sweepId: this.sweepId });
    } catch (err) {
      this.errors.show('Cancelling the sweep failed', err);
    }
  }

  /** Reads the results of the folder in `outDir` (a finished sweep, or one still running). */
  async load(): Promise<void> {
    try {
      this.overview = await this.client.call('readSweep', { dir: this.outDir.trim() });
    } catch (err) {
      this.errors.show('Reading the sweep results failed', err);
    }
  }

  async openCell(key: string): Promise<void> {
    if (!this.overview) return;
    try {
      const { jobId, report } = await this.client.call('openSweepCell', { dir: this.overview.dir, key });
      this.opened = { jobId, key, report };
    } catch (err) {
      this.errors.show(`Opening cell ${key} failed`, err);
    }
  }

  closeCell(): void {
    this.opened = null;
  }

  dispose(): void {
    for (const u of this.unsubscribe) u();
  }

  private finish(payload: ApiEvents['sweepDone']): void {
    if (payload.sweepId !== this.sweepId) return;
    this.phase = 'done';
    this.overview = payload.overview;
  }

  private fail(payload: ApiEvents['sweepFailed']): void {
    if (payload.sweepId !== this.sweepId) return;
    if (payload.error.code === 'E_CANCELLED') {
      this.phase = 'cancelled';
      void this.load();
    } else {
      this.phase = 'failed';
      this.errors.show('The sweep failed', new ApiCallError(payload.error.code, payload.error.message));
    }
  }
}
