/**
 * The sparse (hybrid) execution of each `pruned-S+sparse` variant as people read it: how the variant ran
 * (split, whole on onnxruntime, or not at all, and why), each candidate layer's decision with the evidence
 * behind it, the layers that were never candidates, the whole-model check and the output check. One model
 * for the app's "Sparse execution" panel and report.html's section, so both say the same thing.
 *
 * Nothing is decided here: the choices, times and reasons are the engine's (engine/sparse/hybrid/plan.ts,
 * policy.ts). This only arranges them and derives the ratios. Numbers stay numbers (each view formats them
 * with its own number format); the sentences are built here. Pure and DOM-free, so the renderer can import it.
 * Reports written before a field existed (`basis`, `format`) still read: the field says "not recorded".
 */
import type { HybridLayerDecision, HybridReport, Report } from './report';
import { sortRows } from './sort-rows';

export type HybridMode = HybridReport['mode'];
export type DecisionBasis = NonNullable<HybridLayerDecision['basis']>;

/** How each basis reads, and what it means (for tooltips and the report's legend). */
export const BASIS_LABELS: Record<DecisionBasis, { label: string; meaning: string }> = {
  timed: { label: 'timed', meaning: 'both ways timed on this run’s inputs' },
  cached: { label: 'cached', meaning: 'an earlier timing of the same layer shape, nonzeros and batch on this machine' },
  predicted: { label: 'predicted', meaning: 'from the break-even table, not timed (the density is far from the break-even)' },
  none: { label: 'none', meaning: 'no evidence: the choice was not measured' },
};
/** What a report written before `basis` was recorded shows in its place. */
export const BASIS_NOT_RECORDED = 'not recorded';

/** One candidate layer's decision, as a table row. */
export interface HybridDecisionRow {
  node: string;
  opType: string;
  rows: number;
  cols: number;
  /** Output x input features: '300 × 784'. */
  shape: string;
  /** Nonzeros over rows x cols, in [0, 1]. */
  density: number;
  /** Product rows: the batch, or batch x pixels for a 1x1 Conv. */
  batch: number;
  choice: 'sparse' | 'dense';
  /** The user forced the choice (`--sparse-layer`, ProfileRequest.sparseLayers). */
  forced: boolean;
  /** 'sparse', 'dense', 'sparse (forced)', 'dense (forced)'. */
  choiceLabel: string;
  /** The storage format the layer is packed in; null when it stays dense, or the report predates formats. */
  format: string | null;
  /** Where the times came from; null when the report predates it (basisLabel then says so). */
  basis: DecisionBasis | null;
  basisLabel: string;
  /** The layer alone, median us; null when predicted (not timed). */
  denseUs: number | null;
  sparseUs: number | null;
  /** denseUs / sparseUs: above 1 the sparse kernel is faster alone; null without both times. */
  speedup: number | null;
  reason: string;
}

/** The chosen cut timed against the pruned model whole on onnxruntime, one inference each. */
export interface WholeModelCheckView {
  hybridUs: number;
  ortUs: number;
  /** ortUs / hybridUs: above 1 the cut model is faster. */
  speedup: number;
  /** Whether the variant kept the cut (it runs sparse steps) or fell back to the whole model on ORT. */
  kept: boolean;
  verdict: string;
}

export interface OutputCheckView {
  maxAbsError: number;
  /** max |hybrid − ORT| / max |ORT| over the compared outputs. */
  maxRelError: number;
  comparedOutputs: string[];
}

export interface HybridView {
  /** The `+sparse` variant's id. */
  variant: string;
  /** The pruned variant whose model it runs. */
  baseVariant: string;
  mode: HybridMode;
  /** How the variant ran, in one sentence. */
  modeLine: string;
  /** Why it did not run split, or why no layer runs sparse; null when neither. */
  reason: string | null;
  /** The sparse kernels' build ('simd avx512 · compiler g++ 12.2.0'); null when the kernels did not load. */
  kernelBuild: string | null;
  /** The execution order, one entry per step: 'sparse fc1/MatMul + fc1/Add, fc1/Relu', 'onnxruntime segment0 (2 nodes)'. */
  steps: string[];
  decisions: HybridDecisionRow[];
  /** Layers that are no candidates, with the reason (`kernel 5x5 is not 1x1`, ...). */
  rejected: { node: string; opType: string; reason: string }[];
  wholeModelCheck: WholeModelCheckView | null;
  /** Why there is no whole-model check; null when there is one. */
  wholeModelCheckMissing: string | null;
  outputCheck: OutputCheckView | null;
  /** Why there is no output check; null when there is one. */
  outputCheckMissing: string | null;
}

/** Every `+sparse` variant of the report, in report order; empty when the report has none. */
export function hybridViews(report: Pick<Report, 'variants'>): HybridView[] {
  return report.variants.flatMap((v) => (v.hybrid ? [hybridView(v.id, v.hybrid)] : []));
}

