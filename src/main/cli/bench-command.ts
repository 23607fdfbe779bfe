/**
 * `edgescope bench eie [--batch 1,64] [--threads N] [--json]`: EIE's CPU table reproduced
 * with onnxruntime dense against the native sparse kernels (engine/sparse/eie-bench.ts).
 * Parses its own flags, like compress.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { badRequest } from '../../shared/errors';
import { integerFlag, parseFlags } from './flags';
import { engineEnv } from '../engine/engine';
import { formatBytes } from '../engine/report/html/format';
import { EIE_BENCH_LAYERS, runEieBench, type EieBenchLayerResult, type EieBenchResult } from '../engine/sparse/eie-bench';
import { progressPrinter } from './progress';
import { runBenchBreakEvenCommand } from './bench-break-even';
import { table } from './summary-table';

export interface BenchEieCommand {
  batches: number[];
  threads: number;
  json: boolean;
  layers?: string[];
  runs?: number;
  minTimeMs?: number;
  seed?: number;
}

export const BENCH_USAGE = `usage: edgescope bench eie [--batch 1,64] [--threads N] [--json]
  [--layers NAME,...] (default all: ${EIE_BENCH_LAYERS.map((l) => l.name).join(', ')})
  [--runs N] (timed runs per measurement, default 30) [--min-time MS] (default 500) [--seed N]`;

/** Dense layers at or below this density are the ones the issue's batch-1 goal covers. */
export const GOAL_MAX_DENSITY = 0.11;



export function parseBenchCommand(args: string[]): BenchEieCommand {
  const parsed = parseFlags('bench', args, {
    batch: { type: 'string' },
    threads: { type: 'string' },
    json: { type: 'boolean' },
    layers: { type: 'string' },
    runs: { type: 'string' },
    'min-time': { type: 'string' },
    seed: { type: 'string' },
  });
  const { values, positionals } = parsed;
  if (positionals.length !== 1 || positionals[0] !== 'eie') {
    badRequest(positionals.length === 0 ? 'bench needs a suite: edgescope bench eie' : `unknown bench suite '${positionals.join(' ')}' (suites: eie)`);
  }
  const batches = (values.batch ?? '1,64').split(',').map((b) => integerFlag('batch', b, 1)!);
  const layers = values.layers?.split(',').map((l) => l.trim());
  for (const name of layers ?? []) {
    if (!EIE_BENCH_LAYERS.some((l) => l.name === name)) badRequest(`--layers: no EIE layer named '${name}' (layers: ${EIE_BENCH_LAYERS.map((l) => l.name).join(', ')})`);
  }
  return {
    batches: [...new Set(batches)],
    threads: integerFlag('threads', values.threads, 1) ?? availableParallelism(),
    json: values.json === true,
    layers,
    runs: integerFlag('runs', values.runs, 1),
    minTimeMs: integerFlag('min-time', values['min-time'], 0),
    seed: integerFlag('seed', values.seed, 0),
  };
}

export async function runBenchCommand(args: string[]): Promise<number> {
  if (args[0] === 'break-even') return runBenchBreakEvenCommand(args.slice(1));
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(`${BENCH_USAGE}\n`);
    return 0;
  }
  const cmd = parseBenchCommand(args);
  const workDir = mkdtempSync(join(tmpdir(), 'edgescope-bench-eie-'));
  const progress = progressPrinter();
  try {
    const result = await runEieBench({
      batches: cmd.batches,
      threads: cmd.threads,
      layers: cmd.layers,
      timedRuns: cmd.runs,
      minTimeMs: cmd.minTimeMs,
      seed: cmd.seed,
      workDir,
      workerScriptPath: engineEnv().workerScriptPath,
      onProgress: cmd.json ? undefined : (fraction, message) => progress.update('bench eie', fraction, message),
    });
    progress.done();
    process.stdout.write(cmd.json ? `${JSON.stringify(result)}\n` : `${formatEieBench(result)}\n`);
    return 0;
  } finally {
    progress.done();
    rmSync(workDir, { recursive: true, force: true });
  }
}

