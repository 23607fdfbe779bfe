/**
 * `edgescope inspect MODEL`: per prunable layer, its sparsity and what its weights cost
 * stored dense (fp32/fp16/int8), as CSR (32/16-bit indices), with Deep Compression's
 * relative indexing, and after weight sharing and Huffman coding (docs/storage-formats.md).
 * With --out DIR it also writes each layer's zero-pattern heat map and weight histogram
 * (compress/views/) as charts/*.svg, and charts/*.png when Chromium is there.
 */
import { join, resolve } from 'node:path';
import { sparsityTable, type SparsityRow } from '../engine/compress/sparsity-table';
import { storageReport, type StorageLayer, type StorageTotals } from '../engine/compress/storage/report';
import { modelLayerViews } from '../engine/compress/views/layer-views';
import { layerViewCharts } from '../engine/compress/views/views-svg';
import { writeFilesTogether } from '../engine/files/write-atomic';
import { toolVersion } from '../engine/files/package-root';
import { readModel, sha256, type LoadedModel } from '../engine/model/onnx-io';
import { pngFiles, svgFiles } from '../engine/report/charts/chart-files';
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
  /** With --out: the chart files written (heat maps and histograms). */
  charts?: string[];
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

export function inspectModel(cmd: InspectCommand, loaded: LoadedModel = readModel(cmd.model)): InspectResult {
  const { proto, path } = loaded;
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

/**
 * The whole command: the tables, and with --out the layer charts. Everything is computed (and the
 * baseline checked) before anything is written; the files appear together or not at all.
 */
export async function inspect(cmd: InspectCommand, argv: readonly string[] = [], note: (line: string) => void = (line) => process.stderr.write(`edgescope: ${line}\n`)): Promise<number> {
  const loaded = readModel(cmd.model);
  const result = inspectModel(cmd, loaded);
  if (cmd.outDir !== undefined) result.charts = await writeLayerCharts(cmd, loaded, resolve(cmd.outDir), argv, note);
  process.stdout.write(cmd.json ? `${JSON.stringify(result)}\n` : `${formatInspect(result)}\n`);
  return 0;
}

async function writeLayerCharts(cmd: InspectCommand, loaded: LoadedModel, outDir: string, argv: readonly string[], note: (line: string) => void): Promise<string[]> {
  const baseline = cmd.baseline !== undefined ? readModel(cmd.baseline) : undefined;
  const views = modelLayerViews(loaded.proto, baseline);
  const provenance: [string, string][] = [
    ['model', `${loaded.path} sha256 ${sha256(loaded.bytes)}`],
    ...(baseline ? [['baseline', `${baseline.path} sha256 ${sha256(baseline.bytes)}`] as [string, string]] : []),
    ['versions', `edgescope ${toolVersion()}, Node ${process.version}`],
    ['command', argv.length > 0 ? ['edgescope', ...argv].join(' ') : `edgescope inspect ${cmd.model} --out ${cmd.outDir}`],
    ['generated', new Date().toISOString()],
  ];
  const charts = layerViewCharts(views, provenance, { before: 'baseline (dense)', after: 'this model' });
  const files = svgFiles(charts);
  const png = await pngFiles(charts);
  if (png.problem) note(png.problem);
  files.push(...png.files);
  return writeFilesTogether(files.map((f) => ({ path: join(outDir, f.name), content: f.content })));
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
    ...(result.charts?.length ? ['', ...result.charts.map((path) => `wrote ${path}`)] : []),
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
