/**
 * LSTM test models built with graph-builder: one ONNX LSTM (weights pruned by zeroing a share of
 * them at random, as magnitude pruning leaves them), optionally followed by a pruned Gemm head,
 * and the feeds to run them. Shared by the hybrid LSTM tests.
 */
import * as ort from 'onnxruntime-node';
import { SeededRandom } from '../../../src/shared/random';
import { buildModel, floatTensor, node, valueInfo, type AttrValue } from '../../../src/main/engine/model/graph-builder';
import { DataType, encodeModel, onnx } from '../../../src/main/engine/model/onnx-io';

export interface LstmCase {
  hidden: number;
  input: number;
  seq: number;
  batch: number;
  direction: 'forward' | 'reverse' | 'bidirectional';
  /** initial_h and initial_c: graph inputs, constants (initializers), or absent. */
  states: 'inputs' | 'constants' | 'none';
  /** Share of W's and R's weights that are zero (R's may differ: an R left dense). */
  wSparsity?: number;
  rSparsity?: number;
  /** A full-length sequence_lens graph input (int32). */
  sequenceLens?: boolean;
  /** A pruned Gemm head on Y_h, as a classifier over the last hidden state. */
  gemmHead?: number;
  /** Extra LSTM attributes (refusal tests). */
  attrs?: Record<string, AttrValue>;
  /** Extra raw attributes (string lists, which graph-builder does not write). */
  rawAttrs?: onnx.IAttributeProto[];
  /** A peephole input P. */
  peepholes?: boolean;
  /** Element type of X (refusal test). */
  xType?: number;
  /** A constant sequence_lens with these lengths (refusal test). */
  constantLengths?: number[];
}

export const directionsOf = (c: Pick<LstmCase, 'direction'>): number => (c.direction === 'bidirectional' ? 2 : 1);

function sparseWeights(rng: SeededRandom, n: number, sparsity: number, scale: number): Float32Array {
  return Float32Array.from({ length: n }, () => (rng.next() < sparsity ? 0 : rng.normal() * scale));
}

function uniform(rng: SeededRandom, n: number, lo: number, hi: number): Float32Array {
  return Float32Array.from({ length: n }, () => rng.uniform(lo, hi));
}

export function lstmModel(c: LstmCase, seed = 7): onnx.ModelProto {
  const rng = new SeededRandom(seed);
  const D = directionsOf(c);
  const { hidden: H, input: I } = c;
  // Pre-activations stay in the sigmoid's and tanh's live range: weights ~ N(0, 1/fan-in of the nonzeros).
  const wScale = 1 / Math.sqrt(I * (1 - (c.wSparsity ?? 0.9)) + 1);
  const rScale = 1 / Math.sqrt(H * (1 - (c.rSparsity ?? 0.9)) + 1);
  const initializers: onnx.ITensorProto[] = [
    floatTensor('W', [D, 4 * H, I], sparseWeights(rng, D * 4 * H * I, c.wSparsity ?? 0.9, wScale)),
    floatTensor('R', [D, 4 * H, H], sparseWeights(rng, D * 4 * H * H, c.rSparsity ?? 0.9, rScale)),
    floatTensor('B', [D, 8 * H], uniform(rng, D * 8 * H, -0.5, 0.5)),
  ];
  const inputs = [valueInfo('X', [c.seq, c.batch, I], c.xType ?? DataType.FLOAT)];
  let seqLens = '';
  if (c.sequenceLens) {
    inputs.push(valueInfo('seq_lens', [c.batch], DataType.INT32));
    seqLens = 'seq_lens';
  }
  if (c.constantLengths) {
    initializers.push({ name: 'seq_lens', dims: [c.constantLengths.length], dataType: DataType.INT32, int32Data: c.constantLengths });
    seqLens = 'seq_lens';
  }
  const states = c.states === 'none' ? ['', ''] : ['h0', 'c0'];
  for (const name of c.states === 'none' ? [] : states) {
    if (c.states === 'inputs') inputs.push(valueInfo(name, [D, c.batch, H]));
    else initializers.push(floatTensor(name, [D, c.batch, H], uniform(rng, D * c.batch * H, -0.5, 0.5)));
  }
  const lstmInputs = ['X', 'W', 'R', 'B', seqLens, ...states];
  if (c.peepholes) {
    initializers.push(floatTensor('P', [D, 3 * H], uniform(rng, D * 3 * H, -0.1, 0.1)));
    lstmInputs.push('P');
  }
  const lstm = node('LSTM', lstmInputs, ['Y', 'Y_h', 'Y_c'], 'lstm', { hidden_size: H, direction: c.direction, ...(c.attrs ?? {}) });
  lstm.attribute!.push(...(c.rawAttrs ?? []));
  const nodes = [lstm];
  const outputs = [valueInfo('Y', [c.seq, D, c.batch, H]), valueInfo('Y_h', [D, c.batch, H]), valueInfo('Y_c', [D, c.batch, H])];
  if (c.gemmHead) {
    // Y_h [D, batch, H] -> [batch, D*H] needs D = 1 here: a Reshape, then the pruned head.
    initializers.push({ name: 'flat', dims: [2], dataType: DataType.INT64, int64Data: [c.batch, D * H] });
    initializers.push(floatTensor('head_w', [c.gemmHead, D * H], sparseWeights(rng, c.gemmHead * D * H, 0.9, 0.3)));
    initializers.push(floatTensor('head_b', [c.gemmHead], uniform(rng, c.gemmHead, -0.1, 0.1)));
    nodes.push(node('Reshape', ['Y_h', 'flat'], ['h_flat'], 'flatten'));
    nodes.push(node('Gemm', ['h_flat', 'head_w', 'head_b'], ['logits'], 'head', { transB: 1 }));
    outputs.push(valueInfo('logits', [c.batch, c.gemmHead]));
  }
  return buildModel({ name: 'lstm-test', nodes, initializers, inputs, outputs, opset: 14 });
}

export function activationsAttr(names: string[]): onnx.IAttributeProto {
  return { name: 'activations', type: onnx.AttributeProto.AttributeType.STRINGS, strings: names.map((n) => new TextEncoder().encode(n)) };
}

export function lstmFeeds(c: LstmCase, seed = 99): Record<string, ort.Tensor> {
  const rng = new SeededRandom(seed);
  const D = directionsOf(c);
  const feeds: Record<string, ort.Tensor> = { X: new ort.Tensor('float32', uniform(rng, c.seq * c.batch * c.input, -1, 1), [c.seq, c.batch, c.input]) };
  if (c.states === 'inputs') {
    feeds.h0 = new ort.Tensor('float32', uniform(rng, D * c.batch * c.hidden, -0.5, 0.5), [D, c.batch, c.hidden]);
    feeds.c0 = new ort.Tensor('float32', uniform(rng, D * c.batch * c.hidden, -0.5, 0.5), [D, c.batch, c.hidden]);
  }
  if (c.sequenceLens) feeds.seq_lens = new ort.Tensor('int32', Int32Array.from({ length: c.batch }, () => c.seq), [c.batch]);
  return feeds;
}

export async function ortOutputs(proto: onnx.IModelProto, feeds: Record<string, ort.Tensor>): Promise<Record<string, ort.Tensor>> {
  const s = await ort.InferenceSession.create(encodeModel(proto), { executionProviders: ['cpu'], intraOpNumThreads: 2, logSeverityLevel: 3 });
  try {
    return (await s.run(feeds)) as Record<string, ort.Tensor>;
  } finally {
    await s.release();
  }
}
