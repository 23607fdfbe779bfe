import type { CounterSeries } from '../../../../shared/report';

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
