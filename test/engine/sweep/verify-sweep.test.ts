/**
 * Sweep cells verified against dense, with real runs of hand-built models whose outputs are
 * known: y = x W with W the identity on the first two of three inputs, a variant file whose W
 * swaps the two classes (every top-1 flips), and a recipe variant that prunes to 50%, which
 * W (4 of 6 weights zero) already is (outputs unchanged). With a labelled input set, the numbers are
 * worked out by hand below.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { engineEnv } from '../../../src/main/engine/engine';
import { buildModel, floatTensor, node, valueInfo } from '../../../src/main/engine/model/graph-builder';
import { writeModel } from '../../../src/main/engine/model/onnx-io';
import { runSweep } from '../../../src/main/engine/sweep/run-sweep';
import { validateSweep } from '../../../src/main/engine/sweep/spec';
import { buildSweepViews, paretoQuality, paretoSvg, readCellReports } from '../../../src/main/engine/sweep/views';
import { tempDir } from '../../helpers';

const dir = tempDir('sweep-verify');
const env = engineEnv({ cacheDir: join(dir, 'cache'), workspaceDir: join(dir, 'workspace') });

/** y = x W for x [N, 3], W [3, 2] (the output named `output`). */
async function matmulModel(file: string, w: number[][], output = 'y'): Promise<string> {
  const path = join(dir, file);
  await writeModel(
    path,
    buildModel({
      name: file,
      nodes: [node('MatMul', ['x', 'w'], [output], 'mm')],
      initializers: [floatTensor('w', [3, 2], Float32Array.from(w.flat()))],
      inputs: [valueInfo('x', ['N', 3])],
      outputs: [valueInfo(output, ['N', 2])],
    }),
  );
  return path;
}

async function sweep(name: string, spec: object) {
  const file = join(dir, `${name}.json`);
  writeFileSync(file, JSON.stringify(spec));
  const v = validateSweep(spec, dir);
  if (!v.ok) throw new Error(v.errors.join('\n'));
  const outDir = join(dir, `${name}-out`);
  const results = await runSweep(env, { sweepFile: file, spec: v.spec, raw: v.raw, outDir });
  return { results, outDir };
}

const base = { eps: ['cpu'], threads: [1], runs: 2, warmup: 0, profiledRuns: 1 };

