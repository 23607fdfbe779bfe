/**
 * Verification metrics against answers worked out by hand, and verification on an input
 * set with real onnxruntime runs in the run worker.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compareOutputs, concatOutputs, runOnInputSet, verifyOnInputSet } from '../../../src/main/engine/analysis/verify';
import { buildModel, floatTensor, node, valueInfo } from '../../../src/main/engine/model/graph-builder';
import { parseInputSet } from '../../../src/main/engine/model/input-set';
import { writeModel } from '../../../src/main/engine/model/onnx-io';
import { defaultWorkerScriptPath, RunWorker } from '../../../src/main/engine/run/runner';
import type { OutputTensor } from '../../../src/main/engine/run/messages';
import type { TensorInfo } from '../../../src/shared/report';
import { tempDir } from '../../helpers';

const dir = tempDir('verify');

function tensor(rows: number[][], name = 'y'): OutputTensor {
  return { name, dtype: 'float32', dims: [rows.length, rows[0].length], data: Float64Array.from(rows.flat()) };
}

describe('compareOutputs', () => {
  it('errors, cosine, top-1 and accuracy on a 2-class example', () => {
    // diff |a - b| = [1, 1, 0, 0]; a.b = 1, |a| = |b| = sqrt 2.
    const v = compareOutputs([tensor([[1, 0], [0, 1]])], [tensor([[0, 1], [0, 1]])], 'dense', 'cpu', { labels: [0, 1] });
    expect(v.maxAbsError).toBe(1);
    expect(v.meanAbsError).toBe(0.5);
    expect(v.cosine).toBeCloseTo(0.5, 12);
    expect(v.top1Agreement).toBe(0.5);
    expect(v.top5Agreement).toBe(1); // 2 classes: the top 2 are all of them
    expect(v.baselineAccuracy).toBe(1);
    expect(v.candidateAccuracy).toBe(0.5);
    expect(v.samples).toBe(2);
    expect(v.inputs).toBe('random');
  });

  it('top-5 agreement: the baseline class among the candidate 5 highest of 6', () => {
    const baseline = tensor([
      [0, 1, 2, 3, 4, 5], // top 5
      [1, 0, 0, 0, 0, 0], // top 0
      [0, 0, 3, 0, 0, 0], // top 2
    ]);
    const candidate = tensor([
      [5, 4, 3, 2, 1, 0], // class 5 is last: not in the top 5
      [0.9, 1, 0, 0, 0, 0], // class 0 second: in the top 5, not top 1
      [0, 0, 3, 0, 0, 0], // same
    ]);
    const v = compareOutputs([baseline], [candidate], 'dense', 'cpu', { labels: [5, 0, 2], inputs: 'input-set', dataPath: '/d.json' });
    expect(v.top1Agreement).toBeCloseTo(1 / 3, 12);
    expect(v.top5Agreement).toBeCloseTo(2 / 3, 12);
    expect(v.baselineAccuracy).toBe(1);
    expect(v.candidateAccuracy).toBeCloseTo(1 / 3, 12); // candidate tops 0, 1, 2
    expect(v).toMatchObject({ inputs: 'input-set', dataPath: '/d.json' });
  });

  it('identical outputs agree fully; labels that do not match the rows give no accuracy', () => {
    const a = tensor([[3, -1, 2]]);
    const v = compareOutputs([a], [a], 'dense', 'cpu', { labels: [0, 1] });
    expect([v.maxAbsError, v.meanAbsError, v.cosine, v.top1Agreement, v.top5Agreement]).toEqual([0, 0, 1, 1, 1]);
    expect(v.baselineAccuracy).toBeUndefined();
  });

  it('concatenates per-batch outputs along the leading dimension', () => {
    const joined = concatOutputs([[tensor([[1, 2]])], [tensor([[3, 4], [5, 6]])]]);
    expect(joined[0].dims).toEqual([3, 2]);
    expect(Array.from(joined[0].data)).toEqual([1, 2, 3, 4, 5, 6]);
  });
});

/** y = x W for x [batch, 3], W [3, 2]. */
async function matmulModel(file: string, w: number[][], batch: number | string): Promise<{ path: string; inputs: TensorInfo[] }> {
  const path = join(dir, file);
  await writeModel(
    path,
    buildModel({
      name: file,
      nodes: [node('MatMul', ['x', 'w'], ['y'], 'mm')],
      initializers: [floatTensor('w', [3, 2], Float32Array.from(w.flat()))],
      inputs: [valueInfo('x', [batch, 3])],
      outputs: [valueInfo('y', [batch, 2])],
    }),
  );
  return { path, inputs: [{ name: 'x', dtype: 'float32', shape: [batch, 3] }] };
}

const W = [[1, 0], [0, 1], [1, 0]];
const W_PRUNED = [[1, 0], [0, 0], [1, 0]];
const SAMPLES = { inputs: { x: [[1, 0, 0], [0, 1, 0], [0, 0, 1]] }, labels: [0, 1, 1] };

describe('verification on an input set (onnxruntime in the run worker)', () => {
  it('runs a batchable model in one batch or in chunks, and a fixed-batch model per sample, same answers', async () => {
    const batched = await matmulModel('batched.onnx', W, 'batch');
    const fixed = await matmulModel('fixed.onnx', W, 1);
    const worker = await RunWorker.start();
    try {
      // The batchable model also in batches of two samples (6 values): 2 + 1.
      for (const [m, maxBatchValues] of [[batched, undefined], [batched, 6], [fixed, undefined]] as const) {
        const set = parseInputSet(SAMPLES, m.inputs, 'samples');
        const [y] = await runOnInputSet(m.path, m.inputs, set, { worker, ep: 'cpu', threads: 1, maxBatchValues });
        expect(y.dims).toEqual([3, 2]);
        expect(Array.from(y.data)).toEqual([1, 0, 0, 1, 1, 0]);
      }
    } finally {
      await worker.dispose();
    }
  });

  it('verifies a pruned variant with accuracies from the labels', async () => {
    const dense = await matmulModel('dense.onnx', W, 'batch');
    const pruned = await matmulModel('pruned.onnx', W_PRUNED, 'batch');
    const results = await verifyOnInputSet({
      workerScriptPath: defaultWorkerScriptPath(),
      baseline: { id: 'dense', modelPath: dense.path },
      candidates: [{ id: 'pruned', modelPath: pruned.path }],
      declared: dense.inputs,
      set: parseInputSet(SAMPLES, dense.inputs, 'samples'),
      dataPath: 'samples.json',
      ep: 'cpu',
      threads: 1,
    });
    const v = results.get('pruned')!;
    // dense rows [1,0] [0,1] [1,0] -> classes 0 1 0; pruned [1,0] [0,0] [1,0] -> 0 0 0 (ties go to the first).
    expect(v.baselineAccuracy).toBeCloseTo(2 / 3, 12);
    expect(v.candidateAccuracy).toBeCloseTo(1 / 3, 12);
    expect(v.top1Agreement).toBeCloseTo(2 / 3, 12);
    expect(v.maxAbsError).toBe(1);
    expect(v.meanAbsError).toBeCloseTo(1 / 6, 12);
    expect(v).toMatchObject({ inputs: 'input-set', dataPath: 'samples.json', samples: 3, baseline: 'dense' });
  });
});
