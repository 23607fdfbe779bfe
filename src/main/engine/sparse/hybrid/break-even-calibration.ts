/**
 * The break-even table for the shapes and batches asked: from the per-machine cache where
 * it has them, else measured in the calibration process (./break-even-worker.ts) and cached.
 */
import { fork } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { EdgescopeError, fromApiError } from '../../../../shared/errors';
import { packageRoot } from '../../files/package-root';
import { loadSparseKernels } from '../native';
import { crossoverOf, DENSITY_LADDER, entryFor, readBreakEvenTable, writeBreakEvenEntries, type BreakEvenEntry, type LayerShape } from './break-even-table';
import type { CalibrationRequest, CalibrationResult, FromCalibrationWorker, ToCalibrationWorker } from './break-even-worker';
import { unavailableReason } from './kernels';
import { kernelBuildId, type CacheIdentity } from './measurement-cache';

export interface BreakEvenTableOptions {
  cacheDir: string;
  fingerprint: string;
  shapes: readonly LayerShape[];
  batches: readonly number[];
  threads: number;
  /** Measure every entry again, cached or not. */
  recalibrate?: boolean;
  seed?: number;
  onProgress?: (fraction: number, message: string) => void;
}

export interface BreakEvenTableResult {
  ep: 'cpu';
  threads: number;
  fingerprint: string;
  /** kernelBuildId and build info of the kernels the entries hold for. */
  build: string;
  buildInfo: Record<string, string>;
  /** In the order asked: shapes, then batches. `cached`: read from the cache rather than measured now. */
  entries: (BreakEvenEntry & { cached: boolean })[];
}

/** The sparse kernels are CPU kernels: the table is for the CPU EP. */
const EP = 'cpu';

export async function breakEvenTable(options: BreakEvenTableOptions): Promise<BreakEvenTableResult> {
  const status = loadSparseKernels();
  if (!status.available) throw new EdgescopeError('E_BACKEND_UNAVAILABLE', unavailableReason(status.reason));
  const id: CacheIdentity = { cacheDir: options.cacheDir, fingerprint: options.fingerprint, ep: EP, threads: options.threads, build: kernelBuildId(status.kernels) };
  const cached = options.recalibrate ? [] : readBreakEvenTable(id);
  const jobs = options.shapes
    .map((shape) => ({ ...shape, batches: options.batches.filter((b) => !entryFor(cached, shape.rows, shape.cols, b)) }))
    .filter((job) => job.batches.length > 0);

  let fresh: BreakEvenEntry[] = [];
  let build = id.build;
  let buildInfo: Record<string, string> = { ...status.kernels.buildInfo };
  if (jobs.length > 0) {
    const result = await calibrateInChild({ jobs, densities: DENSITY_LADDER, threads: options.threads, seed: options.seed ?? 42 }, options.onProgress);
    const measuredAt = new Date().toISOString();
    fresh = result.measured.map((m) => ({ ...m, ...crossoverOf(m.points), measuredAt }));
    // The process loaded the addon itself: its build is the one these timings belong to.
    ({ build, buildInfo } = result);
    await writeBreakEvenEntries({ ...id, build }, fresh);
  }

  const entries = options.shapes.flatMap((shape) =>
    options.batches.map((batch) => {
      const now = entryFor(fresh, shape.rows, shape.cols, batch);
      return now ? { ...now, cached: false } : { ...entryFor(cached, shape.rows, shape.cols, batch)!, cached: true };
    }),
  );
  return { ep: EP, threads: options.threads, fingerprint: options.fingerprint, build, buildInfo, entries };
}

function workerPath(): string {
  const beside = join(__dirname, 'break-even-worker.js');
  if (existsSync(beside)) return beside;
  const built = join(packageRoot(), 'dist', 'node', 'src', 'main', 'engine', 'sparse', 'hybrid', 'break-even-worker.js');
  if (!existsSync(built)) throw new EdgescopeError('E_INTERNAL', `break-even calibration worker not built (${built} missing): run npm run build:node`);
  return built;
}

/** One calibration in a fresh child process, which exits when it is done (or is killed on failure). */
function calibrateInChild(request: CalibrationRequest, onProgress?: BreakEvenTableOptions['onProgress']): Promise<CalibrationResult> {
  const child = fork(workerPath(), [], { serialization: 'advanced', stdio: ['ignore', 'ignore', 'pipe', 'ipc'], execArgv: [] });
  let stderrTail = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderrTail = (stderrTail + d.toString('utf8')).slice(-2000);
  });
  return new Promise<CalibrationResult>((resolve, reject) => {
    child.on('message', (m: FromCalibrationWorker) => {
      if (m.type === 'ready') child.send({ type: 'calibrate', request } satisfies ToCalibrationWorker);
      else if (m.type === 'progress') onProgress?.(m.done / m.total, m.message);
      else if (m.type === 'result') resolve(m.result);
      else reject(fromApiError(m.error));
    });
    child.on('error', (err) => reject(new EdgescopeError('E_RUN_FAILED', `the break-even calibration process failed to start: ${err.message}`)));
    child.on('exit', (code, signal) => {
      const last = stderrTail.trim().split('\n').pop()?.trim();
      const how = signal ? `signal ${signal}` : `exit code ${code}`;
      reject(new EdgescopeError('E_RUN_FAILED', `the break-even calibration process exited unexpectedly (${how})${last ? `: ${last.slice(0, 300)}` : ''}`));
    });
  }).finally(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
}