const fixed = (v: number, digits: number) => (Number.isFinite(v) ? v.toFixed(digits) : '-');
const ratio = (v: number | null) => (v === null ? '-' : `${v.toFixed(2)}x`);

function goalLine(layers: EieBenchLayerResult[]): string {
  const covered = layers.filter((l) => l.batch === 1 && l.density <= GOAL_MAX_DENSITY + 1e-9 && l.eieCpuSpeedup !== null);
  if (covered.length === 0) return '';
  const met = covered.filter((l) => l.speedup >= l.eieCpuSpeedup!);
  const missed = covered.filter((l) => l.speedup < l.eieCpuSpeedup!).map((l) => l.name);
  return `batch 1, density <= ${GOAL_MAX_DENSITY * 100}%: ${met.length} of ${covered.length} layers at or above EIE's CPU speedup${missed.length ? ` (below: ${missed.join(', ')})` : ''}`;
}

export function formatEieBench(result: EieBenchResult): string {
  const build = Object.entries(result.sparseBuild)
    .filter(([k]) => k === 'simd' || k === 'compiler')
    .map(([, v]) => v)
    .join(', ');
  const llc = result.lastLevelCacheBytes > 0 ? `; last-level cache ${formatBytes(result.lastLevelCacheBytes)}` : '';
  const header = `EIE's layers: onnxruntime dense (CPU EP) vs sparse kernels (${build}), ${result.threads} thread${result.threads === 1 ? '' : 's'}${llc}`;
  const rows = result.layers.map((l) => [
    l.name,
    `${l.inFeatures}x${l.outFeatures}`,
    `${fixed(l.density * 100, 1)}%`,
    String(l.batch),
    l.format,
    `${l.denseRegime}/${l.sparseRegime}`,
    fixed(l.denseUs, 1),
    fixed(l.sparseUs, 1),
    ratio(l.speedup),
    ratio(l.eieCpuSpeedup),
    ratio(l.byteRatioLimit),
    fixed(l.sparseBandwidthBytesPerSec / 1e9, 1),
    l.maxRelError.toExponential(1),
    fixed(l.eieFormat.sparseUs, 1),
    ratio(l.eieFormat.speedup),
    ratio(l.eieFormat.byteRatioLimit),
  ]);
  const body = table(
    [
      'layer', 'in x out', 'density', 'batch', 'format', 'weights in', 'ORT dense us', 'sparse us', 'speedup', 'EIE CPU', 'byte limit', 'sparse GB/s', 'max rel err',
      'eie-format us', 'eie-format speedup', 'eie-format byte limit',
    ],
    rows,
    [2, 3, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15],
  );
  const notes = [
    'Times: medians of whole products (the whole batch). EIE CPU: its i7-5930K MKL dense/sparse speedup at that batch',
    "(EIE's batch-64 times are per input, so compare speedups, not times). byte limit: dense fp32 bytes / sparse bytes,",
    'the most a memory-bound product can gain. weights in: dense/sparse weights fit the last-level cache (cache: warm runs',
    'read them from there) or not (dram). sparse GB/s: (matrix + input + output bytes) / sparse time; compare with',
    "'edgescope machine'. max rel err: max |sparse - dense| / max |dense|.",
    "eie-format: EIE's own storage (4-bit relative column indices, 4-bit indices into 16 k-means shared weights) on the",
    'native eie kernel; its speedup is over ORT dense on the same weight-shared matrix, its byte limit dense fp32 bytes /',
    'eie bytes (JSON: eieFormat).',
  ];
  return [header, '', body, '', ...notes, goalLine(result.layers)].filter((l, i, all) => l !== '' || all[i - 1] !== '').join('\n').trimEnd();
}
