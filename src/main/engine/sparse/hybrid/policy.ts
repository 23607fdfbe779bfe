/**
 * The per-layer policy: run a pruned layer on the sparse kernels or leave it to ORT dense.
 *
 * The break-even between a sparse and a dense product depends on density, batch and shape
 * together (sparse wins at batch 1 and low density, where the layer is memory-bound; it loses
 * at large batches, where dense GEMM is compute-bound and far better tuned), so the policy
 * does not model it; it decides from measurements (./break-even.ts), cheapest first:
 * - a cached measurement of the same layer (shape, nonzeros, batch) on this machine, EP,
 *   thread count and kernel build;
 * - the break-even table for the layer's shape and batch, when the layer's density is far
 *   from the break-even (a clear case: timing it could not change the answer);
 * - else both are timed for the layer's shape at the run's batch and the faster wins.
 * The sparse side is the fastest of the layer's candidate storage formats (formats.ts), and a
 * layer that goes sparse is packed in that format. The user can force either choice per layer.
 */
import type { HybridLayerDecision } from '../../../../shared/report';
import type { SparseFormat } from '../types';
import type { BreakEvenEntry } from './break-even-table';
import type { SparseLayer } from './split';

export type LayerChoice = HybridLayerDecision['choice'];

/** One candidate storage format's sparse time. */
export interface TimedFormat {
  format: SparseFormat;
  sparseUs: number;
}

/** The layer alone, both ways (same shape, weights, input, threads): medians in microseconds. */
export interface TimedLayer {
  /** ORT dense. */
  denseUs: number;
  /** The sparse kernel, in the fastest candidate format. */
  sparseUs: number;
  /** The format sparseUs was timed in (absent when the caller did not say, e.g. numbers given by hand). */
  format?: SparseFormat;
  /** Every candidate format timed, in candidate order (one when there was no choice). */
  candidates?: TimedFormat[];
}

/** The table's prediction; `format`: the sparse format the layer would be packed in (the table's fastest nearby). */
export type PredictedTiming = { basis: 'predicted'; choice: LayerChoice; format?: SparseFormat; entry: Pick<BreakEvenEntry, 'breakEvenDensity' | 'crossover' | 'measuredAt'> };

/** What the policy knows of a layer: timed now, a cached timing, or predicted from the break-even table. */
export type LayerTiming = (TimedLayer & { basis?: 'timed' }) | (TimedLayer & { basis: 'cached'; measuredAt: string }) | PredictedTiming;

/** What the report keeps of each decision (report.json `hybrid.decisions`), with the format typed. */
export type LayerDecision = Omit<HybridLayerDecision, 'format'> & { format?: SparseFormat };

/** A sparse layer must beat dense by this margin: timing noise should not flip a layer to the slower path. */
export const SPARSE_MARGIN = 0.95;

/**
 * The table decides without timing only when the layer's density is below the break-even
 * divided by this, or above it times this; nearer, the layer is timed.
 */
export const CLEAR_FACTOR = 2;

/** The table's choice for a layer of this density, or null when it is too close to call. */
export function predictFromTable(entry: Pick<BreakEvenEntry, 'breakEvenDensity' | 'crossover'>, density: number): LayerChoice | null {
  // Outside the ladder the break-even is a bound: only the side it bounds can be predicted.
  if (entry.crossover !== 'below-ladder' && density < entry.breakEvenDensity / CLEAR_FACTOR) return 'sparse';
  if (entry.crossover !== 'above-ladder' && density > entry.breakEvenDensity * CLEAR_FACTOR) return 'dense';
  return null;
}

const us = (v: number) => `${v.toFixed(1)} us`;
const pct = (v: number) => `${(v * 100).toFixed(1)}%`;

function breakEvenText(entry: Extract<LayerTiming, { basis: 'predicted' }>['entry']): string {
  const bound = { interpolated: '', 'below-ladder': 'below ', 'above-ladder': 'above ' }[entry.crossover];
  return `break-even ${bound}${pct(entry.breakEvenDensity)}, break-even table from ${entry.measuredAt}`;
}

