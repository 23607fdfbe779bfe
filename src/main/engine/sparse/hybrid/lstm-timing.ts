/**
 * Timing an LSTM both ways for the policy, as break-even.ts does for a single product: ORT on
 * a one-node model holding the LSTM with its pruned (dense-stored) weights, against the
 * executor's two steps (input projection, then recurrence), on the LSTM's real inputs with the
 * run's thread count. The whole LSTM is timed rather than its products alone: the recurrence's
 * per-timestep calls and the gate math are part of what sparse execution costs. Worker-only.
 */
import * as ort from 'onnxruntime-node';
import { buildModel, floatTensor, node, valueInfo } from '../../model/graph-builder';
import { encodeModel, type onnx } from '../../model/onnx-io';
import { timeRepeated } from './break-even';
import { sessionOptions, type HybridExecutor, type PackedLstm, type SessionSettings } from './executor';
import { GATES, type LstmLayer, type LstmState } from './lstm';
import type { DecisionSubject, TimedLayer } from './policy';

/**
 * What the policy judges for an LSTM (decideLayer): the gate matrix [W R] as one layer of
 * directions·4·hidden rows by input_size + hidden columns at the density of both together.
 */
export function lstmDecisionSubject(lstm: LstmLayer): DecisionSubject {
  return { node: lstm.node, opType: lstm.projection.opType, rows: lstm.projection.rows, cols: lstm.inputSize + lstm.hidden, density: lstm.density };
}

/** The LSTM as ORT runs it: its weights (W, R; B as Wb + Rb with Rb zero), states as inputs or constants. */
function denseLstmModel(lstm: LstmLayer): Uint8Array {
  const { directions: D, hidden: H, inputSize: I } = lstm;
  const rows = GATES * H;
  const bias = new Float32Array(D * 2 * rows);
  for (let d = 0; d < D; d++) bias.set(lstm.projection.bias!.subarray(d * rows, (d + 1) * rows), d * 2 * rows);
  const recurrent = new Float32Array(D * rows * H);
  lstm.recurrent.forEach((r, d) => recurrent.set(r, d * rows * H));
  const initializers = [floatTensor('W', [D, rows, I], lstm.projection.weights), floatTensor('R', [D, rows, H], recurrent), floatTensor('B', [D, 2 * rows], bias)];
  const inputs: onnx.IValueInfoProto[] = [valueInfo('X', ['seq', 'batch', I])];
  const state = (name: string, s: LstmState | null): string => {
    if (!s) return '';
    if ('values' in s) initializers.push(floatTensor(name, [D, s.values.length / (D * H), H], s.values));
    else inputs.push(valueInfo(name, [D, 'batch', H]));
    return name;
  };
  const nodeInputs = ['X', 'W', 'R', 'B', '', state('initial_h', lstm.initialH), state('initial_c', lstm.initialC)];
  return encodeModel(
    buildModel({
      name: `break-even-${lstm.node}`,
      nodes: [node('LSTM', nodeInputs, ['Y', 'Y_h', 'Y_c'], 'lstm', { hidden_size: H, direction: lstm.direction })],
      initializers,
      inputs,
      outputs: [valueInfo('Y', ['seq', D, 'batch', H]), valueInfo('Y_h', [D, 'batch', H]), valueInfo('Y_c', [D, 'batch', H])],
      opset: 14,
    }),
  );
}

/**
 * Median microseconds of the LSTM on ORT dense and on the executor's steps. `tensors`: the
 * LSTM's inputs from a run of the cut model (X, run-time states and sequence_lens).
 */
export async function timeLstm(
  lstm: LstmLayer,
  executor: HybridExecutor,
  packed: PackedLstm,
  tensors: ReadonlyMap<string, ort.Tensor>,
  settings: Pick<SessionSettings, 'ep' | 'threads' | 'graphOptimizationLevel'>,
): Promise<TimedLayer> {
  const feeds: Record<string, ort.Tensor> = { X: tensors.get(lstm.x)! };
  if (lstm.initialH && 'tensor' in lstm.initialH) feeds.initial_h = tensors.get(lstm.initialH.tensor)!;
  if (lstm.initialC && 'tensor' in lstm.initialC) feeds.initial_c = tensors.get(lstm.initialC.tensor)!;
  const session = await ort.InferenceSession.create(denseLstmModel(lstm), sessionOptions(settings));
  try {
    const denseUs = await timeRepeated(() => session.run(feeds));
    const sparseUs = await timeRepeated(() => {
      const gates = executor.runLstmPart(lstm, 'input-projection', packed, tensors);
      return executor.runLstmPart(lstm, 'recurrence', packed, new Map([...tensors, ...gates]));
    });
    // The LSTM's W is packed as the executor packs it (CSR): the format a sparse decision records.
    return { denseUs, sparseUs, format: packed.projection.format };
  } finally {
    await session.release();
  }
}
