/**
 * LSTM on the sparse kernels in the hybrid executor: the two steps (input projection of every
 * timestep as one product, then the recurrence with R·h per step and the gates in TypeScript)
 * against ORT's own LSTM on the same pruned model, and the precise refusals that leave an LSTM
 * in an ORT segment.
 */
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { DataType, type onnx } from '../../../src/main/engine/model/onnx-io';
import { HybridExecutor } from '../../../src/main/engine/sparse/hybrid/executor';
import { sparseKernels } from '../../../src/main/engine/sparse/hybrid/kernels';
import { cutGraph, findSparseCandidates, reportedStep } from '../../../src/main/engine/sparse/hybrid/split';
import { jsKernels } from './hybrid-js-kernels';
import { activationsAttr, directionsOf, lstmFeeds, lstmModel, ortOutputs, type LstmCase } from './lstm-models';

const status = sparseKernels();
const kernels = status.available ? status.kernels : jsKernels;
const settings = { ep: 'cpu', threads: 2, graphOptimizationLevel: 'all' as const };

/** Every candidate (LSTMs and layers) run by the executor; max |hybrid - ORT| / max |ORT| per output. */
async function hybridVsOrt(proto: onnx.IModelProto, feeds: Record<string, ort.Tensor>): Promise<{ rel: Record<string, number>; steps: string[] }> {
  const { layers, lstms } = findSparseCandidates(proto);
  const cut = cutGraph(proto, layers, lstms);
  if (!cut.ok) throw new Error(cut.reason);
  const outputs = (proto.graph?.output ?? []).map((o) => o.name ?? '');
  const executor = await HybridExecutor.create(cut.steps, kernels, settings);
  const hybrid = await executor.run(feeds, outputs);
  await executor.release();
  const reference = await ortOutputs(proto, feeds);
  const rel: Record<string, number> = {};
  for (const name of outputs) {
    expect([...hybrid[name].dims], name).toEqual([...reference[name].dims]);
    const h = hybrid[name].data as Float32Array;
    const r = reference[name].data as Float32Array;
    let maxDiff = 0;
    let scale = 0;
    for (let i = 0; i < r.length; i++) {
      maxDiff = Math.max(maxDiff, Math.abs(h[i] - r[i]));
      scale = Math.max(scale, Math.abs(r[i]));
    }
    expect(scale, `${name} is not all zeros`).toBeGreaterThan(0.05);
    rel[name] = maxDiff / scale;
  }
  return { rel, steps: cut.steps.map((s) => `${s.kind}:${s.name}`) };
}

const CASES: LstmCase[] = [
  { hidden: 32, input: 16, seq: 1, batch: 1, direction: 'forward', states: 'none' },
  { hidden: 32, input: 20, seq: 8, batch: 3, direction: 'reverse', states: 'inputs' },
  { hidden: 64, input: 48, seq: 5, batch: 3, direction: 'forward', states: 'constants' },
  { hidden: 128, input: 64, seq: 8, batch: 1, direction: 'reverse', states: 'none' },
  { hidden: 256, input: 128, seq: 8, batch: 3, direction: 'forward', states: 'inputs' },
  { hidden: 256, input: 96, seq: 2, batch: 1, direction: 'forward', states: 'inputs' },
  { hidden: 48, input: 24, seq: 6, batch: 3, direction: 'bidirectional', states: 'inputs' },
  { hidden: 64, input: 32, seq: 4, batch: 1, direction: 'bidirectional', states: 'none', sequenceLens: true },
];

const label = (c: LstmCase) => `hidden ${c.hidden}, input ${c.input}, seq ${c.seq}, batch ${c.batch}, ${c.direction}, states ${c.states}${c.sequenceLens ? ', sequence_lens' : ''}`;

