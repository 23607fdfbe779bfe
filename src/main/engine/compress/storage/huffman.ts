/**
 * Huffman code lengths from symbol frequencies, canonical codes from the lengths, and the
 * coded size: what Deep Compression's last stage does to codebook indices and relative-index
 * gaps. Lengths are not limited (DEFLATE's 15-bit cap is not applied).
 *
 * Determinism: leaves are ordered by (frequency, symbol); of two equal weights the leaf is
 * merged before the internal node, which keeps the longest code as short as possible.
 * Conventions: a stream with one distinct symbol costs 1 bit per symbol (a decoder needs a
 * bit to count occurrences); an empty stream costs 0 bits.
 */

/** Code length per symbol (0 for a symbol with frequency 0). */
export function huffmanCodeLengths(frequencies: readonly number[]): number[] {
  const lengths = new Array<number>(frequencies.length).fill(0);
  const leaves: number[] = [];
  frequencies.forEach((f, s) => {
    if (!(f >= 0) || !Number.isFinite(f)) throw new RangeError(`frequency of symbol ${s} is ${f}`);
    if (f > 0) leaves.push(s);
  });
  if (leaves.length === 0) return lengths;
  if (leaves.length === 1) {
    lengths[leaves[0]] = 1;
    return lengths;
  }
  leaves.sort((a, b) => frequencies[a] - frequencies[b] || a - b);
  // Nodes 0..m-1 are the leaves in sorted order, m.. the internal nodes in creation order;
  // internal weights are created in non-decreasing order, so two queues replace a heap.
  const m = leaves.length;
  const weight = leaves.map((s) => frequencies[s]);
  const parent = new Array<number>(2 * m - 1).fill(-1);
  let nextLeaf = 0;
  let nextInternal = m;
  const take = (): number => {
    const leafReady = nextLeaf < m;
    const internalReady = nextInternal < weight.length;
    if (leafReady && (!internalReady || weight[nextLeaf] <= weight[nextInternal])) return nextLeaf++;
    return nextInternal++;
  };
  for (let merges = 0; merges < m - 1; merges++) {
    const a = take();
    const b = take();
    const node = weight.length;
    weight.push(weight[a] + weight[b]);
    parent[a] = node;
    parent[b] = node;
  }
  // A parent is created after its children: walk from the root down.
  const depth = new Array<number>(2 * m - 1).fill(0);
  for (let n = 2 * m - 3; n >= 0; n--) depth[n] = depth[parent[n]] + 1;
  for (let i = 0; i < m; i++) lengths[leaves[i]] = depth[i];
  return lengths;
}

/**
 * Canonical codes (as bit strings, '' for unused symbols): symbols sorted by (length,
 * symbol) get consecutive codes, so the lengths alone define the code.
 */
export function canonicalCodes(lengths: readonly number[]): string[] {
  const order = lengths.map((l, s) => s).filter((s) => lengths[s] > 0);
  order.sort((a, b) => lengths[a] - lengths[b] || a - b);
  const codes = new Array<string>(lengths.length).fill('');
  let code = 0n;
  let length = 0;
  for (const s of order) {
    code <<= BigInt(lengths[s] - length);
    length = lengths[s];
    codes[s] = code.toString(2).padStart(length, '0');
    code++;
  }
  return codes;
}

export interface HuffmanSize {
  /** Symbols that occur. */
  distinctSymbols: number;
  /** Sum over symbols of frequency * code length. */
  codedBits: number;
  /**
   * The table a decoder needs: one 8-bit code length per symbol of the alphabet (the
   * canonical code follows from the lengths). Counted apart from codedBits.
   */
  tableBits: number;
  maxLength: number;
}

export const TABLE_BITS_PER_SYMBOL = 8;

export function huffmanSize(frequencies: readonly number[]): HuffmanSize {
  const lengths = huffmanCodeLengths(frequencies);
  let codedBits = 0;
  let distinctSymbols = 0;
  for (let s = 0; s < frequencies.length; s++) {
    codedBits += frequencies[s] * lengths[s];
    if (frequencies[s] > 0) distinctSymbols++;
  }
  return {
    distinctSymbols,
    codedBits,
    tableBits: TABLE_BITS_PER_SYMBOL * frequencies.length,
    maxLength: lengths.reduce((a, b) => Math.max(a, b), 0),
  };
}
