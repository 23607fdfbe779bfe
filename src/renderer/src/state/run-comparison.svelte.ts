/**
 * The comparison panel's chosen pair: any two runs (variant@EP) of the report on screen, compared by the
 * engine (compareRuns), since the report itself holds only each variant against dense.
 *
 * `result` is the engine's latest answer for the shown report; it names its own pair. While `loading`, the
 * pair in `baseline` / `candidate` may already differ from it (the previous answer stays up rather than
 * the table collapsing and reflowing the page). Replies can overtake each other when the pair changes
 * quickly, so each request takes a sequence number and only the reply to the latest one is kept; a
 * failure clears the result and says so on the error line.
 */
import type { RunRef } from '../../../shared/api';
import type { Comparison, Report } from '../../../shared/report';
import type { ApiClient } from '../api/client';
import type { ErrorLine } from './error-line.svelte';

/** 'pruned-0.9@cpu': how a run is named in lists and lanes. */
export function runKey(ref: RunRef): string {
  return `${ref.variant}@${ref.ep}`;
}

export function sameRun(a: RunRef | null, b: RunRef | null): boolean {
  return a !== null && b !== null && a.variant === b.variant && a.ep === b.ep;
}

/** Every run of a report, in report order (variants, then each variant's EPs). */
export function runsOf(report: Report): RunRef[] {
  return report.variants.flatMap((variant) => variant.runs.map((run) => ({ variant: variant.id, ep: run.ep })));
}

/** The pair a comparison is of. */
export function pairOf(comparison: Comparison): { baseline: RunRef; candidate: RunRef } {
  return {
    baseline: { variant: comparison.baseline, ep: comparison.baselineEp },
    candidate: { variant: comparison.candidate, ep: comparison.ep },
  };
}

/** The report's first comparison; without one, its first two runs; null with fewer than two runs. */
function defaultPair(report: Report): { baseline: RunRef; candidate: RunRef } | null {
  if (report.comparisons.length > 0) return pairOf(report.comparisons[0]);
  const runs = runsOf(report);
  return runs.length >= 2 ? { baseline: runs[0], candidate: runs[1] } : null;
}

export class RunComparison {
  baseline = $state.raw<RunRef | null>(null);
  candidate = $state.raw<RunRef | null>(null);
  /** Raw: replaced whole by each reply. */
  result = $state.raw<Comparison | null>(null);
  /** A request for the current pair is in flight. */
  loading = $state(false);

  private jobId: string | null = null;
  private sequence = 0;

  constructor(
    private readonly client: ApiClient,
    private readonly errors: ErrorLine,
  ) {}

  /** Starts on the default pair of a newly shown report; a report already shown keeps the user's pair. */
  show(jobId: string, report: Report): void {
    if (jobId === this.jobId) return;
    this.jobId = jobId;
    this.result = null;
    const pair = defaultPair(report);
    if (pair) void this.choose(pair.baseline, pair.candidate);
    else {
      this.sequence++;
      this.baseline = this.candidate = runsOf(report)[0] ?? null;
      this.loading = false;
    }
  }

  async choose(baseline: RunRef, candidate: RunRef): Promise<void> {
    const jobId = this.jobId;
    if (jobId === null) return;
    this.baseline = baseline;
    this.candidate = candidate;
    const sequence = ++this.sequence;
    this.loading = true;
    try {
      const result = await this.client.call('compareRuns', { jobId, baseline, candidate });
      if (sequence === this.sequence) this.result = result;
    } catch (err) {
      if (sequence !== this.sequence) return;
      this.result = null;
      this.errors.show(`Comparing ${runKey(baseline)} with ${runKey(candidate)} failed`, err);
    } finally {
      if (sequence === this.sequence) this.loading = false;
    }
  }

  swap(): Promise<void> {
    return this.baseline && this.candidate ? this.choose(this.candidate, this.baseline) : Promise.resolve();
  }
}
