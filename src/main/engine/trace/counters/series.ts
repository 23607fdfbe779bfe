import type { CounterSeries } from '../../../../shared/report';
import type { KeptFile, ReadFile } from './kept-file';

/** One reading: [tMs on the job clock, value]. */
export type Sample = [number, number];

export function availableSeries(name: string, unit: string, source: string, samples: Sample[]): CounterSeries {
  return { name, unit, available: true, samples, source };
}

export function unavailableSeries(name: string, unit: string, source: string, reason: string): CounterSeries {
  return { name, unit, available: false, reason, source };
}

/**
 * A reader polled by the sampler's timer. Rates are timestamped at the end of the interval
 * they cover, so a series' first rate sample comes from the second poll.
 */
export interface PolledSource {
  poll(tMs: number): void;
  series(): CounterSeries[];
  close(): void;
}

/** A file the sampling thread reads for a source, at most about every minIntervalMs (0: every tick). */
export interface ThreadFile {
  file: KeptFile;
  minIntervalMs: number;
  /**
   * /proc/<pid>/status only: also read on a tick whose statm (given earlier in the same list)
   * shows the RSS above the VmHWM status last gave, as ProcCounters does on the timer.
   */
  readWhenRssAbovePeak?: { statm: KeptFile; pageBytes: number };
}

/**
 * A reader whose files are plain kept files, so the native sampling thread can read them for it
 * (thread-sampler.ts). poll(tMs) is take(tMs, readNow) behind the reader's own cadence; on the
 * thread the cadence is threadFiles()'s and take() gets what the thread read.
 */
export interface ThreadSampledSource extends PolledSource {
  threadFiles(): ThreadFile[];
  take(tMs: number, read: ReadFile): void;
}

export function isThreadSampled(source: PolledSource): source is ThreadSampledSource {
  return 'threadFiles' in source && 'take' in source;
}

/** Process counters read through the perf addon's handle (perf-event-counters.ts): the sampling thread reads their rows. */
export interface ThreadReadCounters extends PolledSource {
  /** null once closed. */
  readonly nativeHandle: unknown;
  takeRows(tMs: number, rows: Float64Array): void;
}

export function isThreadReadCounters(source: PolledSource): source is ThreadReadCounters {
  return 'nativeHandle' in source && 'takeRows' in source;
}