describe('LSTM on the sparse kernels equals ORT', () => {
  for (const c of CASES) {
    it(`W and R pruned 90%: ${label(c)}`, async () => {
      const proto = lstmModel(c);
      const { lstms, rejected } = findSparseCandidates(proto);
      expect(rejected).toEqual([]);
      expect(lstms).toHaveLength(1);
      const lstm = lstms[0];
      expect(lstm).toMatchObject({ node: 'lstm', hidden: c.hidden, inputSize: c.input, directions: directionsOf(c), recurrentSparse: true });
      expect(lstm.densityW).toBeCloseTo(0.1, 1);
      expect(lstm.projection).toMatchObject({ rows: directionsOf(c) * 4 * c.hidden, cols: c.input, input: 'X' });
      const { rel, steps } = await hybridVsOrt(proto, lstmFeeds(c));
      expect(steps).toEqual(['lstm:lstm/input-projection', 'lstm:lstm/recurrence']);
      for (const [name, err] of Object.entries(rel)) expect(err, name).toBeLessThan(1e-4);
    });
  }

  it('runs R as a dense product when R is not pruned', async () => {
    const c: LstmCase = { hidden: 32, input: 24, seq: 5, batch: 3, direction: 'forward', states: 'inputs', rSparsity: 0 };
    const proto = lstmModel(c);
    const [lstm] = findSparseCandidates(proto).lstms;
    expect(lstm.recurrentSparse).toBe(false);
    expect(lstm.densityR).toBe(1);
    const { rel } = await hybridVsOrt(proto, lstmFeeds(c));
    for (const [name, err] of Object.entries(rel)) expect(err, name).toBeLessThan(1e-4);
  });

  it('runs an LSTM followed by a pruned Gemm head: LSTM steps, a Reshape segment, the sparse head', async () => {
    const c: LstmCase = { hidden: 64, input: 32, seq: 6, batch: 3, direction: 'forward', states: 'inputs', gemmHead: 10 };
    const proto = lstmModel(c);
    const { layers, lstms } = findSparseCandidates(proto);
    expect(layers.map((l) => l.node)).toEqual(['head']);
    const { rel, steps } = await hybridVsOrt(proto, lstmFeeds(c));
    expect(steps).toEqual(['lstm:lstm/input-projection', 'lstm:lstm/recurrence', 'ort:segment0', 'sparse:head']);
    for (const [name, err] of Object.entries(rel)) expect(err, name).toBeLessThan(1e-4);
    // The report lists both LSTM steps as sparse steps of the LSTM node.
    const cut = cutGraph(proto, layers, lstms);
    if (!cut.ok) throw new Error(cut.reason);
    expect(cut.steps.map(reportedStep).slice(0, 2)).toEqual([
      { kind: 'sparse', name: 'lstm/input-projection', nodes: ['lstm'] },
      { kind: 'sparse', name: 'lstm/recurrence', nodes: ['lstm'] },
    ]);
  });

  it('says why when sequence_lens at run time is not full length', async () => {
    const c: LstmCase = { hidden: 32, input: 16, seq: 4, batch: 3, direction: 'forward', states: 'none', sequenceLens: true };
    const proto = lstmModel(c);
    const { lstms } = findSparseCandidates(proto);
    const cut = cutGraph(proto, [], lstms);
    if (!cut.ok) throw new Error(cut.reason);
    const executor = await HybridExecutor.create(cut.steps, kernels, settings);
    const feeds = { ...lstmFeeds(c), seq_lens: new ort.Tensor('int32', Int32Array.from([4, 2, 4]), [3]) };
    await expect(executor.run(feeds, ['Y'])).rejects.toThrow(
      'hybrid lstm: sequence_lens [4,2,4] is not seq_len 4 for each of the 3 sequences (only full-length sequences are implemented)',
    );
    await executor.release();
  });
});

describe('LSTMs the executor refuses stay on ORT', () => {
  const base: LstmCase = { hidden: 16, input: 8, seq: 3, batch: 2, direction: 'forward', states: 'none' };
  const refusals: [string, Partial<LstmCase>, string][] = [
    ['non-default activations', { rawAttrs: [activationsAttr(['Sigmoid', 'Relu', 'Tanh'])] }, 'activations [Sigmoid, Relu, Tanh] are not the defaults (Sigmoid, Tanh, Tanh): only those are implemented'],
    ['clip', { attrs: { clip: { float: 3 } } }, 'clip=3 (cell clipping) is not implemented'],
    ['input_forget', { attrs: { input_forget: 1 } }, 'input_forget=1 (coupled input and forget gates) is not implemented'],
    ['peepholes', { peepholes: true }, 'peepholes P (P) are not implemented'],
    ['layout 1', { attrs: { layout: 1 } }, 'layout=1 (batch-major X and states) is not implemented: only layout 0'],
    ['varying sequence_lens', { constantLengths: [3, 2] }, 'sequence_lens [3,2] varies: only full-length sequences are implemented'],
    ['double X', { xType: DataType.DOUBLE }, 'input X (X) is float64, not float32'],
    ['dense W', { wSparsity: 0.2 }, 'is above 50%: the input projection would stream more bytes sparse than dense'],
  ];
  for (const [what, change, reason] of refusals) {
    it(`refuses ${what} with the reason`, () => {
      const { lstms, rejected } = findSparseCandidates(lstmModel({ ...base, ...change }));
      expect(lstms).toEqual([]);
      expect(rejected).toHaveLength(1);
      expect(rejected[0]).toMatchObject({ node: 'lstm', opType: 'LSTM' });
      expect(rejected[0].reason).toContain(reason);
    });
  }

  it('accepts the default activations written out', () => {
    const { lstms } = findSparseCandidates(lstmModel({ ...base, rawAttrs: [activationsAttr(['Sigmoid', 'Tanh', 'Tanh'])] }));
    expect(lstms).toHaveLength(1);
  });

  it('keeps a refused LSTM in an ORT segment and still runs the pruned head sparse', async () => {
    const c: LstmCase = { ...base, hidden: 32, gemmHead: 6, attrs: { clip: { float: 0.5 } }, states: 'inputs' };
    const proto = lstmModel(c);
    const { rel, steps } = await hybridVsOrt(proto, lstmFeeds(c));
    expect(steps).toEqual(['ort:segment0', 'sparse:head']);
    const cut = cutGraph(proto, findSparseCandidates(proto).layers);
    if (!cut.ok || cut.steps[0].kind !== 'ort') throw new Error('expected a segment first');
    expect(cut.steps[0].nodes).toEqual(['lstm', 'flatten']);
    for (const [name, err] of Object.entries(rel)) expect(err, name).toBeLessThan(1e-4);
  });
});
