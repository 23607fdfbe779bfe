/**
 * The profile job: start, progress, cancel, and the report it ends with.
 *
 * Events carry a job id and may overtake the startProfile reply that tells us that id, so events for an
 * unknown job are kept (the latest per job) while a start is in flight and applied once the id is known.
 */
import type { ApiEvents, JobProgress, ProfileRequest } from '../../../shared/api';
import type { Report } from '../../../shared/report';
import { ApiCallError, type ApiClient } from '../api/client';
import type { ErrorLine } from './error-line.svelte';

export type JobPhase = 'idle' | 'starting' | 'running' | 'cancelling' | 'done' | 'failed' | 'cancelled';

type JobEvent =
  | { kind: 'progress'; payload: ApiEvents['jobProgress'] }
  | { kind: 'done'; payload: ApiEvents['jobDone'] }
  | { kind: 'failed'; payload: ApiEvents['jobFailed'] };

export class ProfileJob {
  phase = $state<JobPhase>('idle');
  jobId = $state<string | null>(null);
  progress = $state<JobProgress | null>(null);
  /** Raw: a report is large and immutable; deep reactivity would only cost. */
  report = $state.raw<Report | null>(null);
  /** The job `report` came from: calls about the report (export, compare) name it, not a newer running job. */
  reportJobId = $state<string | null>(null);

  private readonly unclaimed = new Map<string, JobEvent>();
  private readonly unsubscribe: (() => void)[];

  constructor(
    private readonly client: ApiClient,
    private readonly errors: ErrorLine,
  ) {
    this.unsubscribe = [
      client.on('jobProgress', (payload) => this.receive({ kind: 'progress', payload })),
      client.on('jobDone', (payload) => this.receive({ kind: 'done', payload })),
      client.on('jobFailed', (payload) => this.receive({ kind: 'failed', payload })),
    ];
  }

  get busy(): boolean {
    return this.phase === 'starting' || this.phase === 'running' || this.phase === 'cancelling';
  }

  async start(request: ProfileRequest): Promise<void> {
    if (this.busy) return;
    this.phase = 'starting';
    this.jobId = null;
    this.progress = null;
    this.unclaimed.clear();
    this.errors.clear();
    try {
      const { jobId } = await this.client.call('startProfile', request);
      this.jobId = jobId;
      this.phase = 'running';
      const early = this.unclaimed.get(jobId);
      this.unclaimed.clear();
      if (early) this.apply(early);
    } catch (err) {
      this.phase = 'failed';
      this.errors.show('Starting the profile failed', err);
    }
  }

  async cancel(): Promise<void> {
    if (this.phase !== 'running' || this.jobId === null) return;
    this.phase = 'cancelling';
    try {
      await this.client.call('cancelJob', { jobId: this.jobId });
    } catch (err) {
      this.errors.show('Cancelling failed', err);
    }
  }

  /** The engine went away: nothing will finish or cancel this job any more. */
  abandon(): void {
    if (this.busy) this.phase = 'failed';
  }

  dispose(): void {
    for (const unsubscribe of this.unsubscribe) unsubscribe();
  }

  private receive(event: JobEvent): void {
    const { jobId } = event.payload;
    if (jobId === this.jobId) this.apply(event);
    else if (this.phase === 'starting') this.unclaimed.set(jobId, event);
  }

  private apply(event: JobEvent): void {
    if (!this.busy) return;
    switch (event.kind) {
      case 'progress':
        this.progress = event.payload;
        break;
      case 'done':
        this.report = event.payload.report;
        this.reportJobId = event.payload.jobId;
        this.phase = 'done';
        break;
      case 'failed':
        if (event.payload.error.code === 'E_CANCELLED') {
          this.phase = 'cancelled';
        } else {
          this.phase = 'failed';
          this.errors.show('The profile failed', new ApiCallError(event.payload.error.code, event.payload.error.message));
        }
        break;
    }
  }
}
