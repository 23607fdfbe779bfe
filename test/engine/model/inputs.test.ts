import { describe, expect, it } from 'vitest';
import { generateInputData, resolveInputs } from '../../../src/main/engine/model/inputs';
import { SeededRandom } from '../../../src/shared/random';
import type { TensorInfo } from '../../../src/shared/report';

const base = { batch: 4, dims: {}, shapes: {}, values: {}, seed: 1 };

describe('input shapes', () => {
  it('resolves batch-like names and a leading unnamed dimension to the batch', () => {
    const declared: TensorInfo[] = [
      { name: 'image', dtype: 'float32', shape: ['batch', 3, 32, 32] },
      { name: 'mask', dtype: 'bool', shape: [null, 8] },
    ];
    expect(resolveInputs(declared, base).map((i) => i.dims)).toEqual([[4, 3, 32, 32], [4, 8]]);
  });

  it('uses --dim values and whole --shape overrides', () => {
    const declared: TensorInfo[] = [{ name: 'ids', dtype: 'int64', shape: ['batch', 'seq_len'] }];
    expect(resolveInputs(declared, { ...base, dims: { seq_len: 16 } })[0].dims).toEqual([4, 16]);
    expect(resolveInputs(declared, { ...base, shapes: { ids: [2, 7] } })[0].dims).toEqual([2, 7]);
  });

  it('names the input, the dimension and the fix when a dimension cannot be resolved', () => {
    const declared: TensorInfo[] = [{ name: 'ids', dtype: 'int64', shape: ['batch', 'seq_len'] }];
    expect(() => resolveInputs(declared, base)).toThrow(/input 'ids' has an unresolved dimension 'seq_len' at index 1.*--dim seq_len=N or --shape ids=/);
    const unnamed: TensorInfo[] = [{ name: 'x', dtype: 'float32', shape: [1, null] }];
    expect(() => resolveInputs(unnamed, base)).toThrow(/--shape x=1,N/);
  });

  it('rejects shapes that contradict the model and unknown input names', () => {
    const declared: TensorInfo[] = [{ name: 'x', dtype: 'float32', shape: ['batch', 784] }];
    expect(() => resolveInputs(declared, { ...base, shapes: { x: [1, 100] } })).toThrow(/fixed to 784/);
    expect(() => resolveInputs(declared, { ...base, shapes: { x: [1] } })).toThrow(/has 1 dimensions/);
    expect(() => resolveInputs(declared, { ...base, values: { y: 1 } })).toThrow(/no input named 'y'/);
  });
});

describe('input data', () => {
  it('is seeded, typed and in range', () => {
    const input = { name: 'x', dtype: 'float32', dims: [2, 3] };
    const a = generateInputData(input, new SeededRandom(9)) as Float32Array;
    const b = generateInputData(input, new SeededRandom(9)) as Float32Array;
    expect(a).toBeInstanceOf(Float32Array);
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(Array.from(a).every((v) => v >= -1 && v < 1)).toBe(true);
    const ids = generateInputData({ name: 'ids', dtype: 'int64', dims: [5] }, new SeededRandom(1));
    expect(ids).toBeInstanceOf(BigInt64Array);
    expect(Array.from(ids as BigInt64Array).every((v) => v >= 0n && v < 10n)).toBe(true);
  });

  it('fills constants from --input', () => {
    const data = generateInputData({ name: 'sr', dtype: 'int64', dims: [1], constant: 16000 }, new SeededRandom(1));
    expect(Array.from(data as BigInt64Array)).toEqual([16000n]);
  });

  it('refuses dtypes it cannot generate', () => {
    expect(() => generateInputData({ name: 's', dtype: 'string', dims: [1] }, new SeededRandom(1))).toThrow(/dtype string/);
  });
});
