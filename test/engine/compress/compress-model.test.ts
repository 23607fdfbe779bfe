/**
 * The compression pipeline in memory: stage order, per-layer results, recipe stages and the
 * request checks that run before any work.
 */
import { describe, expect, it } from 'vitest';
import { compressModel, type CompressOptions } from '../../../src/main/engine/compress/compress-model';
import { parseRecipe } from '../../../src/main/engine/compress/recipe';
import { buildLenet300100 } from '../../../src/main/engine/model/demo-models';
import { floatValues } from '../../../src/main/engine/model/onnx-io';

const lenet = buildLenet300100();
const noWorker = { runWorker: () => Promise.reject(new Error('no worker in this test')) };
const run = (options: CompressOptions) => compressModel(lenet, options, noWorker);

describe('compressModel', () => {
  it('prunes rows, thins, then shares: every stage visible in the result and the weights', async () => {
    const result = await run({ prune: { sparsity: 0.5, granularity: { kind: 'row' } }, thin: true, shareBits: 3 });
    expect(result.stages).toEqual(['prune', 'thin', 'share']);
    expect(result.layers.map((l) => [l.name, l.targetSparsity, l.prunedSparsity, l.granularity])).toEqual([
      ['fc1.weight', 0.5, 0.5, 'row'],
      ['fc2.weight', 0.5, 0.5, 'row'],
      ['fc3.weight', 0.5, 0.5, 'row'],
    ]);
    // fc1 and fc2 lost their pruned output rows; fc3 feeds the graph output and keeps them.
    expect(result.thinning!.map((t) => t.removed)).toEqual([150, 50, 0]);
    expect(result.layers[0].elementCount).toBe(784 * 150);
    expect(result.layers[2].sparsity).toBe(0.5);
    for (const t of result.model.graph!.initializer!.filter((t) => t.name!.endsWith('.weight'))) {
      const distinct = new Set(Array.from(floatValues(t)).filter((v) => v !== 0));
      expect(distinct.size).toBeLessThanOrEqual(8);
    }
    expect(result.sharing!.map((s) => s.bits)).toEqual([3, 3, 3]);
    // The dense model is not changed.
    expect(floatValues(lenet.graph!.initializer![0]).includes(0)).toBe(false);
  });

  it('takes a recipe’s stages, with explicit options overriding them', async () => {
    const recipe = parseRecipe({ layers: [{ name: 'fc2*', sparsity: 0.3 }], shareWeights: 6, quantize: 'int8-dynamic' });
    const withRecipe = await run({ recipe: { recipe, label: 'r.json' }, shareBits: 2 });
    expect(withRecipe.stages).toEqual(['prune', 'share', 'quantize']);
    expect(withRecipe.sharing!.every((s) => s.bits === 2)).toBe(true);
    expect(withRecipe.layers.map((l) => l.targetSparsity)).toEqual([undefined, 0.3, undefined]);
    expect(withRecipe.quantization!.filter((q) => q.quantized).length).toBe(3);
    expect(withRecipe.prunedSparsity).toBeCloseTo(0.3, 10);
  });

  it('checks the request before any work', async () => {
    await expect(run({})).rejects.toThrow('nothing to do: give --prune, --recipe, --thin, --share-weights or --quantize');
    await expect(run({ shareBits: 1 })).rejects.toThrow('--share-weights must be an integer in [2, 8], got 1');
    await expect(run({ prune: { sparsity: 0.5, granularity: { kind: 'element' } }, recipe: { recipe: parseRecipe({}), label: 'r' } })).rejects.toThrow(
      'give either --prune (with --granularity) or --recipe, not both',
    );
    await expect(run({ quantize: { mode: 'int8-static' } })).rejects.toThrow('--quantize int8-static needs --calibration FILE');
    await expect(run({ prune: { sparsity: 0.5, granularity: { kind: 'kernel' } } })).rejects.toThrow("granularity kernel does not fit layer 'fc1.weight'");
  });
});
