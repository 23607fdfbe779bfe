/**
 * The per-layer policy: run a pruned layer on the sparse kernels or leave it to ORT dense.
 *
 * The break-even between a sparse and a dense product depends on density, batch and shape
 * together (sparse wins at batch 1 and low density, where the layer is memory-bound; it loses
 * at large batches, where dense GEMM is compute-bound and far better tuned), so the policy
 * does not model it: both are timed for the layer's shape at the run's batch
 * (./break-even.ts) and the faster wins. The user can force either choice per layer.
 */
import type { HybridLayerDecision } from '../../../../shared/report';
import type { SparseLayer } from './split';

export type LayerChoice = HybridLayerDecision['choice'];

export interface LayerTiming {
  /** Median of ORT dense on the layer alone (same shape, weights, threads). */
  denseUs: number;
  /** Median of the sparse kernel on the same input. */
  sparseUs: number;
}

/** What the report keeps of each decision (report.json `hybrid.decisions`). */
export type LayerDecision = HybridLayerDecision;

/** A sparse layer must beat dense by this margin: timing noise should not flip a layer to the slower path. */
export const SPARSE_MARGIN = 0.95;

const us = (v: number) => `${v.toFixed(1)} us`;

export function decideLayer(layer: SparseLayer, batch: number, timing: LayerTiming | null, override?: LayerChoice): LayerDecision {
  const base = { node: layer.node, opType: layer.opType, rows: layer.rows, cols: layer.cols, density: layer.density, batch };
  const measured = timing ? `sparse ${us(timing.sparseUs)} vs dense ${us(timing.denseUs)}` : 'not timed';
  if (override) {
    return { ...base, choice: override, forced: true, denseUs: timing?.denseUs ?? null, sparseUs: timing?.sparseUs ?? null, reason: `forced ${override} by the user (${measured})` };
  }
  if (!timing) return { ...base, choice: 'dense', forced: false, denseUs: null, sparseUs: null, reason: 'no break-even measurement: kept on ORT dense' };
  const sparseWins = timing.sparseUs < timing.denseUs * SPARSE_MARGIN;
  const where = `at batch ${batch}, density ${(layer.density * 100).toFixed(1)}%, ${layer.rows}x${layer.cols}`;
  return {
    ...base,
    choice: sparseWins ? 'sparse' : 'dense',
    forced: false,
    denseUs: timing.denseUs,
    sparseUs: timing.sparseUs,
    reason: sparseWins
      ? `sparse is faster ${where}: ${measured} (${(timing.denseUs / timing.sparseUs).toFixed(2)}x)`
      : `dense is faster or even ${where}: ${measured}`,
  };
}
