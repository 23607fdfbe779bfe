/**
 * What the run worker tells the analysis about each LSTM step of a hybrid run, so that each
 * becomes its own op with exact FLOPs and bytes: the input projection is one sparse product like
 * any sparse layer (analysis/op-cost.ts sparseOpCost), the recurrence is seq_len products R·h
 * plus the cell (sparseLstmRecurrenceCost).
 */
import type * as ort from 'onnxruntime-node';
import { sparseLstmRecurrenceCost, type OpCost } from '../../analysis/op-cost';
import type { SparseFormat } from '../types';
import type { HybridExecutor } from './executor';
import { GATES, type LstmLayer } from './lstm';
import type { HybridRunInfo, HybridSparseLayerInfo } from './messages';
import type { HybridStep } from './split';

/** Op types of the two steps (report ops are `Sparse<opType>`). */
export const LSTM_STEP_OP = { 'input-projection': 'LSTMInput', recurrence: 'LSTMRecurrence' } as const;

/**
 * A sparse-layer record for one LSTM step. The input projection's fields mean what they mean for
 * any sparse layer (batch = seq_len x batch product rows). The recurrence's describe R over all
 * directions (rows directions·4·hidden, cols hidden; 'dense' when R was not pruned enough), its
 * batch is seq_len x batch, and `recurrence` carries what its cost needs beyond that.
 */
export interface LstmStepInfo extends Omit<HybridSparseLayerInfo, 'format'> {
  format: SparseFormat | 'dense';
  recurrence?: { seq: number; batch: number; hidden: number; directions: number; stateInputs: number; stateOutputs: number; writesY: boolean };
}

/** The LSTM steps of a hybrid run (none from a worker that ran no LSTM). */
export function lstmStepsOf(h: HybridRunInfo): LstmStepInfo[] {
  return h.lstmSteps ?? [];
}

/** Each LSTM step's matrices and shapes, from one more run that keeps each LSTM's X and an output; [] without LSTM steps. */
export async function describeLstmSteps(executor: HybridExecutor, steps: readonly HybridStep[], feeds: Record<string, ort.Tensor>): Promise<LstmStepInfo[]> {
  const recurrences = steps.flatMap((s) => (s.kind === 'lstm' && s.part === 'recurrence' ? [s.lstm] : []));
  if (recurrences.length === 0) return [];
  const tensors = await executor.run(feeds, recurrences.flatMap((l) => [l.x, firstOutput(l)]));
  const packed = executor.lstms;
  return steps.flatMap((step, i): LstmStepInfo[] => {
    if (step.kind !== 'lstm') return [];
    const { lstm } = step;
    const p = packed.get(lstm.node)!;
    const [seq, batch] = tensors[lstm.x].dims;
    const rows = lstm.directions * GATES * lstm.hidden;
    const gatesDims = [seq, batch, rows];
    const base = { step: i, node: step.name, opType: LSTM_STEP_OP[step.part], rows, batch: seq * batch };
    if (step.part === 'input-projection') {
      const m = p.projection;
      return [{ ...base, cols: lstm.inputSize, nnz: m.nnz, format: m.format, matrixBytes: m.bytes, biasBytes: rows * 4, inputDims: [...tensors[lstm.x].dims], outputDims: gatesDims }];
    }
    const sparse = p.recurrent.flatMap((r) => (r.kind === 'sparse' ? [r.matrix] : []));
    const denseCount = lstm.directions * GATES * lstm.hidden * lstm.hidden;
    const stored = lstm.recurrentSparse
      ? { format: sparse[0].format, nnz: sparse.reduce((s, m) => s + m.nnz, 0), matrixBytes: sparse.reduce((s, m) => s + m.bytes, 0) }
      : { format: 'dense' as const, nnz: denseCount, matrixBytes: denseCount * 4 };
    return [
      {
        ...base,
        cols: lstm.hidden,
        ...stored,
        biasBytes: 0,
        inputDims: gatesDims,
        outputDims: [...tensors[firstOutput(lstm)].dims],
        recurrence: {
          seq,
          batch,
          hidden: lstm.hidden,
          directions: lstm.directions,
          stateInputs: [lstm.initialH, lstm.initialC].filter((s) => s !== null).length,
          stateOutputs: [lstm.yH, lstm.yC].filter((n) => n !== '').length,
          writesY: lstm.y !== '',
        },
      },
    ];
  });
}

/** Y, else Y_h, else Y_c: the output whose dims the recurrence op reports. */
function firstOutput(lstm: LstmLayer): string {
  return lstm.y || lstm.yH || lstm.yC;
}

/** The exact cost of an LSTM recurrence step; null for any other sparse step (a single product: sparseOpCost). */
export function recurrenceCost(l: HybridSparseLayerInfo | LstmStepInfo): OpCost | null {
  if (!('recurrence' in l) || !l.recurrence) return null;
  return sparseLstmRecurrenceCost({ nnz: l.nnz, matrixBytes: l.matrixBytes, ...l.recurrence });
}
