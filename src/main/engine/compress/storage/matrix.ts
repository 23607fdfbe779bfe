/**
 * The matrix view of a prunable weight, in the orientation sparse formats store it:
 * one row per output feature, columns = fan-in.
 *
 * - MatMul W[in, out] -> rows = out, cols = in (transposed); a batched W[..., in, out] stacks
 *   the transposed matrices (rows = batch * out).
 * - Gemm W[out, in] with transB = 1 as is; W[in, out] with transB = 0 transposed.
 * - Conv W[Cout, Cin/g, kh, kw] -> rows = Cout, cols = Cin/g * kh * kw.
 * - ConvTranspose W[Cin, Cout/g, kh, kw] -> rows = Cin, cols = the rest (the first axis, as
 *   Conv; its rows are input channels).
 */
import { floatValues, tensorDims, toNumber, type onnx } from '../../model/onnx-io';
import { prunableWeights } from '../prune';
import type { MatrixView } from './formats';

export interface LayerMatrix extends MatrixView {
  initializer: string;
  node: string;
  opType: string;
  /** The initializer's own dims. */
  dims: number[];
}

function intAttribute(n: onnx.INodeProto, name: string, fallback: number): number {
  const a = (n.attribute ?? []).find((x) => x.name === name);
  return a ? toNumber(a.i as number) : fallback;
}

/** Transpose `batch` stacked [r, c] matrices into [c, r] ones. */
function transposeStacked(v: Float32Array, batch: number, r: number, c: number): Float32Array {
  const out = new Float32Array(v.length);
  for (let b = 0; b < batch; b++) {
    const o = b * r * c;
    for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) out[o + j * r + i] = v[o + i * c + j];
  }
  return out;
}

/** Matrix view of a weight tensor used by `opType` (a copy; the tensor is not changed). */
export function matrixOf(opType: string, dims: readonly number[], values: Float32Array, transB = 0): MatrixView {
  const n = values.length;
  if (opType === 'MatMul' || (opType === 'Gemm' && transB === 0)) {
    const rIn = dims[dims.length - 2];
    const cOut = dims[dims.length - 1];
    const batch = n / (rIn * cOut);
    return { rows: batch * cOut, cols: rIn, values: transposeStacked(values, batch, rIn, cOut) };
  }
  const rows = dims[0];
  return { rows, cols: rows > 0 ? n / rows : 0, values: Float32Array.from(values) };
}

/** Every prunable weight of the model (prune.ts's selection) as a matrix. */
export function layerMatrices(proto: onnx.IModelProto): LayerMatrix[] {
  const nodes = proto.graph?.node ?? [];
  return prunableWeights(proto).map((w) => {
    const name = w.initializer.name ?? '';
    const n = nodes.find((x) => x.opType === w.opType && x.input?.[1] === name);
    const transB = n && w.opType === 'Gemm' ? intAttribute(n, 'transB', 0) : 0;
    const dims = tensorDims(w.initializer);
    return { initializer: name, node: w.nodeName, opType: w.opType, dims, ...matrixOf(w.opType, dims, floatValues(w.initializer), transB) };
  });
}
