/**
 * Running a cut model: ORT sessions for the segments, the native sparse multiply for the
 * sparse layers, tensors handed from piece to piece by name.
 *
 * An LSTM's two steps (lstm.ts) share one packed form: W for the input projection, R of each
 * direction for the recurrence (lstm-recurrence.ts), sparse or dense.
 *
 * Both block the JS thread (ORT's run() and SparseKernels.multiply), so this runs only in
 * the run worker child process (and in tests), never in the CLI or the app's main process.
 */
import * as ort from 'onnxruntime-node';
import { EdgescopeError } from '../../../../shared/errors';
import type { GraphOptimizationLevel } from '../../../../shared/report';
import { encodeModel } from '../../model/onnx-io';
import { condenseOrtError } from '../../run/ort-errors';
import type { SparseKernels, SparseMatrix } from '../types';
import { formatFor } from './formats';
import { GATES, type LstmLayer } from './lstm';
import { denseProduct, lstmRecurrenceStep, type RecurrentProduct } from './lstm-recurrence';
import type { HybridStep, SparseLayer } from './split';

export interface SessionSettings {
  ep: string;
  threads: number;
  graphOptimizationLevel: GraphOptimizationLevel;
  /** Profile each segment into `${dir}/${prefix}-<segment>_<date>.json`. */
  profile?: { dir: string; prefix: string };
}

/** Start and end (hrtime ns) of each step of one inference, in step order. */
export type StepTimes = { startNs: bigint; endNs: bigint }[];

/** An LSTM's matrices as its steps multiply them: W packed; R of each direction packed, or dense when not pruned enough. */
export interface PackedLstm {
  projection: SparseMatrix;
  recurrent: ({ kind: 'sparse'; matrix: SparseMatrix } | { kind: 'dense'; weights: Float32Array })[];
}

type Prepared =
  | { kind: 'ort'; step: Extract<HybridStep, { kind: 'ort' }>; session: ort.InferenceSession }
  | { kind: 'sparse'; step: Extract<HybridStep, { kind: 'sparse' }>; matrix: SparseMatrix }
  | { kind: 'lstm'; step: Extract<HybridStep, { kind: 'lstm' }>; packed: PackedLstm };

export function sessionOptions(s: SessionSettings, profilePrefix?: string): ort.InferenceSession.SessionOptions {
  return {
    executionProviders: [s.ep],
    intraOpNumThreads: s.threads,
    interOpNumThreads: 1,
    graphOptimizationLevel: s.graphOptimizationLevel,
    logSeverityLevel: 3,
    enableProfiling: profilePrefix !== undefined,
    profileFilePrefix: profilePrefix,
    // ORT's pool spins for a while after each run by default; the sparse kernels' pool runs
    // right after it on the same cores, and would wait out that spinning.
    extra: { session: { intra_op: { allow_spinning: '0' } } },
  };
}

export class HybridExecutor {
  private constructor(
    private readonly prepared: Prepared[],
    private readonly kernels: SparseKernels | null,
    private readonly threads: number,
  ) {}

  static async create(steps: readonly HybridStep[], kernels: SparseKernels | null, settings: SessionSettings): Promise<HybridExecutor> {
    const prepared: Prepared[] = [];
    const packedLstms = new Map<string, PackedLstm>();
    try {
      for (const step of steps) {
        if (step.kind === 'ort') {
          const prefix = settings.profile ? `${settings.profile.dir}/${settings.profile.prefix}-${step.name}` : undefined;
          prepared.push({ kind: 'ort', step, session: await createSession(step, settings, prefix) });
          continue;
        }
        if (!kernels) throw new EdgescopeError('E_INTERNAL', `sparse layer ${step.name} without sparse kernels`);
        if (step.kind === 'sparse') {
          const { layer } = step;
          prepared.push({ kind: 'sparse', step, matrix: kernels.pack(layer.weights, layer.rows, layer.cols, { format: formatFor(layer) }) });
        } else {
          const packed = packedLstms.get(step.lstm.node) ?? packLstm(step.lstm, kernels);
          packedLstms.set(step.lstm.node, packed);
          prepared.push({ kind: 'lstm', step, packed });
        }
      }
    } catch (err) {
      for (const p of prepared) if (p.kind === 'ort') await p.session.release();
      throw err;
    }
    return new HybridExecutor(prepared, kernels, settings.threads);
  }

