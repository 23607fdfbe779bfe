import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { SeededRandom } from '../../../src/shared/random';
import { pruneModel } from '../../../src/main/engine/compress/prune';
import { buildLenet300100 } from '../../../src/main/engine/model/demo-models';
import { sparseKernels } from '../../../src/main/engine/sparse/hybrid/kernels';
import { planHybrid } from '../../../src/main/engine/sparse/hybrid/plan';
import { SPARSE_MARGIN, decideLayer } from '../../../src/main/engine/sparse/hybrid/policy';
import { findSparseCandidates } from '../../../src/main/engine/sparse/hybrid/split';
import { jsKernels } from './hybrid-js-kernels';

const status = sparseKernels();
const kernels = status.available ? status.kernels : jsKernels;
const settings = { ep: 'cpu', threads: 2, graphOptimizationLevel: 'all' as const };
const lenet = pruneModel(buildLenet300100(), { sparsity: 0.9, global: false }).model;
const fc1 = findSparseCandidates(lenet).layers[0];

function feeds(batch: number) {
  const rng = new SeededRandom(3);
  return { input: new ort.Tensor('float32', Float32Array.from({ length: batch * 784 }, () => rng.uniform(0, 1)), [batch, 784]) };
}

describe('hybrid policy decisions', () => {
  it('picks sparse only when it beats dense by the margin', () => {
    const faster = decideLayer(fc1, 1, { denseUs: 100, sparseUs: 40 });
    expect(faster).toMatchObject({ choice: 'sparse', forced: false, denseUs: 100, sparseUs: 40, batch: 1 });
    expect(faster.reason).toMatch(/^sparse is faster at batch 1, density 10\.0%, 300x784: sparse 40\.0 us vs dense 100\.0 us \(2\.50x\)$/);
    expect(decideLayer(fc1, 64, { denseUs: 100, sparseUs: 300 }).choice).toBe('dense');
    // Within the noise margin: stay with ORT.
    expect(decideLayer(fc1, 1, { denseUs: 100, sparseUs: 100 * SPARSE_MARGIN + 0.01 }).choice).toBe('dense');
    expect(decideLayer(fc1, 1, null).choice).toBe('dense');
  });

  it('lets the user force either choice, keeping the measurement in the reason', () => {
    const forced = decideLayer(fc1, 1, { denseUs: 10, sparseUs: 50 }, 'sparse');
    expect(forced).toMatchObject({ choice: 'sparse', forced: true });
    expect(forced.reason).toBe('forced sparse by the user (sparse 50.0 us vs dense 10.0 us)');
    expect(decideLayer(fc1, 1, { denseUs: 50, sparseUs: 10 }, 'dense')).toMatchObject({ choice: 'dense', forced: true });
  });
});

describe('hybrid planning from measured break-even', () => {
  it('times every candidate at the run batch and cuts only at the layers that go sparse', async () => {
    const plan = await planHybrid(lenet, kernels, feeds(4), settings);
    expect(plan.decisions.map((d) => [d.node, d.batch])).toEqual([
      ['fc1/MatMul', 4],
      ['fc2/MatMul', 4],
      ['fc3/MatMul', 4],
    ]);
    for (const d of plan.decisions) {
      expect(d.denseUs).toBeGreaterThan(0);
      expect(d.sparseUs).toBeGreaterThan(0);
      const winsAlone = d.sparseUs! < d.denseUs! * SPARSE_MARGIN;
      // A layer that wins alone goes dense only when the whole cut model lost to ORT.
      const lostAsWhole = d.reason.startsWith('the cut model loses overall');
      expect(d.choice).toBe(winsAlone && !lostAsWhole ? 'sparse' : 'dense');
      if (lostAsWhole) expect(winsAlone).toBe(true);
    }
    const sparseSteps = plan.steps.filter((s) => s.kind === 'sparse').map((s) => s.name);
    expect(sparseSteps).toEqual(plan.decisions.filter((d) => d.choice === 'sparse').map((d) => d.node));
    // Whatever won alone was also timed as a whole against ORT running the model whole.
    const check = plan.wholeModelCheck;
    if (sparseSteps.length > 0) expect(check!.hybridUs).toBeLessThan(check!.ortUs * SPARSE_MARGIN);
    if (check && sparseSteps.length === 0) {
      for (const d of plan.decisions) expect(d.reason).toMatch(/^the cut model loses overall \(hybrid [\d.]+ us vs ORT whole [\d.]+ us per inference/);
    }
  });

  it('follows per-layer overrides', async () => {
    const plan = await planHybrid(lenet, kernels, feeds(1), settings, { 'fc1/MatMul': 'sparse', 'fc2/MatMul': 'dense', 'fc3/MatMul': 'sparse' });
    expect(plan.steps.map((s) => (s.kind === 'ort' ? s.nodes.join('+') : `sparse:${s.name}`))).toEqual([
      'sparse:fc1/MatMul',
      'fc2/MatMul+fc2/Add+fc2/Relu',
      'sparse:fc3/MatMul',
    ]);
    expect(plan.decisions.every((d) => d.forced)).toBe(true);
    expect(plan.wholeModelCheck).toBeNull();
  });

  it('runs the unpruned model whole on ORT, with each layer rejected by density', async () => {
    const plan = await planHybrid(buildLenet300100(), kernels, feeds(1), settings);
    expect(plan.steps.map((s) => s.kind)).toEqual(['ort']);
    expect(plan.decisions).toEqual([]);
    expect(plan.rejected.map((r) => r.node)).toEqual(['fc1/MatMul', 'fc2/MatMul', 'fc3/MatMul']);
    expect(plan.fallbackReason).toBeUndefined();
  });
});
