/**
 * Planning a hybrid run (in the worker): find the sparse layers, time each both ways on
 * the run's real activations (the sparse side in each candidate storage format, formats.ts),
 * let the policy choose, and cut the model at the layers that go sparse, each carrying the
 * format it won in for the executor to pack. A model that cannot be cut runs whole on ORT,
 * with the reason. An LSTM is decided as a whole (lstm-timing.ts): its two steps against
 * ORT's LSTM.
 */
import type * as ort from 'onnxruntime-node';
import { toApiError } from '../../../../shared/errors';
import type { onnx } from '../../model/onnx-io';
import type { SparseKernels } from '../types';
import { timeLayer, timeRepeated } from './break-even';
import { HybridExecutor, nchwToRows, type SessionSettings } from './executor';
import { lstmReads } from './lstm';
import { lstmDecisionSubject, timeLstm } from './lstm-timing';
import { SPARSE_MARGIN, asDense, decideLayer, type LayerChoice, type LayerDecision } from './policy';
import { cutGraph, findSparseCandidates, wholeModelStep, type HybridStep, type RejectedLayer } from './split';

export interface HybridPlan {
  steps: HybridStep[];
  decisions: LayerDecision[];
  rejected: RejectedLayer[];
  fallbackReason?: string;
  /** The chosen cut against the whole model on ORT, each one inference (median us); null when not compared. */
  wholeModelCheck: { hybridUs: number; ortUs: number } | null;
}

export async function planHybrid(
  proto: onnx.IModelProto,
  kernels: SparseKernels,
  feeds: Record<string, ort.Tensor>,
  settings: Omit<SessionSettings, 'profile'>,
  overrides: Record<string, LayerChoice> = {},
): Promise<HybridPlan> {
  const { layers, lstms, rejected } = findSparseCandidates(proto);
  const known = new Set([...layers, ...lstms, ...rejected].map((l) => l.node));
  const unknown = Object.keys(overrides).filter((n) => !known.has(n));
  if (unknown.length > 0) rejected.push(...unknown.map((node) => ({ node, opType: '?', reason: 'override names no MatMul/Gemm/Conv/LSTM node of the model' })));
  const whole = (fallbackReason?: string): HybridPlan => ({
    steps: [wholeModelStep(proto)],
    decisions: [],
    rejected,
    wholeModelCheck: null,
    ...(fallbackReason ? { fallbackReason } : {}),
  });
  if (layers.length === 0 && lstms.length === 0) return whole();
  const all = cutGraph(proto, layers, lstms);
  if (!all.ok) return whole(all.reason);

  // A first pass with every candidate sparse gives each layer's real input (and checks the cut runs).
  // Whatever goes wrong with the cut model (a segment ORT refuses, a failed run) costs the variant its
  // sparse layers, not the run: it runs whole on ORT with the reason.
  let probe: HybridExecutor;
  try {
    probe = await HybridExecutor.create(all.steps, kernels, settings);
  } catch (err) {
    return whole(`the cut model could not be prepared: ${toApiError(err).message}`);
  }
  const decisions: LayerDecision[] = [];
  try {
    let inputs: Record<string, ort.Tensor>;
    try {
      inputs = await probe.run(feeds, [...layers.map((l) => l.input), ...lstms.flatMap(lstmReads)]);
    } catch (err) {
      return whole(`the cut model failed its first run: ${toApiError(err).message}`);
    }
    const matrices = probe.matrices;
    for (const layer of layers) {
      const x = inputs[layer.input];
      const batch = HybridExecutor.batchOf(layer, x.dims);
      const data = x.data as Float32Array;
      const rowsX = layer.layout === 'nchw' ? nchwToRows(data, x.dims[0], layer.cols, batch / x.dims[0]) : data;
      const timing = await timeLayer(layer, matrices.get(layer.node)!, kernels, rowsX, batch, settings);
      decisions.push(decideLayer(layer, batch, timing, overrides[layer.node]));
    }
    const packedLstms = probe.lstms;
    const tensors = new Map(Object.entries(inputs));
    for (const lstm of lstms) {
      const timing = await timeLstm(lstm, probe, packedLstms.get(lstm.node)!, tensors, settings);
      decisions.push(decideLayer(lstmDecisionSubject(lstm), inputs[lstm.x].dims[1], timing, overrides[lstm.node]));
    }
  } finally {
    await probe.release();
  }
  const decisionOf = (node: string) => decisions.find((d) => d.node === node);
  const goesSparse = (node: string) => decisionOf(node)?.choice === 'sparse';
  // Each sparse layer is packed in the format its timing chose (CSR when none was named).
  const chosen = layers.filter((l) => goesSparse(l.node)).map((l) => ({ ...l, format: decisionOf(l.node)?.format }));
  const chosenLstms = lstms.filter((l) => goesSparse(l.node));
  if (chosen.length === 0 && chosenLstms.length === 0) return { ...whole(), decisions };
  const cut = cutGraph(proto, chosen, chosenLstms);
  if (!cut.ok) return { ...whole(cut.reason), decisions };
  if (decisions.some((d) => d.forced && d.choice === 'sparse')) return { steps: cut.steps, decisions, rejected, wholeModelCheck: null };

  // Each layer won alone, but every cut adds an ORT call and tensor hand-over: check the whole.
  const outputs = (proto.graph?.output ?? []).map((o) => o.name ?? '');
  const hybridUs = await timeInference(cut.steps, kernels, feeds, outputs, settings);
  const ortUs = await timeInference([wholeModelStep(proto)], kernels, feeds, outputs, settings);
  const wholeModelCheck = { hybridUs, ortUs };
  if (hybridUs < ortUs * SPARSE_MARGIN) return { steps: cut.steps, decisions, rejected, wholeModelCheck };
  const lost = `the cut model loses overall (hybrid ${hybridUs.toFixed(1)} us vs ORT whole ${ortUs.toFixed(1)} us per inference: the cuts cost more than the sparse layers save)`;
  return {
    ...whole(),
    decisions: decisions.map((d) => (d.choice === 'sparse' ? asDense(d, `${lost}; alone: ${d.reason}`) : d)),
    wholeModelCheck,
  };
}

async function timeInference(
  steps: HybridStep[],
  kernels: SparseKernels,
  feeds: Record<string, ort.Tensor>,
  outputs: string[],
  settings: Omit<SessionSettings, 'profile'>,
): Promise<number> {
  const executor = await HybridExecutor.create(steps, kernels, settings);
  try {
    return await timeRepeated(() => executor.run(feeds, outputs));
  } finally {
    await executor.release();
  }
}
