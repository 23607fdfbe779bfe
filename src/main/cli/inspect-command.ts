/**
 * `edgescope inspect MODEL`: per prunable layer, its sparsity and what its weights cost
 * stored dense (fp32/fp16/int8), as CSR (32/16-bit indices), with Deep Compression's
 * relative indexing, and after weight sharing and Huffman coding (docs/storage-formats.md).
 */
import { sparsityTable, type SparsityRow } from '../engine/compress/sparsity-table';
import { storageReport, type StorageLayer, type StorageTotals } from '../engine/compress/storage/report';
import { readModel } from '../engine/model/onnx-io';
import { formatBytes, formatPercent, formatRatio } from '../engine/report/html/format';
import type { InspectCommand } from './args';
import { table } from './summary-table';

export interface StorageFields {
  denseFp32Bytes: number;
  denseFp16Bytes: number;
  denseInt8Bytes: number;
  csr32Bytes: number;
  csr16Bytes: number;
  relativeIndexBytes: number;
  huffmanBytes: number;
}

export interface InspectResult {
  model: string;
  layers: { name: string; opType: string; shape: [number, number]; nnz: number; sparsity: number; storage: StorageFields }[];
  totals: StorageFields & { params: number; nnz: number; sparsity: number };
  /** Per layer: nonzeros and the zero fraction at each granularity (compress/sparsity-table.ts). */
  sparsityTable: SparsityRow[];
}

function stageBytes(s: StorageLayer | StorageTotals, stage: 'pruned' | 'huffman'): number {
  return s.stages.find((x) => x.stage === stage)!.bytes;
}

function storage(s: StorageLayer | StorageTotals): StorageFields {
  return {
    denseFp32Bytes: s.dense.fp32,
    denseFp16Bytes: s.dense.fp16,
    denseInt8Bytes: s.dense.int8,
    csr32Bytes: s.csr.index32Bytes,
    csr16Bytes: s.csr.index16Bytes,
    relativeIndexBytes: stageBytes(s, 'pruned'),
    huffmanBytes: stageBytes(s, 'huffman'),
  };
}

export function inspectModel(cmd: InspectCommand): InspectResult {
  const { proto, path } = readModel(cmd.model);
  const report = storageReport(proto, { indexBits: cmd.indexBits, shareBits: cmd.shareBits });
  return {
    model: path,
    layers: report.layers.map((l) => ({
      name: l.initializer,
      opType: l.opType,
      // The matrix view: one row per output feature, columns = fan-in.
      shape: [l.rows, l.cols],
      nnz: l.nnz,
      sparsity: 1 - l.density,
      storage: storage(l),
    })),
    totals: { ...storage(report.total), params: report.total.params, nnz: report.total.nnz, sparsity: 1 - report.total.density },
    sparsityTable: sparsityTable(proto),
  };
}

export function formatInspect(result: InspectResult): string {
  const ratio = (dense: number, bytes: number) => formatRatio(bytes > 0 ? dense / bytes : null);
  const row = (name: string, opType: string, shape: string, sparsity: number, s: StorageFields) => [
    name, opType, shape, formatPercent(sparsity, 1), formatBytes(s.denseFp32Bytes), formatBytes(s.csr32Bytes), formatBytes(s.csr16Bytes),
    `${formatBytes(s.relativeIndexBytes)} (${ratio(s.denseFp32Bytes, s.relativeIndexBytes)})`, `${formatBytes(s.huffmanBytes)} (${ratio(s.denseFp32Bytes, s.huffmanBytes)})`,
  ];
  return [
    `model ${result.model}`,
    '',
    table(
      ['layer', 'type', 'rows x cols', 'sparsity', 'dense fp32', 'CSR32', 'CSR16', 'relative index', 'shared + Huffman'],
      [
        ...result.layers.map((l) => row(l.name, l.opType, `${l.shape[0]} x ${l.shape[1]}`, l.sparsity, l.storage)),
        row('total', '', '', result.totals.sparsity, result.totals),
      ],
      [3, 4, 5, 6, 7, 8],
    ),
    '',
    formatSparsityTable(result.sparsityTable),
  ].join('\n');
}

/** Zero fraction per granularity; '-' where a layer has no such structure. */
function formatSparsityTable(rows: SparsityRow[]): string {
  const pct = (f: number | null) => (f === null ? '-' : formatPercent(f, 1));
  return table(
    ['layer', 'shape', 'nnz', 'element', 'row', 'column', 'kernel', 'filter', 'channel'],
    rows.map((r) => [r.name, r.shape.join(' x '), String(r.nnz), pct(r.element), pct(r.row), pct(r.column), pct(r.kernel), pct(r.filter), pct(r.channel)]),
    [2, 3, 4, 5, 6, 7, 8],
  );
}
