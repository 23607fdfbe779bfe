/**
 * `edgescope bench break-even [--shape ROWSxCOLS,...] [--batch 1,8,64] [--threads N] [--recalibrate] [--json]`:
 * the density below which the sparse kernels beat onnxruntime dense, per layer shape and batch,
 * on this machine (engine/sparse/hybrid/break-even-table.ts). Cached per machine, thread count
 * and kernel build; --recalibrate measures again. Parses its own flags, like bench eie.
 */
import { badRequest } from '../../shared/errors';
import { engineEnv } from '../engine/engine';
import { machineInventory } from '../engine/machine/machine-info';
import { breakEvenTable, type BreakEvenTableResult } from '../engine/sparse/hybrid/break-even-calibration';
import { DEFAULT_BATCHES, DEFAULT_SHAPES, DENSITY_LADDER, type BreakEvenEntry, type LayerShape } from '../engine/sparse/hybrid/break-even-table';
import { integerFlag, parseFlags } from './flags';
import { progressPrinter } from './progress';
import { table } from './summary-table';

export interface BenchBreakEvenCommand {
  shapes: LayerShape[];
  batches: number[];
  /** Absent: the machine's physical cores, as profile uses. */
  threads?: number;
  recalibrate: boolean;
  json: boolean;
}

const shapeText = (s: LayerShape) => `${s.rows}x${s.cols}`;

export const BENCH_BREAK_EVEN_USAGE = `usage: edgescope bench break-even [--shape ROWSxCOLS,...] [--batch 1,8,64] [--threads N] [--recalibrate] [--json]
  --shape   layer shapes as output features x input features (default: ${DEFAULT_SHAPES.map(shapeText).join(', ')})
  --batch   product rows per inference (default: ${DEFAULT_BATCHES.join(',')})
  --threads threads for onnxruntime and the sparse kernels alike (default: physical cores)
  --recalibrate  measure again, even what the per-machine cache has`;

/** Largest weight matrix timed: it is built in memory several times over (1 GiB of fp32). */
const MAX_ELEMENTS = 2 ** 28;
const MAX_BATCH = 4096;
const MAX_THREADS = 1024;

function parseShape(text: string): LayerShape {
  const m = /^(\d+)x(\d+)$/.exec(text.trim());
  const rows = m ? Number(m[1]) : 0;
  const cols = m ? Number(m[2]) : 0;
  if (!m || rows < 1 || cols < 1) badRequest(`--shape must be ROWSxCOLS with integers >= 1 (e.g. 4096x4096), got '${text}'`);
  if (rows * cols > MAX_ELEMENTS) badRequest(`--shape ${text} has ${rows * cols} weights, more than the ${MAX_ELEMENTS} this benchmark builds`);
  return { rows, cols };
}

export function parseBenchBreakEvenCommand(args: string[]): BenchBreakEvenCommand {
  const { values, positionals } = parseFlags('bench break-even', args, {
    shape: { type: 'string' },
    batch: { type: 'string' },
    threads: { type: 'string' },
    recalibrate: { type: 'boolean' },
    json: { type: 'boolean' },
  });
  if (positionals.length > 0) badRequest(`bench break-even takes no arguments, got '${positionals.join(' ')}'`);
  const shapes = values.shape === undefined ? [...DEFAULT_SHAPES] : values.shape.split(',').map(parseShape);
  const batches = values.batch === undefined ? [...DEFAULT_BATCHES] : values.batch.split(',').map((b) => integerFlag('batch', b, 1, MAX_BATCH)!);
  return {
    shapes: shapes.filter((s, i) => shapes.findIndex((t) => t.rows === s.rows && t.cols === s.cols) === i),
    batches: [...new Set(batches)],
    threads: integerFlag('threads', values.threads, 1, MAX_THREADS),
    recalibrate: values.recalibrate === true,
    json: values.json === true,
  };
}

export async function runBenchBreakEvenCommand(args: string[]): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(`${BENCH_BREAK_EVEN_USAGE}\n`);
    return 0;
  }
  const cmd = parseBenchBreakEvenCommand(args);
  const machine = await machineInventory();
  const progress = progressPrinter();
  try {
    const result = await breakEvenTable({
      cacheDir: engineEnv().cacheDir,
      fingerprint: machine.fingerprint,
      shapes: cmd.shapes,
      batches: cmd.batches,
      threads: cmd.threads ?? machine.cores,
      recalibrate: cmd.recalibrate,
      onProgress: cmd.json ? undefined : (fraction, message) => progress.update('bench break-even', fraction, message),
    });
    progress.done();
    process.stdout.write(cmd.json ? `${JSON.stringify(result)}\n` : `${formatBreakEvenTable(result)}\n`);
    return 0;
  } finally {
    progress.done();
  }
}

const pct = (v: number) => `${(v * 100).toFixed(1)}%`;

function breakEvenCell(e: BreakEvenEntry): string {
  if (e.crossover === 'below-ladder') return `< ${pct(e.breakEvenDensity)}`;
  if (e.crossover === 'above-ladder') return `> ${pct(e.breakEvenDensity)}`;
  return pct(e.breakEvenDensity);
}

/** Dense time over sparse time at the ladder density nearest `density` (the achieved one differs slightly). */
function speedupAt(e: BreakEvenEntry, density: number): string {
  const point = e.points.reduce((best, p) => (Math.abs(p.density - density) < Math.abs(best.density - density) ? p : best), e.points[0]);
  return point ? `${(point.denseUs / point.sparseUs).toFixed(2)}x` : '-';
}

export function formatBreakEvenTable(result: BreakEvenTableResult): string {
  const build = ['simd', 'compiler'].map((k) => result.buildInfo[k]).filter(Boolean).join(', ');
  const header = `break-even density: onnxruntime dense (CPU EP) vs sparse kernels (${build || 'build ' + result.build}), ${result.threads} thread${result.threads === 1 ? '' : 's'}, machine ${result.fingerprint}`;
  const rows = result.entries.map((e) => [
    shapeText(e),
    String(e.batch),
    breakEvenCell(e),
    ...DENSITY_LADDER.map((d) => speedupAt(e, d)),
    e.cached ? `cached ${e.measuredAt.slice(0, 16).replace('T', ' ')}` : 'measured now',
  ]);
  const headers = ['rows x cols', 'batch', 'break-even', ...DENSITY_LADDER.map((d) => `${(d * 100).toFixed(0)}%`), 'source'];
  const body = table(headers, rows, [1, 2, ...DENSITY_LADDER.map((_, i) => 3 + i)]);
  const notes = [
    'break-even: the density below which the sparse kernel beats ORT dense, interpolated between the ladder points around',
    "it (< x: sparse lost even at the lowest density; > x: it won even at the highest). n%: ORT dense time / sparse time",
    'at that density (above 1.00x sparse wins). Hybrid runs given the per-machine cache predict from this table for',
    'layers of these shapes and batches whose density is under half or over twice the break-even, and time the others',
    '(docs/hybrid-execution.md, section 6). Sparse time: the fastest candidate format at that batch (csr16; also sell at',
    'batch 1 on AVX-512 builds).',
  ];
  return [header, '', body, '', ...notes].join('\n');
}
