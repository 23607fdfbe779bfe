/**
 * Messages between the engine and the sparse timing process (./timing-worker.ts). Like
 * onnxruntime's run(), a sparse product blocks its thread, so kernels are timed in a child
 * process, never in the CLI's or the app's.
 */
import type { ApiError } from '../../../shared/api';
import type { EieLayout, PackOptions } from './types';

export interface SparseTimingSpec {
  /**
   * The ONNX model whose MatMul weight [K, N] is timed as a sparse [N x K] matrix ('eie': a
   * weight-shared one, every nonzero a value of pack.codebook).
   */
  modelPath: string;
  weightName: string;
  pack: PackOptions;
  threads: number;
  batch: number;
  /** Seed of the input, generated as the run worker generates ORT's (same values). */
  inputSeed: number;
  warmupRuns: number;
  /** At least this many timed products... */
  timedRuns: number;
  /** ...and keep going until this much time has passed. */
  minTimeMs: number;
  returnOutputs: boolean;
}

export interface SparseTimingResult {
  latenciesUs: number[];
  rows: number;
  cols: number;
  nnz: number;
  bytes: number;
  /** 'eie' only: entries, padding and field widths. */
  eie?: EieLayout;
  buildInfo: Record<string, string>;
  /** The first product's output, batch x rows, when asked for. */
  outputs?: Float32Array;
}

export type ToTimingWorker = { type: 'time'; id: number; spec: SparseTimingSpec };

export type FromTimingWorker =
  | { type: 'ready'; pid: number }
  | { type: 'result'; id: number; result: SparseTimingResult }
  | { type: 'error'; id: number; error: ApiError };