describe('sweep cells verified against dense', () => {
  it('records agreement with dense on seeded inputs, and the Pareto chart uses it', async () => {
    await matmulModel('mm.onnx', [[1, 0], [0, 1], [0, 0]]);
    await matmulModel('mm-swapped.onnx', [[0, 1], [1, 0], [0, 0]]);
    writeFileSync(join(dir, 'half.json'), JSON.stringify({ default: { sparsity: 0.5 } }));
    const { results, outDir } = await sweep('random', {
      ...base,
      models: ['mm.onnx'],
      variants: [{ id: 'dense' }, { id: 'swapped', model: 'mm-swapped.onnx' }, { id: 'half', recipe: 'half.json' }],
      batches: [8],
    });
    expect(results.cells.map((c) => [c.variant, c.status, c.error])).toEqual([
      ['dense', 'ok', undefined],
      ['swapped', 'ok', undefined],
      ['half', 'ok', undefined],
    ]);
    const [dense, swapped, half] = results.cells.map((c) => c.verification!);
    // Dense against itself.
    expect(dense).toEqual({ baseline: 'dense', inputs: 'random', samples: 8, top1Agreement: 1, top5Agreement: 1, cosine: 1, maxAbsError: 0, meanAbsError: 0 });
    // Swapped classes: every row's arg-max flips (random inputs never tie); both classes are within the top 5 of 2.
    expect(swapped).toMatchObject({ samples: 8, top1Agreement: 0, top5Agreement: 1 });
    expect(swapped.maxAbsError).toBeGreaterThan(0);
    expect(swapped.cosine).toBeLessThan(1);
    // W is already 4/6 zeros: the recipe's 50% prunes nothing else, so the outputs are dense's.
    expect(half).toMatchObject({ samples: 8, top1Agreement: 1, maxAbsError: 0 });
    expect(results.cells[2].sparsity).toBeCloseTo(2 / 3, 12);
    expect(existsSync(join(outDir, 'models', 'mm.half.onnx'))).toBe(true);

    const views = buildSweepViews(results, readCellReports(outDir, results));
    expect(views.pareto.map((p) => [p.agreement, p.accuracy])).toEqual([[1, null], [0, null], [1, null]]);
    expect(paretoQuality(views.pareto)?.kind).toBe('agreement');
    const svg = paretoSvg(views.pareto);
    expect(svg).toContain('Pareto: output agreement vs latency vs size');
    expect(svg).toContain('agreement 0.0%');
  }, 120_000);

  it('records accuracy on a labelled input set, worked out by hand, and the Pareto chart uses it', async () => {
    await matmulModel('mm2.onnx', [[1, 0], [0, 1], [0, 0]]);
    await matmulModel('mm2-swapped.onnx', [[0, 1], [1, 0], [0, 0]]);
    // y = [x0, x1] for dense and [x1, x0] swapped. Labels are dense's arg-max of every row.
    writeFileSync(join(dir, 'set.json'), JSON.stringify({ inputs: [[1, 0, 0], [0, 1, 0], [2, 1, 0], [0, 3, 1]], labels: [0, 1, 0, 1] }));
    const { results, outDir } = await sweep('data', {
      ...base,
      models: ['mm2.onnx'],
      variants: [{ id: 'dense' }, { id: 'swapped', model: 'mm2-swapped.onnx' }],
      batches: [1],
      data: 'set.json',
    });
    const [dense, swapped] = results.cells.map((c) => c.verification!);
    expect(dense).toMatchObject({ inputs: 'input-set', samples: 4, top1Agreement: 1, accuracy: 1, denseAccuracy: 1 });
    // |y - y'| per row = |x0 - x1| twice: 1, 1, 1, 3 -> max 3, mean (2 + 2 + 2 + 6) / 8.
    // y . y' = 2 x0 x1 per row = 0 + 0 + 4 + 0; |y|^2 = |y'|^2 = 1 + 1 + 5 + 9 = 16 -> cosine 4 / 16.
    expect(swapped).toMatchObject({ inputs: 'input-set', samples: 4, top1Agreement: 0, accuracy: 0, denseAccuracy: 1, maxAbsError: 3 });
    expect(swapped.meanAbsError).toBeCloseTo(1.5, 6);
    expect(swapped.cosine).toBeCloseTo(0.25, 6);

    const views = buildSweepViews(results, readCellReports(outDir, results));
    expect(views.pareto.map((p) => p.accuracy)).toEqual([1, 0]);
    expect(paretoQuality(views.pareto)?.kind).toBe('accuracy');
    // Dense is at least as accurate, as small: swapped is on the front only if it is faster.
    expect(views.pareto[0].onFront).toBe(true);
  }, 120_000);

  it('keeps a cell whose outputs cannot be compared ok, with the reason, and the Pareto chart on latency and size', async () => {
    await matmulModel('mm4.onnx', [[1, 0], [0, 1], [0, 0]]);
    await matmulModel('mm4-renamed.onnx', [[1, 0], [0, 1], [0, 0]], 'z');
    const { results, outDir } = await sweep('renamed', { ...base, models: ['mm4.onnx'], variants: [{ id: 'dense' }, { id: 'renamed', model: 'mm4-renamed.onnx' }], batches: [1] });
    expect(results.cells.map((c) => c.status)).toEqual(['ok', 'ok']);
    expect(results.cells[1].verification).toBeUndefined();
    expect(results.cells[1].verificationError).toBe("the cell's model has none of dense's outputs with the same size (y)");
    const views = buildSweepViews(results, readCellReports(outDir, results));
    expect(paretoQuality(views.pareto)).toBeNull();
    expect(paretoSvg(views.pareto)).toContain('Pareto: latency vs model size');
  }, 120_000);

  it('refuses an input set that does not fit a model, before writing anything', async () => {
    await matmulModel('mm3.onnx', [[1, 0], [0, 1], [0, 0]]);
    writeFileSync(join(dir, 'wide.json'), JSON.stringify({ inputs: [[1, 0, 0, 0]] }));
    const spec = { ...base, models: ['mm3.onnx'], data: 'wide.json' };
    const v = validateSweep(spec, dir);
    if (!v.ok) throw new Error(v.errors.join('\n'));
    const outDir = join(dir, 'wide-out');
    await expect(runSweep(env, { sweepFile: join(dir, 'wide.json'), spec: v.spec, raw: v.raw, outDir })).rejects.toThrow(/^input set .*wide\.json: /);
    expect(existsSync(outDir)).toBe(false);
  });
});
