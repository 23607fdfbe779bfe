/**
 * What the engine asks of the run worker for a hybrid run (RunSpec.hybrid) and what the
 * worker answers (RunResult.hybrid). Times are on the job clock (ms).
 */
import type { HybridReport, RunWindow } from '../../../../shared/report';
import type { SparseFormat } from '../types';
import type { BreakEvenCacheSpec } from './break-even';
import type { LstmStepInfo } from './lstm-info';
import type { LayerChoice, LayerDecision } from './policy';
import type { RejectedLayer } from './split';

export interface HybridSpec {
  /** Per-layer override by node name: force the sparse kernel or ORT dense. */
  overrides: Record<string, LayerChoice>;
  /** Where the policy may read and keep break-even measurements; absent: every layer is timed. */
  breakEven?: BreakEvenCacheSpec;
}

export interface HybridSparseLayerInfo {
  /** Index of the step in `steps`. */
  step: number;
  node: string;
  opType: string;
  rows: number;
  cols: number;
  nnz: number;
  format: SparseFormat;
  /** SparseMatrix.bytes: values + indices + row pointers streamed per product. */
  matrixBytes: number;
  biasBytes: number;
  /** Product rows per inference. */
  batch: number;
  inputDims: number[];
  outputDims: number[];
}

/** A step of the cut model with the source nodes it executes (report.json `hybrid.steps`). */
export type HybridStepInfo = HybridReport['steps'][number];

export interface HybridRunInfo {
  /** Set when the model could not be split and ran on ORT dense as one piece. */
  fallbackReason?: string;
  kernelBuildInfo: Record<string, string>;
  steps: HybridStepInfo[];
  decisions: LayerDecision[];
  rejected: RejectedLayer[];
  sparseLayers: HybridSparseLayerInfo[];
  /** Per profiled run (the first, a warm-up, excluded): each step's window. */
  profiledStepWindows: RunWindow[][];
  /** ORT profile of each segment step, by step index. */
  segmentProfiles: { step: number; path: string }[];
  /** The chosen cut against the whole model on ORT, timed while planning (median us per inference); null: not compared. */
  wholeModelCheck: { hybridUs: number; ortUs: number } | null;
  /** Hybrid outputs against ORT running the same (pruned) model whole, on the first run's inputs. */
  check: { maxAbsError: number; maxRelError: number; comparedOutputs: string[] };
  /** Each sparse LSTM step's matrices and shapes (absent in results without LSTM steps). */
  lstmSteps?: LstmStepInfo[];
}
