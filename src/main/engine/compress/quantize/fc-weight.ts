/**
 * A MatMul or Gemm with a constant weight, seen as y = x W' + b with W' a K x N matrix:
 * Gemm's transB is undone, alpha is folded into W' and beta into b, so every quantizer
 * works on the same form. Anything that does not fit that form comes back as a reason.
 */
import type { onnx } from '../../model/onnx-io';
import { floatAttr, intAttr, transpose, type GraphEditor } from './graph-edit';

export interface FcWeight {
  /** The activation input (A). */
  input: string;
  output: string;
  /** Row-major K x N, alpha applied. */
  weight: Float32Array;
  k: number;
  n: number;
  /** beta * C as one value per output column, when the Gemm has a bias. */
  bias?: Float32Array;
  /** The float initializer names this layer read (dropped later when nothing else reads them). */
  weightName: string;
}

export function fcWeight(editor: GraphEditor, node: onnx.INodeProto): FcWeight | { reason: string } {
  const [input, weightName, biasName] = node.input ?? [];
  if (editor.isInitializer(input) && !editor.isInitializer(weightName)) {
    return { reason: 'the constant operand is on the left (x W with W constant is supported)' };
  }
  const w = editor.floatInitializer(weightName);
  if (!w) return { reason: 'the weight is not a float32 initializer' };
  if (w.dims.length !== 2) return { reason: `the weight has ${w.dims.length} dimensions (a 2-D K x N weight is supported)` };
  const output = node.output![0];
  if (node.opType === 'MatMul') return { input, output, weight: w.values, k: w.dims[0], n: w.dims[1], weightName };

  if (intAttr(node, 'transA', 0) !== 0) return { reason: 'Gemm with transA=1 is not supported' };
  const transB = intAttr(node, 'transB', 0) !== 0;
  const alpha = floatAttr(node, 'alpha', 1);
  const beta = floatAttr(node, 'beta', 1);
  const [k, n] = transB ? [w.dims[1], w.dims[0]] : w.dims;
  const weight = transB ? transpose(w.values, w.dims[0], w.dims[1]) : Float32Array.from(w.values);
  if (alpha !== 1) for (let i = 0; i < weight.length; i++) weight[i] *= alpha;
  let bias: Float32Array | undefined;
  if (biasName) {
    const c = editor.floatInitializer(biasName);
    if (!c) return { reason: 'the Gemm bias C is not a float32 initializer' };
    if (c.values.length === n) bias = Float32Array.from(c.values, (v) => v * beta);
    else if (c.values.length === 1) bias = new Float32Array(n).fill(c.values[0] * beta);
    else return { reason: `the Gemm bias C has shape [${c.dims.join(', ')}], not one value per output` };
  }
  return { input, output, weight, k, n, bias, weightName };
}