function evidenceText(timing: LayerTiming | null): string {
  if (!timing) return 'not timed';
  if (timing.basis === 'predicted') return `not timed: ${timing.choice} predicted, ${breakEvenText(timing.entry)}`;
  const times = `sparse ${us(timing.sparseUs)} vs dense ${us(timing.denseUs)}`;
  return timing.basis === 'cached' ? `cached measurement from ${timing.measuredAt}: ${times}` : times;
}

/** Each candidate format's time when there was a choice, e.g. `; formats csr16 14.0 us, sell 9.1 us`. */
function candidatesText(timing: LayerTiming): string {
  if (timing.basis === 'predicted' || !timing.candidates || timing.candidates.length < 2) return '';
  return `; formats ${timing.candidates.map((c) => `${c.format} ${us(c.sparseUs)}`).join(', ')}`;
}

/** The decision with the choice made; the format only when it goes sparse and the format is known. */
function decided(base: Omit<LayerDecision, 'choice' | 'forced' | 'reason' | 'format'>, choice: LayerChoice, forced: boolean, format: SparseFormat | undefined, reason: string): LayerDecision {
  return { ...base, choice, forced, ...(choice === 'sparse' && format ? { format } : {}), reason };
}

/** A decision turned dense after the fact (the whole-model check): the sparse format goes with it. */
export function asDense(decision: LayerDecision, reason: string): LayerDecision {
  const { format: _packed, ...rest } = decision;
  return { ...rest, choice: 'dense', reason };
}

/** What a decision needs to know of the layer (an LSTM is decided on its gate matrices [W R] as a whole). */
export type DecisionSubject = Pick<SparseLayer, 'node' | 'opType' | 'rows' | 'cols' | 'density'>;

export function decideLayer(layer: DecisionSubject, batch: number, timing: LayerTiming | null, override?: LayerChoice): LayerDecision {
  const basis: LayerDecision['basis'] = timing ? (timing.basis ?? 'timed') : 'none';
  const times = timing && timing.basis !== 'predicted' ? { denseUs: timing.denseUs, sparseUs: timing.sparseUs } : { denseUs: null, sparseUs: null };
  const base = { node: layer.node, opType: layer.opType, rows: layer.rows, cols: layer.cols, density: layer.density, batch, basis, ...times };
  const format = timing?.format;
  // "sparse (sell)": which format a sparse choice is packed in, when known.
  const sparseIn = format ? `sparse (${format})` : 'sparse';
  const evidence = evidenceText(timing) + (timing ? candidatesText(timing) : '');
  if (override) return decided(base, override, true, format, `forced ${override === 'sparse' ? sparseIn : override} by the user (${evidence})`);
  if (!timing) return decided(base, 'dense', false, undefined, 'no break-even measurement: kept on ORT dense');
  const where = `at batch ${batch}, density ${pct(layer.density)}, ${layer.rows}x${layer.cols}`;
  if (timing.basis === 'predicted') {
    const side = timing.choice === 'sparse' ? `under 1/${CLEAR_FACTOR} of` : `over ${CLEAR_FACTOR}x`;
    const what = timing.choice === 'sparse' ? sparseIn : 'dense';
    return decided(base, timing.choice, false, format, `${what} predicted ${where}: density ${side} the break-even (${breakEvenText(timing.entry)})`);
  }
  const sparseWins = timing.sparseUs < timing.denseUs * SPARSE_MARGIN;
  const reason = sparseWins
    ? `${sparseIn} is faster ${where}: ${evidenceText(timing)} (${(timing.denseUs / timing.sparseUs).toFixed(2)}x${candidatesText(timing)})`
    : `dense is faster or even ${where}: ${evidence}`;
  return decided(base, sparseWins ? 'sparse' : 'dense', false, format, reason);
}
