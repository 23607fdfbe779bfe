/**
 * Top-down fractions from the stall counters, and the split of each op's unexplained time
 * (OpPhases.stallUs: t - t0 - max(T_m, T_c)) by them. docs/counters.md has the method.
 *
 *   backend  = stalled-cycles-backend / cycles    cycles the back end could not retire:
 *                                                 waiting on memory or execution units
 *   frontend = stalled-cycles-frontend / cycles   cycles starved of decoded instructions
 *   other    = 1 - backend - frontend             issuing, but still unexplained by the model
 *
 * Counts are summed over the profiled runs' windows (the windows the op spans come from).
 * The counters are read every sample period and at run boundaries, not per op (an op lasts
 * microseconds and runs inside onnxruntime), so one run's fractions apply to all its ops:
 * an estimate for the run, not a per-op measurement. No stall events on this CPU means no
 * split, with the reason; nothing is filled in.
 */
import type { CounterSeries, RunWindow, StallSplit, TopDownFractions } from '../../../../shared/report';
import type { Sample } from './series';

/**
 * The count of an interval-count series inside the windows: each sample is the count over
 * (previous sample, this sample], spread evenly over it; the first sample's interval start is
 * not in the series, so it is left out (as energy.ts does).
 */
export function countInWindows(samples: readonly Sample[], windows: readonly RunWindow[]): { count: number; coveredMs: number } {
  let count = 0;
  let coveredMs = 0;
  for (let i = 1; i < samples.length; i++) {
    const [t0] = samples[i - 1];
    const [t1, value] = samples[i];
    if (!(t1 > t0)) continue;
    for (const w of windows) {
      const overlap = Math.min(t1, w.endMs) - Math.max(t0, w.startMs);
      if (overlap <= 0) continue;
      count += (value * overlap) / (t1 - t0);
      coveredMs += overlap;
    }
  }
  return { count, coveredMs };
}

function find(counters: readonly CounterSeries[], name: string): CounterSeries | undefined {
  return counters.find((s) => s.name === name);
}

export function topDownFractions(counters: readonly CounterSeries[], windows: readonly RunWindow[]): TopDownFractions {
  if (windows.length === 0) return { available: false, reason: 'no profiled runs to take counts over' };
  const cycles = find(counters, 'perf.cycles');
  if (!cycles?.available) return { available: false, reason: `no cycle counts (${cycles?.reason ?? 'perf.cycles not sampled'})` };
  const backend = find(counters, 'perf.stalled-cycles-backend');
  const frontend = find(counters, 'perf.stalled-cycles-frontend');
  if (!backend?.available && !frontend?.available) {
    return { available: false, reason: `no stall events on this CPU (stalled-cycles-backend: ${backend?.reason ?? 'not sampled'})` };
  }
  const total = countInWindows(cycles.samples ?? [], windows);
  if (!(total.count > 0)) return { available: false, reason: 'no cycles counted inside the profiled runs (runs shorter than the sample period?)' };
  const share = (s: CounterSeries | undefined): number | null =>
    s?.available ? Math.min(1, Math.max(0, countInWindows(s.samples ?? [], windows).count / total.count)) : null;
  let backendBound = share(backend);
  let frontendBound = share(frontend);
  // Some cores count a cycle as both: keep the shares a partition of the cycles.
  const sum = (backendBound ?? 0) + (frontendBound ?? 0);
  if (sum > 1) {
    backendBound = backendBound === null ? null : backendBound / sum;
    frontendBound = frontendBound === null ? null : frontendBound / sum;
  }
  return { available: true, backendBound, frontendBound, cycles: total.count, coveredMs: total.coveredMs };
}

/** The op's unexplained time split by the run's fractions; the three parts sum to stallUs. */
export function splitStall(stallUs: number, fractions: { backendBound: number | null; frontendBound: number | null }): StallSplit {
  const backendUs = stallUs * (fractions.backendBound ?? 0);
  const frontendUs = stallUs * (fractions.frontendBound ?? 0);
  return { backendUs, frontendUs, otherUs: Math.max(0, stallUs - backendUs - frontendUs) };
}

/** Ops with their stallSplit, when the run has fractions. */
export function withStallSplit<Op extends { phases: { stallUs: number }; stallSplit?: StallSplit }>(ops: readonly Op[], fractions: TopDownFractions): Op[] {
  if (!fractions.available) return [...ops];
  return ops.map((op) => ({ ...op, stallSplit: splitStall(op.phases.stallUs, fractions) }));
}