  /** The packed matrix of each sparse step, by step name. */
  get matrices(): Map<string, SparseMatrix> {
    return new Map(this.prepared.flatMap((p) => (p.kind === 'sparse' ? [[p.step.name, p.matrix] as const] : [])));
  }

  /** The packed matrices of each LSTM, by LSTM node. */
  get lstms(): Map<string, PackedLstm> {
    return new Map(this.prepared.flatMap((p) => (p.kind === 'lstm' ? [[p.step.lstm.node, p.packed] as const] : [])));
  }

  /** One inference; `times`, when given, receives each step's start and end. */
  async run(feeds: Record<string, ort.Tensor>, outputNames: readonly string[], times?: StepTimes): Promise<Record<string, ort.Tensor>> {
    const tensors = new Map<string, ort.Tensor>(Object.entries(feeds));
    for (const p of this.prepared) {
      const startNs = process.hrtime.bigint();
      if (p.kind === 'ort') {
        const segmentFeeds: Record<string, ort.Tensor> = {};
        for (const name of p.step.inputs) {
          const t = tensors.get(name);
          if (!t) throw new EdgescopeError('E_INTERNAL', `hybrid ${p.step.name}: tensor ${name} was never produced`);
          segmentFeeds[name] = t;
        }
        let out: ort.InferenceSession.OnnxValueMapType;
        try {
          out = await p.session.run(segmentFeeds, p.step.outputs as string[]);
        } catch (err) {
          throw new EdgescopeError('E_RUN_FAILED', `hybrid ${p.step.name} failed: ${condenseOrtError(err)}`);
        }
        for (const [name, value] of Object.entries(out)) tensors.set(name, value as ort.Tensor);
      } else if (p.kind === 'lstm') {
        for (const [name, t] of this.runLstmPart(p.step.lstm, p.step.part, p.packed, tensors)) tensors.set(name, t);
      } else {
        const layer = p.step.layer;
        const x = tensors.get(layer.input);
        if (!x) throw new EdgescopeError('E_INTERNAL', `hybrid ${layer.node}: tensor ${layer.input} was never produced`);
        tensors.set(layer.output, this.multiply(layer, p.matrix, x));
      }
      times?.push({ startNs, endNs: process.hrtime.bigint() });
    }
    return Object.fromEntries(outputNames.map((n) => [n, tensors.get(n)!]));
  }

  /** One of an LSTM's steps: the input projection (one product over all timesteps), or the recurrence. */
  runLstmPart(lstm: LstmLayer, part: 'input-projection' | 'recurrence', packed: PackedLstm, tensors: ReadonlyMap<string, ort.Tensor>): Map<string, ort.Tensor> {
    if (part === 'input-projection') {
      const x = tensors.get(lstm.x);
      if (!x) throw new EdgescopeError('E_INTERNAL', `hybrid ${lstm.node}: tensor ${lstm.x} was never produced`);
      return new Map([[lstm.gates, this.multiply(lstm.projection, packed.projection, x)]]);
    }
    const rows = GATES * lstm.hidden;
    const productsFor = (batch: number): RecurrentProduct[] =>
      packed.recurrent.map((r) => (r.kind === 'dense' ? denseProduct(r.weights, rows, lstm.hidden, batch) : (h, out) => this.kernels!.multiply(r.matrix, h, batch, out, { threads: this.threads })));
    return lstmRecurrenceStep(lstm, (name) => tensors.get(name), productsFor);
  }

  /** Rows (products) the layer computes for an input of these dims. */
  static batchOf(layer: SparseLayer, dims: readonly number[]): number {
    if (layer.layout === 'nchw') return dims[0] * dims.slice(2).reduce((a, b) => a * b, 1);
    return dims.slice(0, -1).reduce((a, b) => a * b, 1);
  }

