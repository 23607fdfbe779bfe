import { describe, expect, it } from 'vitest';
import { canonicalCodes, huffmanCodeLengths, huffmanSize } from '../../../../src/main/engine/compress/storage/huffman';

describe('Huffman code lengths', () => {
  it('matches known answers', () => {
    // {a:5, b:2, c:1, d:1}: c+d=2, b+(cd)=4, a+(bcd)=9.
    expect(huffmanCodeLengths([5, 2, 1, 1])).toEqual([1, 2, 3, 3]);
    // CLRS's example: a45 b13 c12 d16 e9 f5 -> 1,3,3,3,4,4 and 224 bits.
    const clrs = [45, 13, 12, 16, 9, 5];
    expect(huffmanCodeLengths(clrs)).toEqual([1, 3, 3, 3, 4, 4]);
    expect(huffmanSize(clrs).codedBits).toBe(224);
    // Fibonacci frequencies give the most skewed tree.
    expect(huffmanCodeLengths([1, 1, 2, 3, 5, 8])).toEqual([5, 5, 4, 3, 2, 1]);
    expect(huffmanCodeLengths([3, 3, 3, 3])).toEqual([2, 2, 2, 2]);
  });

  it('gives unused symbols no code, one symbol 1 bit per occurrence, an empty stream 0 bits', () => {
    expect(huffmanCodeLengths([0, 7, 0])).toEqual([0, 1, 0]);
    expect(huffmanSize([0, 7, 0])).toEqual({ distinctSymbols: 1, codedBits: 7, tableBits: 24, maxLength: 1 });
    expect(huffmanSize([0, 0])).toMatchObject({ distinctSymbols: 0, codedBits: 0, maxLength: 0 });
    expect(huffmanCodeLengths([4, 0, 4])).toEqual([1, 0, 1]);
  });

  it('builds canonical, prefix-free codes that fill the code space (Kraft sum 1)', () => {
    expect(canonicalCodes([1, 2, 3, 3])).toEqual(['0', '10', '110', '111']);
    const freqs = Array.from({ length: 40 }, (_, i) => ((i * 37) % 23) + (i % 5 === 0 ? 0 : 1));
    const lengths = huffmanCodeLengths(freqs);
    const codes = canonicalCodes(lengths).filter((c) => c !== '');
    expect(codes.length).toBe(freqs.filter((f) => f > 0).length);
    expect(codes.reduce((s, c) => s + 2 ** -c.length, 0)).toBe(1);
    for (const a of codes) for (const b of codes) if (a !== b) expect(b.startsWith(a)).toBe(false);
    // Never worse than a fixed-width code over the same alphabet.
    const used = freqs.filter((f) => f > 0);
    const total = used.reduce((s, f) => s + f, 0);
    expect(huffmanSize(freqs).codedBits).toBeLessThanOrEqual(total * Math.ceil(Math.log2(used.length)));
  });
});
