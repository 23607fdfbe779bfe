/**
 * Input-set files: the named and the single-input forms, labels, per-sample shapes, and
 * one clear error per kind of mistake, naming the sample and the input.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { TensorInfo } from '../../../src/shared/report';
import { canBatch, parseInputSet, readInputSet, stackSamples } from '../../../src/main/engine/model/input-set';
import { tempDir } from '../../helpers';

const dir = tempDir('input-set');
const ONE: TensorInfo[] = [{ name: 'x', dtype: 'float32', shape: ['batch', 3] }];
const TWO: TensorInfo[] = [
  { name: 'a', dtype: 'float32', shape: ['batch', 2] },
  { name: 'b', dtype: 'float32', shape: [1, 2, 2] },
];

function parse(json: unknown, declared: TensorInfo[] = ONE) {
  return parseInputSet(json, declared, 'set.json');
}

function error(json: unknown, declared: TensorInfo[] = ONE): string {
  try {
    parse(json, declared);
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('expected an error');
}

describe('readInputSet', () => {
  it('reads named inputs with labels: one sample per batch item, shape with batch 1', () => {
    const path = join(dir, 'named.json');
    writeFileSync(path, JSON.stringify({ inputs: { x: [[1, 2, 3], [4, 5, 6.5]] }, labels: [2, 0] }));
    const set = readInputSet(path, ONE);
    expect(set.samples).toHaveLength(2);
    expect(set.samples[1].feeds.x.dims).toEqual([1, 3]);
    expect(Array.from(set.samples[1].feeds.x.data)).toEqual([4, 5, 6.5]);
    expect(set.samples.map((s) => s.label)).toEqual([2, 0]);
  });

  it('accepts a bare list of samples for a one-input model, without labels', () => {
    const set = parse({ inputs: [[0, 0, 1]] });
    expect(set.samples[0].label).toBeUndefined();
    expect(Array.from(set.samples[0].feeds.x.data)).toEqual([0, 0, 1]);
  });

  it('reads several inputs, fixed shapes as declared', () => {
    const set = parse({ inputs: { a: [[1, 2]], b: [[1, 2, 3, 4]] } }, TWO);
    expect(set.samples[0].feeds.b.dims).toEqual([1, 2, 2]);
    expect(canBatch(TWO)).toBe(false);
    expect(canBatch(ONE)).toBe(true);
  });

  it('takes one sample\'s shape from "shapes" when a later dimension is symbolic', () => {
    const declared: TensorInfo[] = [{ name: 'seq', dtype: 'float32', shape: ['batch', 'len'] }];
    expect(error({ inputs: [[1, 2]] }, declared)).toMatch(/symbolic dimension at index 1 .*"shapes"/);
    const set = parse({ inputs: [[1, 2, 3, 4]], shapes: { seq: [1, 4] } }, declared);
    expect(set.samples[0].feeds.seq.dims).toEqual([1, 4]);
    expect(error({ inputs: [[1, 2]], shapes: { seq: [2, 3, 1] } }, declared)).toMatch(/has 3 dimensions but the model declares 2/);
  });

  it('stacks samples into one batch along the leading dimension', () => {
    const feeds = stackSamples(parse({ inputs: [[1, 2, 3], [4, 5, 6]] }).samples);
    expect(feeds.x.dims).toEqual([2, 3]);
    expect(Array.from(feeds.x.data)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('refuses each kind of mistake in one line naming the sample and input', () => {
    expect(error({ inputs: { x: [[1, 2, 3], [1, 2]] } })).toBe(
      "input set set.json: sample 1 of input 'x' has 2 values, expected 3 (one sample of shape [1, 3])",
    );
    expect(error({ inputs: { x: [[1, 'a', 3]] } })).toMatch(/sample 0 of input 'x': value 1 is "a", not a finite number/);
    expect(error({ inputs: { y: [[1, 2, 3]] } })).toMatch(/no input named 'y' \(inputs: x\)/);
    expect(error({ inputs: { a: [[1, 2]] } }, TWO)).toMatch(/no samples for the model's input 'b'/);
    expect(error({ inputs: [[1, 2]] }, TWO)).toMatch(/bare list of samples, but the model has 2 inputs/);
    expect(error({ inputs: { a: [[1, 2], [3, 4]], b: [[1, 2, 3, 4]] } }, TWO)).toMatch(/input 'b' has 1 samples but 'a' has 2/);
    expect(error({ inputs: [[1, 2, 3]], labels: [1, 2] })).toMatch(/2 labels for 1 samples/);
    expect(error({ inputs: [[1, 2, 3]], labels: [1.5] })).toMatch(/label of sample 0 is 1.5, not a class index/);
    expect(error({ inputs: [] })).toMatch(/no samples/);
    expect(error({ samples: [] })).toMatch(/unknown field "samples"/);
    expect(error({ inputs: [[1, 2, 3]] }, [{ name: 'ids', dtype: 'int64', shape: ['batch', 3] }])).toMatch(/'ids' is int64; input sets hold float32 inputs only/);
    for (const message of [error({ inputs: { x: [[1]] } }), error({ inputs: 3 })]) expect(message).not.toContain('\n');
  });

  it('names a missing file and a file that is not JSON', () => {
    expect(() => readInputSet(join(dir, 'absent.json'), ONE)).toThrow(/input set file not found: .*absent\.json/);
    const path = join(dir, 'broken.json');
    writeFileSync(path, '{"inputs": [[1, 2');
    expect(() => readInputSet(path, ONE)).toThrow(/broken\.json: not valid JSON/);
  });
});
