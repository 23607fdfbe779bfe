/**
 * Deep Compression's storage table (Han, Mao, Dally, ICLR 2016, Table 1) computed exactly
 * from a model's weights: per prunable layer and in total, the bytes of each stage
 *
 *   dense fp32 -> pruned (relative index, fp32 values) -> + weight sharing -> + Huffman
 *
 * and the ratio dense / stage, beside the reference formats (dense fp16/int8, CSR, CSC).
 * Only the prunable weights are counted (biases and normalizations are not). Formulas:
 * docs/storage-formats.md.
 */
import { EdgescopeError } from '../../../../shared/errors';
import type { onnx } from '../../model/onnx-io';
import { shareBitsFor, shareWeights, type KMeansOptions, type ShareBits } from '../weight-sharing';
import { countNonzeros, csrBytes, cscBytes, denseBytes, emptyRows, histogram, relativeIndex, relativeIndexBits, type DenseBytes } from './formats';
import { huffmanSize, type HuffmanSize } from './huffman';
import { layerMatrices } from './matrix';

export interface StorageOptions {
  /** Bits per relative-index gap; default the paper's 8 for convolutions, 5 for FC layers. */
  indexBits?: number;
  /** Weight-sharing bits (2..8), one for all or per initializer/node name; default conv 8, FC 5. */
  shareBits?: ShareBits;
  kmeans?: KMeansOptions;
}

export type StageName = 'dense' | 'pruned' | 'shared' | 'huffman';

export interface StageSize {
  stage: StageName;
  bytes: number;
  /** Dense fp32 bytes / this stage's bytes. */
  ratio: number;
}

/** CSR or CSC bytes with 32- and 16-bit indices. */
export interface SparseBytes {
  index32Bytes: number;
  index16Bytes: number;
}

/** What a layer and the total both report. */
export interface SizeSummary {
  params: number;
  nnz: number;
  /** nnz / params. */
  density: number;
  dense: DenseBytes;
  csr: SparseBytes;
  csc: SparseBytes;
  /** dense, pruned, shared, huffman in this order. */
  stages: StageSize[];
}

export interface StorageLayer extends SizeSummary {
  initializer: string;
  node: string;
  opType: string;
  rows: number;
  cols: number;
  emptyRows: number;
  relative: { indexBits: number; padding: number; entries: number; bytes: number };
  sharing: {
    bits: number;
    iterations: number;
    converged: boolean;
    /** 2^bits fp32 centroids. */
    codebookBytes: number;
    /** entries * (bits + indexBits) / 8 + codebook. */
    bytes: number;
  };
  huffman: {
    indices: HuffmanSize;
    gaps: HuffmanSize;
    /** (coded indices + coded gaps + both tables) / 8 + codebook. */
    bytes: number;
  };
}

export interface StorageTotals extends SizeSummary {
  relativeEntries: number;
  relativePadding: number;
}

export interface StorageReport {
  layers: StorageLayer[];
  total: StorageTotals;
}

function stages(dense: number, bytes: Record<StageName, number>): StageSize[] {
  return (['dense', 'pruned', 'shared', 'huffman'] as const).map((stage) => ({
    stage,
    bytes: bytes[stage],
    ratio: bytes[stage] > 0 ? dense / bytes[stage] : Infinity,
  }));
}

