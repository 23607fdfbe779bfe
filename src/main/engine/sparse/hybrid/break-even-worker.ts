/**
 * The break-even calibration process: times onnxruntime dense against the sparse kernels
 * on random pruned matrices at a ladder of densities, for each shape and batch asked. Both
 * block their thread, so this runs in its own child process (./break-even-calibration.ts
 * starts it), never in the CLI's or the app's.
 */
import { EdgescopeError, toApiError } from '../../../../shared/errors';
import type { ApiError } from '../../../../shared/api';
import { SeededRandom } from '../../../../shared/random';
import { zeroSmallest } from '../../compress/prune';
import type { SparseKernels } from '../types';
import { openDenseLayer, packCandidates, timeBothWays } from './break-even';
import type { BreakEvenPoint, LayerShape } from './break-even-table';
import { candidateFormats } from '../formats';
import { sparseKernels, unavailableReason } from './kernels';
import { kernelBuildId } from './measurement-cache';

export interface CalibrationRequest {
  /** Each shape with the batches to time it at. */
  jobs: (LayerShape & { batches: number[] })[];
  densities: readonly number[];
  threads: number;
  seed: number;
}

export interface CalibrationResult {
  /** kernelBuildId of the kernels timed. */
  build: string;
  buildInfo: Record<string, string>;
  measured: (LayerShape & { batch: number; points: BreakEvenPoint[] })[];
}

export type ToCalibrationWorker = { type: 'calibrate'; request: CalibrationRequest };

export type FromCalibrationWorker =
  | { type: 'ready' }
  | { type: 'progress'; done: number; total: number; message: string }
  | { type: 'result'; result: CalibrationResult }
  | { type: 'error'; error: ApiError };

/** Normal weights, stored by output row as the kernels take them; seeded, so every machine times the same matrices. */
function randomWeights(shape: LayerShape, seed: number): Float32Array {
  const rng = new SeededRandom(seed);
  const scale = Math.sqrt(2 / shape.cols);
  const w = new Float32Array(shape.rows * shape.cols);
  for (let i = 0; i < w.length; i++) w[i] = rng.normal() * scale;
  return w;
}

function randomInput(batch: number, cols: number, seed: number): Float32Array {
  const rng = new SeededRandom(seed);
  const x = new Float32Array(batch * cols);
  for (let i = 0; i < x.length; i++) x[i] = rng.uniform(0, 1);
  return x;
}

/** A seed per shape, not per position in the request: the same shape is the same matrix in every calibration. */
const shapeSeed = (seed: number, shape: LayerShape) => seed + shape.rows * 65_537 + shape.cols;

/**
 * Every job's points. At each density the smallest magnitudes of one random matrix are
 * zeroed (so a denser matrix keeps the sparser one's nonzeros), packed in each storage format
 * a run would consider at that batch (formats.ts), and timed at each batch by the policy's own
 * timing (break-even.ts): a point's sparse time is its fastest format's.
 */
export async function calibrate(
  request: CalibrationRequest,
  kernels: SparseKernels,
  onProgress: (done: number, total: number, message: string) => void = () => {},
): Promise<CalibrationResult['measured']> {
  const settings = { ep: 'cpu', threads: request.threads, graphOptimizationLevel: 'all' as const };
  const total = request.jobs.reduce((n, job) => n + job.batches.length * request.densities.length, 0);
  const measured: CalibrationResult['measured'] = [];
  let done = 0;
  for (const job of request.jobs) {
    const base = randomWeights(job, shapeSeed(request.seed, job));
    const points = new Map(job.batches.map((batch) => [batch, [] as BreakEvenPoint[]]));
    for (const density of request.densities) {
      const weights = base.slice();
      zeroSmallest(weights, Math.round((1 - density) * weights.length));
      const layer = { node: `calibration-${job.rows}x${job.cols}`, rows: job.rows, cols: job.cols, weights };
      // Each format once per density, shared by the batches that consider it.
      const formats = [...new Set(job.batches.flatMap((batch) => candidateFormats(job.cols, batch, kernels.buildInfo)))];
      const packed = new Map(packCandidates(layer, formats, kernels).map((m) => [m.format, m]));
      const session = await openDenseLayer(layer, settings);
      try {
        for (const batch of job.batches) {
          onProgress(done++, total, `${job.rows}x${job.cols} batch ${batch}: density ${(density * 100).toFixed(0)}%`);
          const x = randomInput(batch, job.cols, request.seed + 1000 + batch);
          const matrices = candidateFormats(job.cols, batch, kernels.buildInfo).map((f) => packed.get(f)!);
          const timed = await timeBothWays(session, layer, matrices, kernels, x, batch, request.threads);
          points.get(batch)!.push({ density: matrices[0].nnz / weights.length, ...timed });
        }
      } finally {
        await session.release();
      }
    }
    for (const [batch, p] of points) measured.push({ rows: job.rows, cols: job.cols, batch, points: p });
  }
  return measured;
}

async function handle(request: CalibrationRequest, send: (m: FromCalibrationWorker) => void): Promise<void> {
  const status = sparseKernels();
  if (!status.available) throw new EdgescopeError('E_BACKEND_UNAVAILABLE', unavailableReason(status.reason));
  const measured = await calibrate(request, status.kernels, (done, total, message) => send({ type: 'progress', done, total, message }));
  send({ type: 'result', result: { build: kernelBuildId(status.kernels), buildInfo: { ...status.kernels.buildInfo }, measured } });
}

if (require.main === module) {
  const send = (m: FromCalibrationWorker) => process.send?.(m);
  process.on('message', (m: ToCalibrationWorker) => {
    handle(m.request, send).catch((err: unknown) => send({ type: 'error', error: toApiError(err) }));
  });
  process.on('disconnect', () => process.exit(0));
  send({ type: 'ready' });
}
