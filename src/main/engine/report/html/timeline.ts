/**
 * Timeline geometry shared by the HTML report and the Chrome trace export, so both
 * draw the same phase split and the same lanes.
 *
 * Times here are integer nanoseconds. The report's job-clock milliseconds are
 * converted once (`msToNs`); integer arithmetic guarantees that phase sub-slices
 * tile their op span exactly (the last slice ends at the span's end, to the
 * nanosecond), which trace viewers need to nest them.
 */
import type { OpPhases } from '../../../../shared/report';

/** The three parts of an op's exposed time, in the order they are drawn inside its span. */
export const PHASE_ORDER = ['memory', 'compute', 'overhead'] as const;
export type PhaseName = (typeof PHASE_ORDER)[number];

const PHASE_FIELD: Record<PhaseName, 'memoryUs' | 'computeUs' | 'overheadUs'> = {
  memory: 'memoryUs',
  compute: 'computeUs',
  overhead: 'overheadUs',
};

export interface PhaseSlice {
  phase: PhaseName;
  startNs: number;
  durNs: number;
}

export function msToNs(ms: number): number {
  return Math.round(ms * 1e6);
}

/**
 * Lays the op's median phases out inside one measured span, memory then compute then
 * overhead. The phases come from the median duration, while each profiled run's span
 * has its own duration, and an op whose roofline times exceed its measured time
 * (eta > 1) has phases summing to more than the span: so the phases are used as
 * proportions of the span, not as absolute times.
 *
 * Zero-length phases are omitted (a memory-bound op has no exposed compute). An op
 * with no attributed time at all is entirely unexplained, which is overhead by the
 * method's definition (overhead = t0 + stall).
 */
export function phaseSlices(phases: OpPhases, startNs: number, durNs: number): PhaseSlice[] {
  const parts = PHASE_ORDER.map((phase) => ({ phase, us: nonNegative(phases[PHASE_FIELD[phase]]) }));
  const totalUs = parts.reduce((sum, part) => sum + part.us, 0);
  if (totalUs === 0) return durNs > 0 ? [{ phase: 'overhead', startNs, durNs }] : [];

  const endNs = startNs + durNs;
  const slices: PhaseSlice[] = [];
  let cursorNs = startNs;
  let cumulativeUs = 0;
  for (const part of parts) {
    cumulativeUs += part.us;
    // Boundaries come from cumulative shares, so rounding never accumulates and the
    // last boundary is exactly endNs.
    const boundaryNs = cumulativeUs === totalUs ? endNs : startNs + Math.round((durNs * cumulativeUs) / totalUs);
    if (boundaryNs > cursorNs) slices.push({ phase: part.phase, startNs: cursorNs, durNs: boundaryNs - cursorNs });
    cursorNs = boundaryNs;
  }
  return slices;
}

function nonNegative(value: number): number {
  return Number.isFinite(value) && value > 0 ? value : 0;
}

/**
 * Assigns each interval a row such that intervals on one row never overlap
 * (touching end-to-start is allowed). Ops run sequentially by default, giving one row;
 * a parallel executor, or profiler timestamps that overlap by a microsecond, gives
 * more. Trace viewers mis-nest partially overlapping slices on one thread, and the
 * HTML timeline would draw them on top of each other.
 *
 * Returns the row of each interval, in input order; rows are filled first-fit in
 * start order.
 */
export function assignRows(intervals: readonly { startNs: number; durNs: number }[]): number[] {
  const order = intervals.map((_, index) => index).sort((a, b) => intervals[a].startNs - intervals[b].startNs);
  const rowEndNs: number[] = [];
  const rows = new Array<number>(intervals.length);
  for (const index of order) {
    const { startNs, durNs } = intervals[index];
    let row = rowEndNs.findIndex((endNs) => endNs <= startNs);
    if (row === -1) row = rowEndNs.length;
    rowEndNs[row] = startNs + durNs;
    rows[index] = row;
  }
  return rows;
}