export function hybridView(variant: string, hybrid: HybridReport): HybridView {
  const decisions = hybrid.decisions.map(decisionRow);
  const runsSparse = hybrid.steps.some((s) => s.kind === 'sparse');
  const build = Object.entries(hybrid.kernelBuildInfo).map(([key, value]) => `${key} ${value}`);
  return {
    variant,
    baseVariant: hybrid.baseVariant,
    mode: hybrid.mode,
    modeLine: modeLine(hybrid, decisions),
    reason: hybrid.reason ?? null,
    kernelBuild: build.length > 0 ? build.join(' · ') : null,
    steps: hybrid.steps.map(stepLabel),
    decisions,
    rejected: hybrid.rejected,
    wholeModelCheck: hybrid.wholeModelCheck ? wholeModelCheckView(hybrid.wholeModelCheck, runsSparse) : null,
    wholeModelCheckMissing: hybrid.wholeModelCheck ? null : wholeModelCheckMissing(hybrid),
    outputCheck: hybrid.check,
    outputCheckMissing: hybrid.check ? null : hybrid.mode === 'unavailable' ? 'not run' : 'not compared',
  };
}

function decisionRow(d: HybridLayerDecision): HybridDecisionRow {
  const speedup = d.denseUs !== null && d.sparseUs !== null && d.sparseUs > 0 ? d.denseUs / d.sparseUs : null;
  return {
    node: d.node,
    opType: d.opType,
    rows: d.rows,
    cols: d.cols,
    shape: `${d.rows} × ${d.cols}`,
    density: d.density,
    batch: d.batch,
    choice: d.choice,
    forced: d.forced,
    choiceLabel: d.forced ? `${d.choice} (forced)` : d.choice,
    format: d.format ?? null,
    basis: d.basis ?? null,
    basisLabel: d.basis ? BASIS_LABELS[d.basis].label : BASIS_NOT_RECORDED,
    denseUs: d.denseUs,
    sparseUs: d.sparseUs,
    speedup,
    reason: d.reason,
  };
}

function plural(count: number, one: string, many: string): string {
  return `${count} ${count === 1 ? one : many}`;
}

function modeLine(hybrid: HybridReport, decisions: readonly HybridDecisionRow[]): string {
  switch (hybrid.mode) {
    case 'unavailable':
      return 'not run on the sparse kernels';
    case 'ort-fallback':
      return 'ran whole on onnxruntime instead of split (fallback)';
    case 'hybrid': {
      const sparseSteps = hybrid.steps.filter((s) => s.kind === 'sparse').length;
      if (sparseSteps === 0) return `ran whole on onnxruntime: no layer runs sparse (${plural(decisions.length, 'candidate layer', 'candidate layers')})`;
      const ortSteps = hybrid.steps.filter((s) => s.kind === 'ort').length;
      return `split: ${sparseSteps} of ${plural(decisions.length, 'candidate layer', 'candidate layers')} on the sparse kernels, ${plural(ortSteps, 'onnxruntime segment', 'onnxruntime segments')} for the rest`;
    }
  }
}

/** A sparse step names the nodes fused into it; an ORT segment, how many nodes it runs (hundreds, in a big model). */
function stepLabel(step: HybridReport['steps'][number]): string {
  if (step.kind === 'sparse') {
    const fused = step.nodes.filter((n) => n !== step.name);
    return `sparse ${step.name}${fused.length > 0 ? ` + ${fused.join(', ')}` : ''}`;
  }
  return `onnxruntime ${step.name} (${plural(step.nodes.length, 'node', 'nodes')})`;
}

function wholeModelCheckView(check: { hybridUs: number; ortUs: number }, kept: boolean): WholeModelCheckView {
  return {
    ...check,
    speedup: check.ortUs / check.hybridUs,
    kept,
    verdict: kept ? 'the cut model is faster: kept' : 'the cut model loses overall: the variant runs whole on onnxruntime',
  };
}

function wholeModelCheckMissing(hybrid: HybridReport): string {
  if (hybrid.mode === 'unavailable') return 'not run';
  if (hybrid.decisions.some((d) => d.forced && d.choice === 'sparse')) return 'not compared: a layer was forced sparse';
  if (!hybrid.decisions.some((d) => d.choice === 'sparse')) return 'not compared: no layer was chosen sparse';
  return 'not compared';
}

export type DecisionSortKey = 'node' | 'opType' | 'rows' | 'density' | 'batch' | 'choice' | 'format' | 'basis' | 'denseUs' | 'sparseUs' | 'speedup';

function sortValue(row: HybridDecisionRow, key: DecisionSortKey): string | number | null {
  switch (key) {
    case 'rows':
      return row.rows * row.cols;
    case 'choice':
      return row.choiceLabel;
    case 'basis':
      return row.basisLabel;
    default:
      return row[key];
  }
}

/** The rows sorted by one column (shape by rows x cols); missing values last in either direction, ties in report order. */
export function sortDecisionRows(rows: readonly HybridDecisionRow[], key: DecisionSortKey, descending: boolean): HybridDecisionRow[] {
  return sortRows(rows, (row) => sortValue(row, key), descending);
}
