/**
 * The LSTM recurrence after the input projection (lstm.ts): per timestep R·h_{t-1} (a sparse or
 * dense product, given by the caller) plus the projected gates, then ONNX's default cell:
 *
 *   i = σ(g_i)  o = σ(g_o)  f = σ(g_f)  c̃ = tanh(g_c)      (g = W·x_t + R·h_{t-1} + Wb + Rb; order i, o, f, c)
 *   C_t = f ⊙ C_{t-1} + i ⊙ c̃       H_t = o ⊙ tanh(C_t)
 *
 * Outputs as ONNX defines them for layout 0: Y [seq_len, directions, batch, hidden] with each
 * timestep's H at its own position (a reverse direction fills Y from the end), Y_h and Y_c
 * [directions, batch, hidden] the last state each direction computed.
 */
import * as ort from 'onnxruntime-node';
import { EdgescopeError } from '../../../../shared/errors';
import { GATES, type LstmLayer, type LstmState } from './lstm';

/** out[b, r] = sum_c h[b, c] R[r, c] for the batch rows of h ([batch x hidden] -> [batch x 4 hidden]). */
export type RecurrentProduct = (h: Float32Array, out: Float32Array) => void;

export interface RecurrenceShape {
  seq: number;
  batch: number;
  hidden: number;
  directions: number;
  /** Direction 0 runs from the last timestep to the first (direction 'reverse'); a bidirectional's direction 1 always does. */
  reverseFirst: boolean;
}

export interface RecurrenceResult {
  /** null when the node has no Y output (it is then not written at all). */
  y: Float32Array | null;
  yH: Float32Array;
  yC: Float32Array;
}

const sigmoid = (v: number): number => 1 / (1 + Math.exp(-v));
/** tanh through one exp (V8's Math.tanh costs about two); exact to ~1e-16 absolute, ±1 at the extremes. */
const tanh = (v: number): number => 1 - 2 / (Math.exp(2 * v) + 1);

/**
 * `gates`: the input projection [seq x batch x directions·4·hidden] (biases included); `h0`, `c0`:
 * [directions x batch x hidden] or null for zeros; `products[d]`: R·h of direction d.
 */
export function runRecurrence(shape: RecurrenceShape, gates: Float32Array, h0: Float32Array | null, c0: Float32Array | null, products: readonly RecurrentProduct[], withY: boolean): RecurrenceResult {
  const { seq, batch, hidden: H, directions } = shape;
  const rowWidth = directions * GATES * H;
  const y = withY ? new Float32Array(seq * directions * batch * H) : null;
  const yH = h0 ? Float32Array.from(h0) : new Float32Array(directions * batch * H);
  const yC = c0 ? Float32Array.from(c0) : new Float32Array(directions * batch * H);
  const rh = new Float32Array(batch * GATES * H);
  for (let d = 0; d < directions; d++) {
    const reverse = d === 0 ? shape.reverseFirst : true;
    // This direction's state, updated in place: after the last step it is Y_h / Y_c.
    const h = yH.subarray(d * batch * H, (d + 1) * batch * H);
    const c = yC.subarray(d * batch * H, (d + 1) * batch * H);
    for (let step = 0; step < seq; step++) {
      const t = reverse ? seq - 1 - step : step;
      products[d](h, rh); // reads h_{t-1} whole before the loop below overwrites it
      for (let b = 0; b < batch; b++) {
        const g = (t * batch + b) * rowWidth + d * GATES * H;
        const r = b * GATES * H;
        const s = b * H;
        const out = y ? ((t * directions + d) * batch + b) * H : 0;
        for (let j = 0; j < H; j++) {
          const i = sigmoid(gates[g + j] + rh[r + j]);
          const o = sigmoid(gates[g + H + j] + rh[r + H + j]);
          const f = sigmoid(gates[g + 2 * H + j] + rh[r + 2 * H + j]);
          const cell = tanh(gates[g + 3 * H + j] + rh[r + 3 * H + j]);
          const ct = f * c[s + j] + i * cell;
          c[s + j] = ct;
          h[s + j] = o * tanh(ct);
          if (y) y[out + j] = h[s + j];
        }
      }
    }
  }
  return { y, yH, yC };
}

