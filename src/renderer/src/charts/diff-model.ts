/**
 * The diff view's rows: a comparison's ops aligned node by node (the engine aligned them on the model
 * node each executes, see analysis/compare.ts), with the change in time and in each phase, candidate
 * minus baseline: negative is faster. Pure, so the arithmetic is unit-tested; DiffView.svelte draws it.
 */
import type { Comparison, OpPhases } from '../../../shared/report';
import { PHASES, type Phase } from './palette';

export interface DiffRow {
  /** The model node, or the op's own name when it was not mapped back to one. */
  node: string;
  opType: string;
  baselineName: string | null;
  candidateName: string | null;
  baselineUs: number | null;
  candidateUs: number | null;
  /** candidate - baseline; an op on one side only counts its whole time (+ added, - removed). */
  deltaUs: number;
  /** deltaUs over the baseline's time; null without a baseline. */
  deltaFraction: number | null;
  phaseDeltaUs: Record<Phase, number>;
  status: 'both' | 'baseline only' | 'candidate only';
}

export interface DiffSummary {
  rows: DiffRow[];
  /** Sum of every row's deltaUs: the change in summed op time. */
  totalDeltaUs: number;
  phaseDeltaUs: Record<Phase, number>;
}

function phaseUs(phases: OpPhases | null, phase: Phase): number {
  if (!phases) return 0;
  return phase === 'memory' ? phases.memoryUs : phase === 'compute' ? phases.computeUs : phases.overheadUs;
}

/** Rows by the size of their change, largest first (ties in execution order). */
export function diffRows(comparison: Comparison): DiffSummary {
  const rows = comparison.ops.map((op): DiffRow => {
    const baselineUs = op.baselineDurUs;
    const candidateUs = op.candidateDurUs;
    const status = baselineUs !== null && candidateUs !== null ? 'both' : baselineUs !== null ? 'baseline only' : 'candidate only';
    const phaseDeltaUs = Object.fromEntries(PHASES.map((p) => [p, phaseUs(op.candidatePhases, p) - phaseUs(op.baselinePhases, p)])) as Record<Phase, number>;
    const deltaUs = (candidateUs ?? 0) - (baselineUs ?? 0);
    return {
      node: op.sourceNode ?? op.name,
      opType: op.opType,
      baselineName: baselineUs !== null ? op.name : null,
      candidateName: candidateUs === null ? null : (op.candidateName ?? op.name),
      baselineUs,
      candidateUs,
      deltaUs,
      deltaFraction: baselineUs !== null && baselineUs > 0 ? deltaUs / baselineUs : null,
      phaseDeltaUs,
      status,
    };
  });
  const order = rows.map((row, i) => ({ row, i })).sort((a, b) => Math.abs(b.row.deltaUs) - Math.abs(a.row.deltaUs) || a.i - b.i);
  const phaseDeltaUs = Object.fromEntries(PHASES.map((p) => [p, rows.reduce((sum, r) => sum + r.phaseDeltaUs[p], 0)])) as Record<Phase, number>;
  return { rows: order.map((o) => o.row), totalDeltaUs: rows.reduce((sum, r) => sum + r.deltaUs, 0), phaseDeltaUs };
}
