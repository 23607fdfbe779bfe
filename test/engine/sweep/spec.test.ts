/** Sweep files: validation (every problem, one line each), normalization, hashing, cell order. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { expandCells, modelKeys, sweepHash, validateSweep, type SweepSpec } from '../../../src/main/engine/sweep/spec';
import { tempDir } from '../../helpers';

const dir = tempDir();
writeFileSync(join(dir, 'a.onnx'), 'not checked here');
writeFileSync(join(dir, 'a-int8.onnx'), 'x');
writeFileSync(join(dir, 'int8.json'), '{}');

function valid(value: unknown): { spec: SweepSpec; raw: SweepSpec } {
  const r = validateSweep(value, dir);
  if (!r.ok) throw new Error(r.errors.join('\n'));
  return r;
}

function errorsOf(value: unknown): string[] {
  const r = validateSweep(value, dir);
  return r.ok ? [] : r.errors;
}

describe('validateSweep', () => {
  it('accepts the example of issue 6, resolving paths against the sweep file folder', () => {
    const { spec, raw } = valid({
      models: ['a.onnx'],
      variants: [{ id: 'dense' }, { id: 'pruned-0.5', prune: 0.5 }, { id: 'int8', recipe: 'int8.json' }],
      eps: ['cpu'],
      batches: [1, 8],
      threads: [1, 2],
      runs: 20,
      warmup: 3,
    });
    expect(spec.models).toEqual([join(dir, 'a.onnx')]);
    expect(raw.models).toEqual(['a.onnx']);
    expect(spec.variants[2]).toEqual({ id: 'int8', recipe: join(dir, 'int8.json') });
    expect(spec).toMatchObject({ runs: 20, warmup: 3, profiledRuns: 10, pruneScope: 'layer', graphOptimizationLevel: 'all', seed: 42 });
  });

  it('fills defaults: dense only, cpu, batch 1, one thread', () => {
    const { spec } = valid({ models: ['demo:cnn-small'] });
    expect(spec).toMatchObject({ models: ['demo:cnn-small'], variants: [{ id: 'dense' }], eps: ['cpu'], batches: [1], threads: [1] });
  });

  it.each([
    [{}, ["'models' is missing"]],
    [[], ['the sweep file must hold a JSON object']],
    [{ models: [] }, ["'models' is empty"]],
    [{ models: ['a.onnx'], extra: 1 }, [expect.stringMatching(/^unknown key 'extra'/)]],
    [{ models: ['missing.onnx'] }, [expect.stringMatching(/^models\[0\]: model file not found: .*missing\.onnx$/)]],
    [{ models: ['demo:nope'] }, [expect.stringMatching(/^models\[0\]: unknown demo model 'nope'/)]],
    [{ models: ['a.onnx', 'a.onnx'] }, ["'models' lists \"a.onnx\" twice"]],
    [{ models: ['a.onnx'], variants: [] }, ["'variants' is empty"]],
    [{ models: ['a.onnx'], variants: [{ id: 'x' }, { id: 'x', prune: 0.5 }] }, ["variants: duplicate id 'x'"]],
    [{ models: ['a.onnx'], variants: [{ id: 'p', prune: 1 }] }, ['variants[0].prune must be a sparsity in [0, 1), got 1']],
    [{ models: ['a.onnx'], variants: [{ id: 'p', prune: 0.5, recipe: 'int8.json' }] }, ["variants[0]: give at most one of 'prune', 'recipe', 'model'"]],
    [{ models: ['a.onnx'], variants: [{ id: 'q', recipe: 'gone.json' }] }, [expect.stringMatching(/^variants\[0\]\.recipe: file not found/)]],
    [{ models: ['a.onnx'], variants: [{ id: 'a b' }] }, [expect.stringMatching(/^variants\[0\]\.id must be a name/)]],
    [{ models: ['a.onnx'], variants: [{ id: 'd', sparsity: 1 }] }, [expect.stringMatching(/^variants\[0\]: unknown key 'sparsity'/)]],
    [{ models: ['a.onnx', 'demo:cnn-small'], variants: [{ id: 'v', model: 'a-int8.onnx' }] }, [expect.stringMatching(/needs exactly one entry in 'models'/)]],
    [{ models: ['a.onnx'], eps: ['gpu'] }, [expect.stringMatching(/^eps\[0\]: unknown EP "gpu"/)]],
    [{ models: ['a.onnx'], batches: [1, 0] }, ['batches[1] must be an integer in [1, 1048576], got 0']],
    [{ models: ['a.onnx'], threads: 2 }, ["'threads' must be a list"]],
    [{ models: ['a.onnx'], threads: [1.5] }, ['threads[0] must be an integer in [1, 1024], got 1.5']],
    [{ models: ['a.onnx'], runs: 0 }, ["'runs' must be an integer in [1, 1000000], got 0"]],
    [{ models: ['a.onnx'], warmup: '3' }, ["'warmup' must be an integer in [0, 10000], got \"3\""]],
    [{ models: ['a.onnx'], pruneScope: 'net' }, ["'pruneScope' must be one of layer, global, got \"net\""]],
  ])('%j: %j', (value, expected) => {
    expect(errorsOf(value)).toEqual(expected);
  });

  it('takes EP options per EP, as --ep-option does, and an input set to verify on', () => {
    writeFileSync(join(dir, 'set.json'), '{}');
    const { spec, raw } = valid({ models: ['a.onnx'], eps: ['cpu', 'webgpu'], epOptions: { webgpu: { preferred_layout: 'NHWC' } }, data: 'set.json' });
    expect(spec.epOptions).toEqual({ webgpu: { preferred_layout: 'NHWC' } });
    expect(raw.data).toBe('set.json');
    expect(spec.data).toBe(join(dir, 'set.json'));
    expect(valid({ models: ['a.onnx'] }).spec).not.toHaveProperty('epOptions');
    expect(errorsOf({ models: ['a.onnx'], eps: ['cpu'], epOptions: { webgpu: { preferred_layout: 'NHWC' } } })).toEqual([
      "EP options given for 'webgpu', which is not among the requested EPs (cpu)",
    ]);
    expect(errorsOf({ models: ['a.onnx'], eps: ['webgpu'], epOptions: { webgpu: { colour: 1 } } })).toEqual([expect.stringMatching(/^unknown EP option webgpu\.colour /)]);
    expect(errorsOf({ models: ['a.onnx'], data: 'missing.json' })).toEqual([`data: input-set file not found: ${join(dir, 'missing.json')}`]);
    expect(errorsOf({ models: ['a.onnx'], data: 3 })).toEqual(["'data' must be the path of an input-set file"]);
  });

  it('reports every problem at once, one line each', () => {
    const errors = errorsOf({ models: [], eps: [], batches: [0], bogus: true });
    expect(errors).toHaveLength(4);
    for (const e of errors) expect(e).not.toContain('\n');
  });
});

describe('cells', () => {
  const base = { models: ['a.onnx'], variants: [{ id: 'dense' }, { id: 'p', prune: 0.5 }], eps: ['cpu'], batches: [1, 8], threads: [1, 2] };

  it('expands model x variant x ep x batch x threads, innermost varying fastest, with unique keys', () => {
    const cells = expandCells(valid(base).raw);
    expect(cells).toHaveLength(8);
    expect(cells.map((c) => `${c.variant} b${c.batch} t${c.threads}`)).toEqual([
      'dense b1 t1', 'dense b1 t2', 'dense b8 t1', 'dense b8 t2', 'p b1 t1', 'p b1 t2', 'p b8 t1', 'p b8 t2',
    ]);
    expect(cells[0].key).toBe('a__dense__cpu__b1__t1');
    expect(new Set(cells.map((c) => c.key)).size).toBe(8);
  });

  it('gives models with the same file name distinct keys', () => {
    expect(modelKeys(['x/a.onnx', 'y/a.onnx', 'demo:cnn-small', 'b.ONNX'])).toEqual(['a', 'a-2', 'cnn-small', 'b']);
  });

  it('hashes the normalized spec: key order and spelled-out defaults do not matter, settings do', () => {
    const h = sweepHash(valid(base).raw);
    expect(sweepHash(valid({ threads: [1, 2], batches: [1, 8], eps: ['cpu'], variants: base.variants, models: ['a.onnx'], runs: 30 }).raw)).toBe(h);
    expect(sweepHash(valid({ ...base, runs: 31 }).raw)).not.toBe(h);
    expect(sweepHash(valid({ ...base, batches: [8, 1] }).raw)).not.toBe(h);
  });

  it('hashes EP options and the input set only when given, whatever their key order', () => {
    writeFileSync(join(dir, 'set.json'), '{}');
    const h = sweepHash(valid(base).raw);
    const withOptions = { ...base, eps: ['cpu', 'webgpu'], epOptions: { webgpu: { preferred_layout: 'NHWC', validation_mode: 'basic' } } };
    const reordered = { ...base, eps: ['cpu', 'webgpu'], epOptions: { webgpu: { validation_mode: 'basic', preferred_layout: 'NHWC' } } };
    expect(sweepHash(valid(withOptions).raw)).toBe(sweepHash(valid(reordered).raw));
    expect(sweepHash(valid(withOptions).raw)).not.toBe(sweepHash(valid({ ...base, eps: ['cpu', 'webgpu'] }).raw));
    expect(sweepHash(valid({ ...base, data: 'set.json' }).raw)).not.toBe(h);
  });
});
