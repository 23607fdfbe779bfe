/**
 * Recipes: validation messages that name the entry, glob matching, overrides, keep
 * first/last, and the example recipe in resources/recipes against its model.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildCnnSmall, buildLenet300100 } from '../../../src/main/engine/model/demo-models';
import { globToRegExp, parseRecipe, readRecipe, resolveRecipe } from '../../../src/main/engine/compress/recipe';
import { pruneLayers } from '../../../src/main/engine/compress/granularity';
import { REPO_ROOT, tempDir } from '../../helpers';

const lenet = buildLenet300100();
const dir = tempDir('recipe');

describe('recipe format', () => {
  it('fills defaults: element granularity, l1, nothing kept dense, N:M implies its sparsity', () => {
    const r = parseRecipe({ layers: [{ name: 'fc1.weight', sparsity: 0.5 }, { name: 'fc2*', granularity: 'nm:2:4' }] });
    expect(r.layers).toEqual([
      { match: 'fc1.weight', sparsity: 0.5, granularity: { kind: 'element' }, norm: 'l1' },
      { match: 'fc2*', sparsity: 0.5, granularity: { kind: 'nm', n: 2, m: 4 }, norm: 'l1' },
    ]);
    expect([r.keepFirst, r.keepLast, r.thin, r.default, r.quantize, r.shareWeights]).toEqual([false, false, false, undefined, undefined, undefined]);
    expect(parseRecipe({ quantize: 'int8-dynamic', shareWeights: 4 })).toMatchObject({ quantize: { mode: 'int8-dynamic' }, shareWeights: { bits: 4 } });
    expect(parseRecipe({ quantize: { mode: 'int4-weight', blockSize: 32 } }).quantize).toEqual({ mode: 'int4-weight', blockSize: 32 });
  });

  it('names the entry in every validation error', () => {
    const msg = (v: unknown) => {
      try {
        parseRecipe(v, 'r.json');
      } catch (err) {
        return (err as Error).message;
      }
      return 'no error';
    };
    expect(msg([])).toBe('recipe r.json: must be a JSON object');
    expect(msg({ layer: [] })).toBe("recipe r.json: unknown field 'layer' (fields: $schema, description, default, layers, keepFirst, keepLast, quantize, shareWeights, thin)");
    expect(msg({ layers: [{ name: 'a', sparsity: 0.1 }, { name: 'conv*', sparsity: 1.5 }] })).toBe('recipe r.json: layers[1] (conv*): sparsity must be a number in [0, 1), got 1.5');
    expect(msg({ layers: [{ sparsity: 0.5 }] })).toBe('recipe r.json: layers[0]: needs a "name" (an initializer or node name, or a glob with * and ?)');
    expect(msg({ layers: [{ name: 'x', sparsity: 0.5, granularity: 'blob' }] })).toBe(
      "recipe r.json: layers[0] (x): granularity 'blob' is not one of element|row|column|kernel|filter|channel|block:RxC|nm:N:M",
    );
    expect(msg({ layers: [{ name: 'x', sparsity: 0.9, granularity: 'nm:2:4' }] })).toBe('recipe r.json: layers[0] (x): nm:2:4 gives sparsity 0.5; leave sparsity out or set it to that');
    expect(msg({ layers: [{ name: 'x', sparsity: 0.5, norm: 'l3' }] })).toBe('recipe r.json: layers[0] (x): norm must be "l1" or "l2", got "l3"');
    expect(msg({ default: { sparsity: -1 } })).toBe('recipe r.json: default: sparsity must be a number in [0, 1), got -1');
    expect(msg({ shareWeights: { bits: 9 } })).toBe('recipe r.json: shareWeights: bits must be an integer in [2, 8], got 9');
    expect(msg({ quantize: 'int3' })).toBe('recipe r.json: quantize: mode must be one of int8-dynamic, int8-static, int4-weight, int8-weight, got "int3"');
    expect(msg({ keepFirst: 'yes' })).toBe('recipe r.json: keepFirst: must be true or false');
  });

  it('reads files and says what is wrong with a missing or malformed one', () => {
    const broken = join(dir, 'broken.json');
    writeFileSync(broken, '{"layers": [');
    expect(() => readRecipe(broken)).toThrow(`recipe ${broken} is not valid JSON`);
    expect(() => readRecipe(join(dir, 'none.json'))).toThrow('recipe file not found or unreadable');
  });
});

describe('resolving a recipe against a model', () => {
  it('globs: * and ? over initializer and node names, anchored, dots literal', () => {
    expect(globToRegExp('fc?.weight').test('fc1.weight')).toBe(true);
    expect(globToRegExp('fc?.weight').test('fc1xweight')).toBe(false);
    expect(globToRegExp('fc*').test('xfc1')).toBe(false);
    const targets = resolveRecipe(parseRecipe({ layers: [{ name: 'fc*/MatMul', sparsity: 0.5, granularity: 'row' }] }), lenet);
    expect(targets.map((t) => t.layer)).toEqual(['fc1.weight', 'fc2.weight', 'fc3.weight']);
  });

  it('later entries override earlier ones; the default covers the rest; keepFirst/keepLast win', () => {
    const recipe = parseRecipe({
      default: { sparsity: 0.3 },
      layers: [
        { name: 'fc*', sparsity: 0.5, granularity: 'row', norm: 'l2' },
        { name: 'fc2.weight', sparsity: 0.8 },
      ],
    });
    expect(resolveRecipe(recipe, lenet).map((t) => [t.layer, t.sparsity, t.granularity.kind])).toEqual([
      ['fc1.weight', 0.5, 'row'],
      ['fc2.weight', 0.8, 'element'],
      ['fc3.weight', 0.5, 'row'],
    ]);
    const kept = resolveRecipe({ ...recipe, keepFirst: true, keepLast: true }, lenet);
    expect(kept.map((t) => t.layer)).toEqual(['fc2.weight']);
    // Without a default, unnamed layers stay dense.
    expect(resolveRecipe(parseRecipe({ layers: [{ name: 'fc3/MatMul', sparsity: 0.1 }] }), lenet).map((t) => t.layer)).toEqual(['fc3.weight']);
  });

  it('an unknown name or a glob that matches nothing is an error naming the entry', () => {
    const unknown = parseRecipe({ layers: [{ name: 'fc1.weight', sparsity: 0.5 }, { name: 'fc9.weight', sparsity: 0.5 }] });
    expect(() => resolveRecipe(unknown, lenet, 'r.json')).toThrow(
      'recipe r.json: layers[1] (fc9.weight) is not a prunable layer (layers: fc1.weight, fc2.weight, fc3.weight)',
    );
    const glob = parseRecipe({ layers: [{ name: 'conv*', sparsity: 0.5 }] });
    expect(() => resolveRecipe(glob, lenet, 'r.json')).toThrow('recipe r.json: layers[0] (conv*) matches no prunable layer');
  });

  it('the example recipe applies to the demo CNN', () => {
    const recipe = readRecipe(join(REPO_ROOT, 'resources/recipes/cnn-small.json'));
    const cnn = buildCnnSmall();
    const targets = resolveRecipe(recipe, cnn);
    expect(targets.map((t) => [t.layer, t.sparsity, t.granularity.kind])).toEqual([
      ['conv1.weight', 0.25, 'filter'],
      ['conv2.weight', 0.5, 'element'],
      ['fc1.weight', 0.5, 'row'],
    ]);
    expect(recipe).toMatchObject({ thin: true, keepLast: true, shareWeights: { bits: 5 } });
    const pruned = pruneLayers(cnn, targets);
    expect(pruned.layers.map((l) => l.prunedStructures)).toEqual([4, Math.round(0.5 * 32 * 16 * 25), 256]);
  });
});
