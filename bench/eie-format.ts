/**
 * EIE's format against CSR16, kernel against kernel: EIE's nine layers (pruned as `bench eie`
 * prunes them, 16 shared weights by k-means) packed as csr16, eie with 4-bit indices and eie with
 * 8-bit indices, the same weight-shared values in all three; times at batch 1 and 64 and bytes.
 * No onnxruntime here (`bench eie` compares with it): this isolates what the format costs to
 * decode against what it saves in bytes.
 *
 * Run on a quiet machine: npx tsc -p tsconfig.node.json && node dist/node/bench/eie-format.js [THREADS] [LAYER,...]
 * Each time is the 10th percentile of 200 products at batch 1 (30 at batch 64), after 3 warm-ups,
 * in this process (a benchmark may block its own thread). Prints a table, then one JSON line.
 */
import { availableParallelism } from 'node:os';
import { table } from '../src/main/cli/summary-table';
import { shareWeights } from '../src/main/engine/compress/weight-sharing';
import { EIE_BENCH_LAYERS, EIE_FORMAT_SHARE_BITS, prunedWeights } from '../src/main/engine/sparse/eie-bench';
import { loadSparseKernels } from '../src/main/engine/sparse/native';
import { transpose } from '../src/main/engine/sparse/timing-worker';
import type { PackOptions, SparseKernels, SparseMatrix } from '../src/main/engine/sparse/types';

const BATCHES = [1, 64];
const SEED = 42;

/** A low percentile of n timed products: robust to the spikes of a shared machine. */
function lowPercentileUs(run: () => void, n: number): number {
  for (let i = 0; i < 3; i++) run();
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = process.hrtime.bigint();
    run();
    times.push(Number(process.hrtime.bigint() - t0) / 1e3);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(n / 10)];
}

interface FormatTiming {
  format: string;
  bytes: number;
  padding: number | null;
  us: Record<number, number>;
}

function timeFormat(kernels: SparseKernels, matrix: SparseMatrix, label: string, threads: number): FormatTiming {
  const us: Record<number, number> = {};
  for (const batch of BATCHES) {
    const x = Float32Array.from({ length: batch * matrix.cols }, (_, i) => Math.sin(i));
    const out = new Float32Array(batch * matrix.rows);
    us[batch] = lowPercentileUs(() => kernels.multiply(matrix, x, batch, out, { threads }), batch === 1 ? 200 : 30);
  }
  return { format: label, bytes: matrix.bytes, padding: matrix.eie?.padding ?? null, us };
}

function main(): void {
  const threads = Number(process.argv[2] ?? availableParallelism());
  const names = process.argv[3]?.split(',') ?? EIE_BENCH_LAYERS.map((l) => l.name);
  const status = loadSparseKernels();
  if (!status.available) throw new Error(status.reason);
  const { kernels } = status;
  const results = [];
  for (const name of names) {
    const layer = EIE_BENCH_LAYERS.find((l) => l.name === name);
    if (!layer) throw new Error(`no EIE layer named '${name}'`);
    // The weights bench eie uses for the first layer of a run (seed + 0), shared by k-means.
    const shared = shareWeights(prunedWeights(layer, SEED), EIE_FORMAT_SHARE_BITS);
    const rows = layer.outFeatures;
    const cols = layer.inFeatures;
    const matrix = transpose(shared.shared, cols, rows);
    const packs: [string, PackOptions][] = [
      ['csr16', { format: 'csr16' }],
      ['eie 4-bit', { format: 'eie', indexBits: 4, codebook: shared.centroids }],
      ['eie 8-bit', { format: 'eie', indexBits: 8, codebook: shared.centroids }],
    ];
    const formats = packs.map(([label, options]) => timeFormat(kernels, kernels.pack(matrix, rows, cols, options), label, threads));
    results.push({ name, rows, cols, density: layer.density, formats });
  }

  const rows = results.flatMap((r) =>
    r.formats.map((f) => {
      const csr = r.formats[0];
      return [
        r.name,
        `${r.cols}x${r.rows}`,
        f.format,
        (f.bytes / 1e6).toFixed(2),
        f.padding === null ? '-' : (f.padding / 1e3).toFixed(0),
        ...BATCHES.flatMap((b) => [f.us[b].toFixed(1), `${(csr.us[b] / f.us[b]).toFixed(2)}x`]),
      ];
    }),
  );
  const headers = ['layer', 'in x out', 'format', 'MB', 'padding k', ...BATCHES.flatMap((b) => [`b${b} us`, `b${b} vs csr16`])];
  process.stdout.write(`EIE's format vs CSR16, ${threads} thread${threads === 1 ? '' : 's'} (${kernels.buildInfo.simd})\n\n`);
  process.stdout.write(`${table(headers, rows, [3, 4, 5, 6, 7, 8])}\n`);
  process.stdout.write(`${JSON.stringify({ threads, build: kernels.buildInfo, layers: results })}\n`);
}

main();