/** R·h as a plain dense product, for an R not pruned enough for the sparse kernels. */
export function denseProduct(weights: Float32Array, rows: number, cols: number, batch: number): RecurrentProduct {
  return (h, out) => {
    for (let b = 0; b < batch; b++) {
      const x = b * cols;
      for (let r = 0; r < rows; r++) {
        const w = r * cols;
        let sum = 0;
        for (let k = 0; k < cols; k++) sum += weights[w + k] * h[x + k];
        out[b * rows + r] = sum;
      }
    }
  };
}

/** The LSTM's recurrence step on the executor's tensors: reads the gates and states, returns Y, Y_h, Y_c by name. */
export function lstmRecurrenceStep(
  lstm: LstmLayer,
  tensor: (name: string) => ort.Tensor | undefined,
  productsFor: (batch: number) => RecurrentProduct[],
): Map<string, ort.Tensor> {
  const gates = tensor(lstm.gates);
  if (!gates) throw new EdgescopeError('E_INTERNAL', `hybrid ${lstm.node}: the input projection did not run before the recurrence`);
  // The projection keeps X's leading dims: [seq_len, batch, directions·4·hidden].
  if (gates.dims.length !== 3) throw new EdgescopeError('E_RUN_FAILED', `hybrid ${lstm.node}: X ${lstm.x} has ${gates.dims.length} dimensions, not 3 [seq_len, batch, input_size]`);
  const [seq, batch] = gates.dims;
  checkFullLength(lstm, seq, batch, tensor);
  const H = lstm.hidden;
  const states = { count: lstm.directions * batch * H, tensor };
  const result = runRecurrence(
    { seq, batch, hidden: H, directions: lstm.directions, reverseFirst: lstm.direction === 'reverse' },
    gates.data as Float32Array,
    stateValues(lstm, 'initial_h', lstm.initialH, states),
    stateValues(lstm, 'initial_c', lstm.initialC, states),
    productsFor(batch),
    lstm.y !== '',
  );
  const outputs = new Map<string, ort.Tensor>();
  const stateDims = [lstm.directions, batch, H];
  if (result.y) outputs.set(lstm.y, new ort.Tensor('float32', result.y, [seq, lstm.directions, batch, H]));
  if (lstm.yH) outputs.set(lstm.yH, new ort.Tensor('float32', result.yH, stateDims));
  if (lstm.yC) outputs.set(lstm.yC, new ort.Tensor('float32', result.yC, stateDims));
  return outputs;
}

function stateValues(lstm: LstmLayer, role: string, state: LstmState | null, s: { count: number; tensor: (name: string) => ort.Tensor | undefined }): Float32Array | null {
  if (!state) return null;
  let values: Float32Array;
  if ('values' in state) values = state.values;
  else {
    const t = s.tensor(state.tensor);
    if (!t) throw new EdgescopeError('E_INTERNAL', `hybrid ${lstm.node}: tensor ${state.tensor} was never produced`);
    if (t.type !== 'float32') throw new EdgescopeError('E_RUN_FAILED', `hybrid ${lstm.node}: ${role} ${state.tensor} is ${t.type}, not float32`);
    values = t.data as Float32Array;
  }
  if (values.length !== s.count) throw new EdgescopeError('E_RUN_FAILED', `hybrid ${lstm.node}: ${role} has ${values.length} values, expected ${s.count} (directions x batch x hidden)`);
  return values;
}

/** Only whole sequences are computed: every sequence_lens entry must be seq_len. */
function checkFullLength(lstm: LstmLayer, seq: number, batch: number, tensor: (name: string) => ort.Tensor | undefined): void {
  const lens = lstm.sequenceLens;
  if (!lens) return;
  let lengths: number[];
  if ('lengths' in lens) lengths = lens.lengths;
  else {
    const t = tensor(lens.tensor);
    if (!t) throw new EdgescopeError('E_INTERNAL', `hybrid ${lstm.node}: tensor ${lens.tensor} was never produced`);
    lengths = Array.from(t.data as ArrayLike<number | bigint>, Number);
  }
  if (lengths.length !== batch || lengths.some((l) => l !== seq)) {
    throw new EdgescopeError('E_RUN_FAILED', `hybrid ${lstm.node}: sequence_lens [${lengths.join(',')}] is not seq_len ${seq} for each of the ${batch} sequences (only full-length sequences are implemented)`);
  }
}