  private multiply(layer: SparseLayer, matrix: SparseMatrix, x: ort.Tensor): ort.Tensor {
    if (x.type !== 'float32') throw new EdgescopeError('E_RUN_FAILED', `hybrid ${layer.node}: input ${layer.input} is ${x.type}, not float32`);
    const dims = [...x.dims];
    const data = x.data as Float32Array;
    const channelAxis = layer.layout === 'nchw' ? 1 : dims.length - 1;
    if (dims[channelAxis] !== layer.cols) {
      throw new EdgescopeError('E_RUN_FAILED', `hybrid ${layer.node}: input ${layer.input} [${dims.join(',')}] does not have ${layer.cols} features`);
    }
    if (layer.opType === 'Gemm' && dims.length !== 2) throw new EdgescopeError('E_RUN_FAILED', `hybrid ${layer.node}: Gemm input must be 2-D, got [${dims.join(',')}]`);
    const batch = HybridExecutor.batchOf(layer, dims);
    const options = { threads: this.threads, ...(layer.bias ? { bias: layer.bias } : {}) };
    if (layer.layout === 'rows') {
      const out = new Float32Array(batch * layer.rows);
      this.kernels!.multiply(matrix, data, batch, out, options);
      if (layer.relu) relu(out);
      return new ort.Tensor('float32', out, [...dims.slice(0, -1), layer.rows]);
    }
    // 1x1 Conv on NCHW: each pixel is a product; go to pixel-major [N*S, C], multiply, come back.
    const [n, c] = dims;
    const pixels = batch / n;
    const x2 = nchwToRows(data, n, c, pixels);
    const y2 = new Float32Array(batch * layer.rows);
    this.kernels!.multiply(matrix, x2, batch, y2, options);
    if (layer.relu) relu(y2);
    return new ort.Tensor('float32', rowsToNchw(y2, n, layer.rows, pixels), [n, layer.rows, ...dims.slice(2)]);
  }

  /** End profiling on every segment session (each writes its profile file). */
  endProfiling(): void {
    for (const p of this.prepared) if (p.kind === 'ort') p.session.endProfiling();
  }

  async release(): Promise<void> {
    for (const p of this.prepared) if (p.kind === 'ort') await p.session.release();
  }
}

function packLstm(lstm: LstmLayer, kernels: SparseKernels): PackedLstm {
  const { projection } = lstm;
  return {
    projection: kernels.pack(projection.weights, projection.rows, projection.cols, { format: formatFor(projection) }),
    recurrent: lstm.recurrent.map((weights) =>
      lstm.recurrentSparse
        ? { kind: 'sparse' as const, matrix: kernels.pack(weights, GATES * lstm.hidden, lstm.hidden, { format: formatFor({ cols: lstm.hidden }) }) }
        : { kind: 'dense' as const, weights },
    ),
  };
}

async function createSession(step: Extract<HybridStep, { kind: 'ort' }>, settings: SessionSettings, profilePrefix?: string): Promise<ort.InferenceSession> {
  try {
    return await ort.InferenceSession.create(encodeModel(step.model), sessionOptions(settings, profilePrefix));
  } catch (err) {
    throw new EdgescopeError('E_RUN_FAILED', `onnxruntime could not create a ${settings.ep} session for hybrid ${step.name}: ${condenseOrtError(err)}`);
  }
}

function relu(y: Float32Array): void {
  for (let i = 0; i < y.length; i++) if (y[i] < 0) y[i] = 0;
}

/** [N, C, S] to [N*S, C]. */
export function nchwToRows(x: Float32Array, n: number, c: number, s: number): Float32Array {
  const out = new Float32Array(n * c * s);
  for (let b = 0; b < n; b++) for (let ch = 0; ch < c; ch++) {
    const src = (b * c + ch) * s;
    for (let p = 0; p < s; p++) out[(b * s + p) * c + ch] = x[src + p];
  }
  return out;
}

/** [N*S, C] to [N, C, S]. */
export function rowsToNchw(y: Float32Array, n: number, c: number, s: number): Float32Array {
  const out = new Float32Array(n * c * s);
  for (let b = 0; b < n; b++) for (let p = 0; p < s; p++) {
    const src = (b * s + p) * c;
    for (let ch = 0; ch < c; ch++) out[(b * c + ch) * s + p] = y[src + ch];
  }
  return out;
}
