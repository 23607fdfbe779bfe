import { describe, expect, it } from 'vitest';
import { parseSparsities } from '../../src/renderer/src/state/parse-sparsities';

describe('parseSparsities', () => {
  it('reads fractions and percentages, sorted and without duplicates', () => {
    expect(parseSparsities('0.9, 0.5 90%')).toEqual([0.5, 0.9]);
    expect(parseSparsities('')).toEqual([]);
  });

  it('names the first value outside [0, 1)', () => {
    expect(parseSparsities('0.5, 1')).toBe("prune: '1' is not a sparsity in [0, 1)");
    expect(parseSparsities('half')).toBe("prune: 'half' is not a sparsity in [0, 1)");
  });
});
