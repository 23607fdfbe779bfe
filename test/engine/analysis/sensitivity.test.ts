/**
 * Sensitivity analysis on the trained MNIST model with real onnxruntime runs (one run
 * worker per analysis), and the budget, CSV and SVG outputs on hand-made curves.
 */
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  analyzeSensitivity,
  DEFAULT_SPARSITIES,
  proposeTargets,
  sensitivityCsv,
  sensitivitySvg,
  type SensitivityResult,
} from '../../../src/main/engine/analysis/sensitivity';
import { readInputSet, type InputSet } from '../../../src/main/engine/model/input-set';
import { readModel, type LoadedModel } from '../../../src/main/engine/model/onnx-io';
import { summarizeModel } from '../../../src/main/engine/model/summary';
import type { TensorInfo } from '../../../src/shared/report';
import { REPO_ROOT } from '../../helpers';

let model: LoadedModel;
let inputs: TensorInfo[];
let subset: InputSet;
beforeAll(() => {
  model = readModel(join(REPO_ROOT, 'resources/models/lenet-mnist.onnx'));
  inputs = summarizeModel(model).inputs;
  // 200 of the 500 test digits (balanced: the file interleaves classes) keep the runs short.
  subset = { samples: readInputSet(join(REPO_ROOT, 'resources/data/mnist-test-500.json'), inputs).samples.slice(0, 200) };
});

function drops(points: { metric: number }[]): number {
  let rises = 0;
  for (let i = 1; i < points.length; i++) if (points[i].metric > points[i - 1].metric + 0.02) rises++;
  return rises;
}

describe('analyzeSensitivity on the trained LeNet-300-100', () => {
  it('element granularity with labels: accuracy per layer and sparsity, falling with sparsity', async () => {
    const r = await analyzeSensitivity(model.proto, inputs, { granularity: 'element', inputSet: subset, threads: 2 });
    expect(r.metric).toBe('accuracy');
    expect(r.samples).toBe(200);
    expect(r.baseline).toBeGreaterThanOrEqual(0.95);
    expect(r.layers.map((l) => l.name)).toEqual(['fc1.weight', 'fc2.weight', 'fc3.weight']);
    for (const layer of r.layers) {
      expect(layer.points.map((p) => p.sparsity)).toEqual([...DEFAULT_SPARSITIES]);
      expect(layer.points[0].metric).toBe(r.baseline);
      for (const p of layer.points) expect(p.metric).toBeGreaterThanOrEqual(0);
      expect(layer.points[9].metric).toBeLessThanOrEqual(layer.points[0].metric);
    }
  });

  it('filter granularity: removing output classes of the last layer costs accuracy step by step', async () => {
    const r = await analyzeSensitivity(model.proto, inputs, { granularity: 'filter', inputSet: subset, threads: 2 });
    const fc3 = r.layers.find((l) => l.name === 'fc3.weight')!;
    // 10 output rows: pruning s of them zeroes about s of the classes' weights.
    expect(fc3.points[9].metric).toBeLessThan(r.baseline - 0.5);
    expect(drops(fc3.points)).toBe(0);
    expect(fc3.points[5].metric).toBeLessThan(fc3.points[1].metric);
  });

  it('without data: top-1 agreement with dense on seeded random inputs', async () => {
    const r = await analyzeSensitivity(model.proto, inputs, { granularity: 'element', sparsities: [0, 0.5, 0.9], seed: 7 });
    expect(r.metric).toBe('top1Agreement');
    expect(r.inputs).toBe('random');
    expect(r.baseline).toBe(1);
    for (const layer of r.layers) expect(layer.points.map((p) => p.sparsity)).toEqual([0, 0.5, 0.9]);
    expect(Math.min(...r.layers.map((l) => l.points[2].metric))).toBeLessThan(1);
  });

  it('refuses an unknown granularity in one line', async () => {
    await expect(analyzeSensitivity(model.proto, inputs, { granularity: 'kernel' as 'filter' })).rejects.toThrow(
      "unknown granularity 'kernel' for sensitivity (use element or filter)",
    );
  });
});

const CURVES: SensitivityResult = {
  metric: 'accuracy',
  granularity: 'element',
  baseline: 0.97,
  samples: 100,
  inputs: 'input-set',
  layers: [
    { name: 'a', node: 'a/MatMul', opType: 'MatMul', points: [0, 0.5, 0.9].map((sparsity, i) => ({ sparsity, metric: [0.97, 0.965, 0.95][i] })) },
    // Noisy: falls out of budget at 0.5, back in at 0.9; the target stops at the first failure.
    { name: 'b<"&>', node: 'b', opType: 'Gemm', points: [0, 0.5, 0.9].map((sparsity, i) => ({ sparsity, metric: [0.97, 0.9, 0.97][i] })) },
  ],
};

describe('budget targets, CSV and SVG', () => {
  it('proposes the largest sparsity before the metric first drops more than the budget', () => {
    expect(proposeTargets(CURVES, 0.01)).toEqual([
      { name: 'a', sparsity: 0.5, metric: 0.965 },
      { name: 'b<"&>', sparsity: 0, metric: 0.97 },
    ]);
    expect(proposeTargets(CURVES, 0.02)[0]).toEqual({ name: 'a', sparsity: 0.9, metric: 0.95 });
    expect(() => proposeTargets(CURVES, 2)).toThrow(/budget 2 is outside \[0, 1\]/);
  });

  it('writes one CSV row per layer and sparsity', () => {
    const lines = sensitivityCsv(CURVES).trim().split('\n');
    expect(lines[0]).toBe('layer,sparsity,accuracy');
    expect(lines).toHaveLength(1 + 6);
    expect(lines[2]).toBe('a,0.5,0.965');
    expect(lines[5]).toBe('"b<""&>",0.5,0.9');
  });

  it('draws a standalone SVG: one line per layer, names escaped', () => {
    const svg = sensitivitySvg(CURVES);
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.trim().endsWith('</svg>')).toBe(true);
    expect(svg.match(/<polyline /g)).toHaveLength(2);
    expect(svg).toContain('b&lt;&quot;&amp;&gt;');
    expect(svg).not.toContain('b<"&>');
  });
});
