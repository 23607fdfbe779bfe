/**
 * Drives the polled readers and collects every source's series. Two drivers share the readers,
 * the final reading at stop and the series (SamplerCore):
 *  - Sampler (here): a timer in the engine's event loop (the inference runs in the run worker
 *    process, so this loop stays free). The fallback, and the path on other systems.
 *  - ThreadSampler (thread-sampler.ts): the native sampling thread reads the files and counters,
 *    and this loop only drains its readings every ~100 ms. The default on Linux.
 *
 * Timing (both): ticks are scheduled against absolute deadlines start + k * period, so timer
 * lateness does not accumulate. A tick that finds its deadline already passed by a whole
 * period (the event loop was busy) skips the missed deadlines instead of firing a burst of
 * back-to-back reads, and a tick that comes less than half a period after the last reading
 * (the one before it was late) waits for the next deadline: an interval that short would
 * carry no information, since CPU time moves in 10 ms clock ticks. Each sample is stamped
 * with the job-clock time read just before the files are read; rates cover the actual time
 * between two reads, never the nominal period.
 */
import type { CounterSeries } from '../../../../shared/report';
import type { PerfSession } from './perf-session';
import type { ProcCounters } from './proc-reader';
import type { PolledSource } from './series';

export interface SamplerParts {
  /** Observed-process counters; when its process is gone the sampler stops polling. */
  proc: ProcCounters;
  /** System-wide readers (RAPL, battery), polled on the same ticks. */
  system: PolledSource[];
  /**
   * Other readers of the observed process (perf_event_open counters): polled right after /proc,
   * at marks (run-window boundaries), and once more at stop, even after the process exited
   * (their counts stay readable).
   */
  processSources?: PolledSource[];
  /** Absent when perf is disabled; then perfUnavailable stands in for its series. */
  perf: PerfSession | null;
  perfUnavailable: CounterSeries[];
}

/** The finest cadence of the perf_event_open counters between marks (see poll()). */
export const PROCESS_SOURCES_MIN_INTERVAL_MS = 50;

/** The readers, the JS-side reading, the final reading at stop and the series: what both drivers share. */
export abstract class SamplerCore {
  protected readonly startMs: number;
  protected failure: unknown = null;
  protected lastPollMs: number;
  private lastProcessSourcesMs = Number.NEGATIVE_INFINITY;
  private stopping: Promise<CounterSeries[]> | null = null;

  constructor(
    protected readonly parts: SamplerParts,
    protected readonly periodMs: number,
    protected readonly clockOriginNs: bigint,
  ) {
    this.startMs = this.nowMs();
    this.lastPollMs = this.startMs;
  }

  protected nowMs(): number {
    return Number(process.hrtime.bigint() - this.clockOriginNs) / 1e6;
  }

  /** A run-window boundary: the process sources are read now, so counts split exactly there. */
  abstract mark(): void;

  /** Stops the driver's ticks; readings it took are handed to the readers before it returns. */
  protected abstract halt(): void;

  /** A note for every series of `source` (e.g. readings the thread dropped); null for none. */
  protected noteFor(_source: PolledSource): string | null {
    return null;
  }

  /** Reads every source once, on this thread; false when there is nothing more to sample. */
  protected poll(tMs: number): boolean {
    return this.guarded(() => {
      this.parts.proc.poll(tMs);
      if (this.parts.proc.exited) return false;
      // The perf_event_open reads cost more than the /proc ones (a read per counter group per thread):
      // on ticks they are taken at most every PROCESS_SOURCES_MIN_INTERVAL_MS; marks and stop read them
      // exactly where runs begin and end, which is what per-run counts need.
      if (tMs - this.lastProcessSourcesMs >= PROCESS_SOURCES_MIN_INTERVAL_MS) this.pollProcessSources(tMs);
      for (const source of this.parts.system) source.poll(tMs);
      this.lastPollMs = tMs;
      return true;
    });
  }

  protected pollProcessSources(tMs: number): void {
    for (const source of this.parts.processSources ?? []) source.poll(tMs);
    this.lastProcessSourcesMs = tMs;
  }

  /** Runs a read; a reader bug must not crash the engine from a timer callback: stop() reports it. */
  protected guarded(read: () => boolean | void): boolean {
    try {
      return read() !== false;
    } catch (err) {
      this.failure = err;
      return false;
    }
  }

  protected get stopped(): boolean {
    return this.stopping !== null;
  }

  /** Idempotent. After the observed process exited, returns the samples taken while it ran. */
  stop(): Promise<CounterSeries[]> {
    this.stopping ??= this.finish();
    return this.stopping;
  }

  private async finish(): Promise<CounterSeries[]> {
    this.halt();
    // A last reading covers the time since the last tick, unless that is too short for
    // tick-quantized CPU time to mean anything. The peak RSS is read regardless: it is read
    // less often than the rest, and the end is where its final value belongs.
    const tMs = this.nowMs();
    if (this.failure === null && !this.parts.proc.exited) {
      if (tMs - this.lastPollMs >= this.periodMs / 2) this.poll(tMs);
      this.guarded(() => this.parts.proc.readPeak(tMs));
    }
    // The process sources' last counts (a no-op for a source just polled at tMs).
    if (this.failure === null) {
      this.guarded(() => {
        for (const source of this.parts.processSources ?? []) source.poll(tMs);
      });
    }
    const processSources = this.parts.processSources ?? [];
    for (const reader of [this.parts.proc, ...processSources, ...this.parts.system]) reader.close();
    const perfSeries = this.parts.perf ? await this.parts.perf.stop() : this.parts.perfUnavailable;
    if (this.failure !== null) throw this.failure;
    const seriesOf = (source: PolledSource): CounterSeries[] => {
      const note = this.noteFor(source);
      return note === null ? source.series() : source.series().map((s) => ({ ...s, source: `${s.source}; ${note}` }));
    };
    return [
      ...seriesOf(this.parts.proc),
      ...perfSeries,
      ...processSources.flatMap(seriesOf),
      ...this.parts.system.flatMap(seriesOf),
    ];
  }
}

/** The JS-timer driver: every tick is a callback in this event loop that reads every source. */
export class Sampler extends SamplerCore {
  private tickIndex = 0;
  private timer: NodeJS.Timeout | null = null;

  constructor(parts: SamplerParts, periodMs: number, clockOriginNs: bigint) {
    super(parts, periodMs, clockOriginNs);
    // The first reading is the baseline that the first interval's rates are measured from.
    if (this.poll(this.startMs)) this.scheduleNext(this.startMs);
  }

  private scheduleNext(nowMs: number): void {
    this.tickIndex += 1;
    let deadlineMs = this.startMs + this.tickIndex * this.periodMs;
    if (deadlineMs <= nowMs - this.periodMs) {
      this.tickIndex = Math.floor((nowMs - this.startMs) / this.periodMs) + 1;
      deadlineMs = this.startMs + this.tickIndex * this.periodMs;
    }
    this.timer = setTimeout(() => this.tick(), Math.max(0, deadlineMs - nowMs));
  }

  private tick(): void {
    this.timer = null;
    const tMs = this.nowMs();
    if (tMs - this.lastPollMs < this.periodMs / 2 || this.poll(tMs)) this.scheduleNext(tMs);
  }

  /**
   * Reads the process sources now, between ticks: called at run-window boundaries so counts
   * split exactly there. Cheap (one read() per counter group); /proc is left to the ticks.
   */
  mark(): void {
    if (this.stopped || this.failure !== null) return;
    const tMs = this.nowMs();
    this.guarded(() => this.pollProcessSources(tMs));
  }

  protected halt(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}