function layerReport(m: ReturnType<typeof layerMatrices>[number], options: StorageOptions): StorageLayer {
  const isConv = m.opType === 'Conv' || m.opType === 'ConvTranspose';
  const indexBits = options.indexBits ?? (isConv ? 8 : 5);
  const bits = shareBitsFor(options.shareBits, m.initializer, m.node, m.opType);
  const params = m.values.length;
  const nnz = countNonzeros(m.values);
  const dense = denseBytes(params);
  const rel = relativeIndex(m.values, indexBits);
  const shared = shareWeights(m.values, bits, options.kmeans);
  const codebookBytes = 4 * 2 ** bits;
  const sharingBytes = relativeIndexBits(rel.entries, bits, indexBits) / 8 + codebookBytes;
  // Fillers carry no codebook index in the Huffman stream: gap code 0 marks them.
  const indices = huffmanSize(histogram(shared.indices, 2 ** bits));
  const gaps = huffmanSize(histogram(rel.gaps, 2 ** indexBits));
  const huffmanBytes = (indices.codedBits + gaps.codedBits + indices.tableBits + gaps.tableBits) / 8 + codebookBytes;
  const pruned = relativeIndexBits(rel.entries, 32, indexBits) / 8;
  return {
    initializer: m.initializer,
    node: m.node,
    opType: m.opType,
    rows: m.rows,
    cols: m.cols,
    params,
    nnz,
    density: params > 0 ? nnz / params : 0,
    emptyRows: emptyRows(m),
    dense,
    csr: { index32Bytes: csrBytes(nnz, m.rows, 4), index16Bytes: csrBytes(nnz, m.rows, 2) },
    csc: { index32Bytes: cscBytes(nnz, m.cols, 4), index16Bytes: cscBytes(nnz, m.cols, 2) },
    relative: { indexBits, padding: rel.padding, entries: rel.entries, bytes: pruned },
    sharing: { bits, iterations: shared.iterations, converged: shared.converged, codebookBytes, bytes: sharingBytes },
    huffman: { indices, gaps, bytes: huffmanBytes },
    stages: stages(dense.fp32, { dense: dense.fp32, pruned, shared: sharingBytes, huffman: huffmanBytes }),
  };
}

export function storageReport(proto: onnx.IModelProto, options: StorageOptions = {}): StorageReport {
  const matrices = layerMatrices(proto);
  if (matrices.length === 0) {
    throw new EdgescopeError('E_MODEL_INVALID', 'the model has no prunable weights (float32 Conv/ConvTranspose/Gemm/MatMul initializers)');
  }
  const layers = matrices.map((m) => layerReport(m, options));
  const sum = (f: (l: StorageLayer) => number) => layers.reduce((s, l) => s + f(l), 0);
  const params = sum((l) => l.params);
  const nnz = sum((l) => l.nnz);
  const stageSum = (i: number) => sum((l) => l.stages[i].bytes);
  const dense = denseBytes(params);
  return {
    layers,
    total: {
      params,
      nnz,
      density: params > 0 ? nnz / params : 0,
      dense,
      csr: { index32Bytes: sum((l) => l.csr.index32Bytes), index16Bytes: sum((l) => l.csr.index16Bytes) },
      csc: { index32Bytes: sum((l) => l.csc.index32Bytes), index16Bytes: sum((l) => l.csc.index16Bytes) },
      relativeEntries: sum((l) => l.relative.entries),
      relativePadding: sum((l) => l.relative.padding),
      stages: stages(dense.fp32, { dense: stageSum(0), pruned: stageSum(1), shared: stageSum(2), huffman: stageSum(3) }),
    },
  };
}

/** The table as Markdown: one row per layer and the total, bytes and ratio per stage. */
export function storageTableMarkdown(report: StorageReport): string {
  const kb = (b: number) => (b / 1000).toFixed(1);
  const cell = (s: StageSize) => (s.stage === 'dense' ? kb(s.bytes) : `${kb(s.bytes)} (${s.ratio.toFixed(1)}x)`);
  const lines = [
    '| layer | params | density | dense KB | pruned KB (ratio) | +sharing KB (ratio) | +Huffman KB (ratio) |',
    '|---|---:|---:|---:|---:|---:|---:|',
  ];
  for (const l of report.layers) {
    lines.push(`| ${l.initializer} | ${l.params} | ${(100 * l.density).toFixed(1)}% | ${l.stages.map(cell).join(' | ')} |`);
  }
  const t = report.total;
  lines.push(`| total | ${t.params} | ${(100 * t.density).toFixed(1)}% | ${t.stages.map(cell).join(' | ')} |`);
  return lines.join('\n');
}
