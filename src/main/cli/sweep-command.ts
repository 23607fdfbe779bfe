/**
 * `edgescope sweep FILE --out DIR`: validates the whole sweep file first (every problem one
 * line on stderr, exit 2), then runs the cells with a progress bar and an ETA on a terminal,
 * and prints a table of the cells (or, with --json, results.json) at the end.
 *
 * Exit codes: 0 every cell ok; 1 the sweep finished but some cell failed (results.json says
 * why); 2 bad sweep file or flags; 130 interrupted (rerun the same command to resume).
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { EdgescopeError } from '../../shared/errors';
import { engineEnv } from '../engine/engine';
import { formatDurationMs, formatPercent } from '../engine/report/html/format';
import type { CellResult, SweepResults } from '../engine/sweep/results';
import { runSweep, type SweepProgress } from '../engine/sweep/run-sweep';
import { sweepBaseDir, validateSweep } from '../engine/sweep/spec';
import type { SweepCommand } from './args';
import { progressPrinter } from './progress';
import { table } from './summary-table';

/** Read and validate a sweep file; a problem is an E_BAD_REQUEST whose message lists every error, one per line. */
export function loadSweepFile(file: string) {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new EdgescopeError('E_BAD_REQUEST', `cannot read the sweep file ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new EdgescopeError('E_BAD_REQUEST', `${file} is not valid JSON: ${(err as Error).message}`);
  }
  return validateSweep(parsed, sweepBaseDir(file));
}

export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/**
 * Remaining time: from the mean wall time of the cells finished in this run once there is
 * one (the first cell also measures the machine's ceilings, so its own fraction runs slow),
 * else from the first cell's progress.
 */
export function etaMs(p: { done: number; todo: number; cellFraction: number }, elapsedMs: number, cellElapsedMs: number): number | null {
  if (p.done > 0) {
    const perCell = (elapsedMs - cellElapsedMs) / p.done;
    return Math.max(0, perCell * (p.todo - p.done) - cellElapsedMs);
  }
  if (p.cellFraction < 0.05) return null;
  const perCell = cellElapsedMs / p.cellFraction;
  return Math.max(0, perCell * p.todo - cellElapsedMs);
}

function describeCell(c: { model: string; variant: string; ep: string; batch: number; threads: number }): string {
  return `${c.model.split(/[\\/]/).pop()} ${c.variant} ${c.ep} b${c.batch} t${c.threads}`;
}

export function formatSweepSummary(results: SweepResults, outDir: string): string {
  const rows = results.cells.map((c: CellResult) => [
    describeCell(c).split(' ')[0],
    c.variant,
    c.ep,
    String(c.batch),
    String(c.threads),
    c.status,
    c.latencyMs ? formatDurationMs(c.latencyMs.median) : '',
    c.throughputPerSec !== undefined ? c.throughputPerSec.toFixed(1) : '',
    c.shares ? formatPercent(c.shares.memory, 0) : '',
    c.status === 'ok' ? (c.report ?? '') : (c.error ?? ''),
  ]);
  const ok = results.cells.filter((c) => c.status === 'ok').length;
  const failed = results.cells.length - ok;
  return [
    table(['model', 'variant', 'ep', 'batch', 'threads', 'status', 'median', 'per s', 'memory', 'report / error'], rows, [3, 4, 6, 7, 8]),
    '',
    `${results.cells.length} of ${results.total} cells: ${ok} ok, ${failed} failed${failed > 0 ? ' (rerun with --retry-failed to retry them)' : ''}`,
    `results  ${resolve(outDir, 'results.json')}`,
  ].join('\n');
}

export async function sweep(cmd: SweepCommand, argv: string[]): Promise<number> {
  const validation = loadSweepFile(cmd.file);
  if (!validation.ok) {
    for (const line of validation.errors) process.stderr.write(`edgescope: error: ${cmd.file}: ${line}\n`);
    return 2;
  }
  const outDir = resolve(cmd.outDir);
  const controller = new AbortController();
  const onSignal = () => controller.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const progress = progressPrinter();
  const started = Date.now();
  let cellStarted = started;
  let lastCell = '';
  let finished = 0;
  const onProgress = (p: SweepProgress) => {
    if (p.cell.key !== lastCell) {
      lastCell = p.cell.key;
      cellStarted = Date.now();
    }
    const now = Date.now();
    const eta = etaMs(p, now - started, now - cellStarted);
    const fraction = (p.done + p.cellFraction) / p.todo;
    progress.update(`${p.done + 1}/${p.todo}`, fraction, `ETA ${eta === null ? '?' : formatDuration(eta)}  ${describeCell(p.cell)}: ${p.message}`);
  };
  try {
    const results = await runSweep(
      engineEnv(),
      { sweepFile: resolve(cmd.file), spec: validation.spec, raw: validation.raw, outDir, restart: cmd.restart, retryFailed: cmd.retryFailed },
      {
        signal: controller.signal,
        onProgress: cmd.json ? undefined : onProgress,
        onCellDone: () => finished++,
        commandLine: ['edgescope', ...argv],
      },
    );
    progress.done();
    process.stdout.write(cmd.json ? `${JSON.stringify(results)}\n` : `${formatSweepSummary(results, outDir)}\n`);
    return results.cells.every((c) => c.status === 'ok') ? 0 : 1;
  } catch (err) {
    progress.done();
    if (controller.signal.aborted) {
      throw new EdgescopeError('E_CANCELLED', `interrupted after ${finished} cells of this run; completed cells are kept in ${outDir}/results.json, rerun the same command to resume`);
    }
    throw err;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
