/**
 * Multiplexing: when a process's groups need more hardware counters than the core has, the
 * kernel rotates them, and each group counts only part of the time it is enabled. A count is
 * then estimated as value * enabled / running (what perf stat prints), assuming the event
 * rate was the same while the group was off the counters; running / enabled says how much of
 * the estimate was measured. Pure arithmetic, tested on synthetic triples.
 */

export interface ScaledCount {
  /** value * enabled / running; null when the group never ran (no data, which is not 0). */
  value: number | null;
  /** running / enabled in [0, 1]; 1: no multiplexing. null when never enabled. */
  runningFraction: number | null;
}

// A per-thread event is enabled only while its thread is scheduled in: enabled = 0 means the
// thread did not run, and its count (0) needs no scaling.

/** One (value, enabled, running) triple, as read with PERF_FORMAT_TOTAL_TIME_ENABLED|RUNNING. */
export function scaleCount(value: number, enabledNs: number, runningNs: number): ScaledCount {
  if (!(Number.isFinite(value) && Number.isFinite(enabledNs) && Number.isFinite(runningNs))) return { value: null, runningFraction: null };
  if (enabledNs <= 0) return { value, runningFraction: null };
  if (runningNs <= 0) return { value: null, runningFraction: 0 };
  // running can exceed enabled by rounding in the kernel's time accounting: never scale down.
  const fraction = Math.min(1, runningNs / enabledNs);
  return { value: fraction === 1 ? value : (value * enabledNs) / runningNs, runningFraction: fraction };
}

/** Raw cumulative readings of one group on one thread. */
export interface GroupReading {
  enabledNs: number;
  runningNs: number;
  /** Per event of the group; NaN where the event is not open. */
  values: number[];
}

/**
 * The count of one interval from two cumulative readings of the same (thread, group): the
 * deltas are scaled, so the interval's own multiplexing is what counts, not the average since
 * the counters were opened.
 */
export function scaleInterval(before: GroupReading | undefined, after: GroupReading): { values: (number | null)[]; runningFraction: number | null } {
  const base = before ?? { enabledNs: 0, runningNs: 0, values: after.values.map(() => 0) };
  const enabled = after.enabledNs - base.enabledNs;
  const running = after.runningNs - base.runningNs;
  const values = after.values.map((v, e) => scaleCount(v - base.values[e], enabled, running).value);
  return { values, runningFraction: scaleCount(0, enabled, running).runningFraction };
}
