/**
 * The sparse timing process: loads a MatMul weight from the same ONNX file onnxruntime
 * runs, packs it with the native kernels and times products on the input the run worker
 * generates for ORT (same seed, same generator), so outputs can be compared exactly.
 */
import { EdgescopeError, toApiError } from '../../../shared/errors';
import { SeededRandom } from '../../../shared/random';
import { generateInputData } from '../model/inputs';
import { floatValues, readModel, tensorDims } from '../model/onnx-io';
import { loadSparseKernels } from './native';
import type { FromTimingWorker, SparseTimingResult, SparseTimingSpec, ToTimingWorker } from './timing-messages';
import type { SparseKernels, SparseMatrix } from './types';

function send(message: FromTimingWorker): void {
  process.send?.(message);
}

/** [K x N] row-major to [N x K] row-major, in cache-sized tiles. */
export function transpose(w: Float32Array, k: number, n: number): Float32Array {
  const t = new Float32Array(k * n);
  const TILE = 64;
  for (let k0 = 0; k0 < k; k0 += TILE) {
    for (let n0 = 0; n0 < n; n0 += TILE) {
      const k1 = Math.min(k, k0 + TILE);
      const n1 = Math.min(n, n0 + TILE);
      for (let i = k0; i < k1; i++) for (let j = n0; j < n1; j++) t[j * k + i] = w[i * n + j];
    }
  }
  return t;
}

/**
 * The last packed matrices, kept while the same weights are timed at several batches (two: bench
 * eie alternates a layer's CSR and its weight-shared EIE-format matrix).
 */
const cached = new Map<string, SparseMatrix>();
const CACHED_MATRICES = 2;

function packedWeight(kernels: SparseKernels, spec: SparseTimingSpec): SparseMatrix {
  const { codebook, ...pack } = spec.pack;
  const key = JSON.stringify([spec.modelPath, spec.weightName, pack, codebook ? Array.from(codebook) : null]);
  const hit = cached.get(key);
  if (hit) return hit;
  if (cached.size >= CACHED_MATRICES) cached.delete(cached.keys().next().value!);
  const { proto } = readModel(spec.modelPath);
  const tensor = (proto.graph?.initializer ?? []).find((t) => t.name === spec.weightName);
  const dims = tensor ? tensorDims(tensor) : [];
  if (!tensor || dims.length !== 2) throw new EdgescopeError('E_BAD_REQUEST', `${spec.modelPath} has no 2-D initializer '${spec.weightName}'`);
  const [k, n] = dims;
  const matrix = kernels.pack(transpose(floatValues(tensor), k, n), n, k, spec.pack);
  cached.set(key, matrix);
  return matrix;
}

function time(spec: SparseTimingSpec): SparseTimingResult {
  const status = loadSparseKernels();
  if (!status.available) throw new EdgescopeError('E_BACKEND_UNAVAILABLE', status.reason);
  const { kernels } = status;
  const matrix = packedWeight(kernels, spec);
  const input = { name: 'x', dtype: 'float32', dims: [spec.batch, matrix.cols] };
  const x = generateInputData(input, new SeededRandom(spec.inputSeed)) as Float32Array;
  const out = new Float32Array(spec.batch * matrix.rows);
  const options = { threads: spec.threads };

  kernels.multiply(matrix, x, spec.batch, out, options);
  const outputs = spec.returnOutputs ? out.slice() : undefined;
  for (let i = 0; i < spec.warmupRuns; i++) kernels.multiply(matrix, x, spec.batch, out, options);

  const latenciesUs: number[] = [];
  const start = process.hrtime.bigint();
  const minNs = BigInt(Math.round(spec.minTimeMs * 1e6));
  while (latenciesUs.length < spec.timedRuns || process.hrtime.bigint() - start < minNs) {
    const t0 = process.hrtime.bigint();
    kernels.multiply(matrix, x, spec.batch, out, options);
    latenciesUs.push(Number(process.hrtime.bigint() - t0) / 1e3);
  }
  return { latenciesUs, rows: matrix.rows, cols: matrix.cols, nnz: matrix.nnz, bytes: matrix.bytes, ...(matrix.eie ? { eie: matrix.eie } : {}), buildInfo: { ...kernels.buildInfo }, outputs };
}

if (require.main === module) {
  process.on('message', (message: ToTimingWorker) => {
    try {
      send({ type: 'result', id: message.id, result: time(message.spec) });
    } catch (err) {
      send({ type: 'error', id: message.id, error: toApiError(err) });
    }
  });
  process.on('disconnect', () => process.exit(0));
  send({ type: 'ready', pid: process.pid });
}
