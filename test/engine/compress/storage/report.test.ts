import { describe, expect, it } from 'vitest';
import { buildCnnSmall, buildLenet300100 } from '../../../../src/main/engine/model/demo-models';
import { pruneModel } from '../../../../src/main/engine/compress/prune';
import { storageReport, storageTableMarkdown, type StorageReport } from '../../../../src/main/engine/compress/storage/report';

function checkConsistent(report: StorageReport): void {
  for (const l of [...report.layers]) {
    const [dense, pruned, shared, huffman] = l.stages;
    expect(dense.bytes).toBe(4 * l.params);
    expect(l.relative.entries).toBeGreaterThanOrEqual(l.nnz);
    expect(l.relative.entries).toBe(l.nnz + l.relative.padding);
    const b = l.relative.indexBits;
    expect(pruned.bytes).toBe((l.relative.entries * (32 + b)) / 8);
    expect(shared.bytes).toBe((l.relative.entries * (l.sharing.bits + b)) / 8 + 4 * 2 ** l.sharing.bits);
    const h = l.huffman;
    expect(huffman.bytes).toBe((h.indices.codedBits + h.gaps.codedBits + h.indices.tableBits + h.gaps.tableBits) / 8 + l.sharing.codebookBytes);
    // Huffman never loses to the fixed-width fields it replaces.
    expect(h.indices.codedBits).toBeLessThanOrEqual(l.nnz * l.sharing.bits);
    expect(h.gaps.codedBits).toBeLessThanOrEqual(l.relative.entries * b);
    for (const s of l.stages) expect(s.ratio).toBe(dense.bytes / s.bytes);
    expect(l.csr.index32Bytes).toBe(8 * l.nnz + 4 * (l.rows + 1));
    expect(l.csc.index16Bytes).toBe(6 * l.nnz + 4 * (l.cols + 1));
  }
  const t = report.total;
  t.stages.forEach((s, i) => {
    expect(s.bytes).toBe(report.layers.reduce((sum, l) => sum + l.stages[i].bytes, 0));
    expect(s.ratio).toBe(t.stages[0].bytes / s.bytes);
  });
  expect(t.dense.fp32).toBe(4 * t.params);
}

describe('storage report', () => {
  it('LeNet-300-100 pruned to 92% with 5-bit sharing: exact sizes and consistent stage ratios', () => {
    const { model } = pruneModel(buildLenet300100(), { sparsity: 0.92 });
    const report = storageReport(model, { shareBits: 5 });
    expect(report.layers.map((l) => [l.initializer, l.params, l.nnz])).toEqual([
      ['fc1.weight', 235200, 18816], ['fc2.weight', 30000, 2400], ['fc3.weight', 1000, 80],
    ]);
    expect(report.total.params).toBe(266200);
    expect(report.total.dense).toEqual({ fp32: 1064800, fp16: 532400, int8: 266200 });
    expect(report.total.nnz).toBe(21296);
    expect(report.total.csr.index32Bytes).toBe(8 * 21296 + 4 * (301 + 101 + 11));
    expect(report.layers.every((l) => l.relative.indexBits === 5 && l.sharing.bits === 5 && l.sharing.converged)).toBe(true);
    checkConsistent(report);
    const ratios = report.total.stages.map((s) => s.ratio);
    expect(ratios[0]).toBe(1);
    for (let i = 1; i < ratios.length; i++) expect(ratios[i]).toBeGreaterThan(ratios[i - 1]);
    expect(storageTableMarkdown(report).split('\n')).toHaveLength(2 + 3 + 1);
  });

  it('uses the paper defaults per layer kind, per-layer share bits and a given index width', () => {
    const { model } = pruneModel(buildCnnSmall(), { sparsity: 0.5 });
    const byDefault = storageReport(model);
    expect(byDefault.layers.map((l) => [l.opType, l.relative.indexBits, l.sharing.bits])).toEqual([
      ['Conv', 8, 8], ['Conv', 8, 8], ['Gemm', 5, 5], ['Gemm', 5, 5],
    ]);
    const custom = storageReport(model, { indexBits: 4, shareBits: { 'conv1.weight': 2, fc2: 3 } });
    expect(custom.layers.map((l) => [l.relative.indexBits, l.sharing.bits])).toEqual([[4, 2], [4, 8], [4, 5], [4, 3]]);
    checkConsistent(custom);
  });

  it('a dense model gains nothing from pruning formats', () => {
    const report = storageReport(buildLenet300100(), { shareBits: 5 });
    expect(report.total.nnz).toBe(report.total.params);
    expect(report.total.relativePadding).toBe(0);
    // Every gap is 1: fixed 37-bit entries are larger than dense fp32.
    expect(report.total.stages[1].ratio).toBeCloseTo(32 / 37, 12);
    checkConsistent(report);
  });
});
