/**
 * Static int8 in QDQ form for Conv, MatMul and Gemm, with activation ranges from min-max
 * calibration. Around each layer:
 *
 *   x -> QuantizeLinear(uint8) -> DequantizeLinear --\
 *   W_int8 (per output channel) -> DequantizeLinear --> Conv/MatMul/Gemm -> Q(uint8) -> DQ -> y
 *   bias_int32 (scale x_scale * w_scale[c]) -> DQ --/
 *
 * The graph stays float-typed, so it runs anywhere; ORT's QDQ transformers (optimization
 * level basic and above) recognise DQ -> op -> Q and replace each group by QLinearConv,
 * QLinearMatMul or QGemm on its u8 x s8 integer kernels. uint8 activations with int8
 * weights is the combination ORT's CPU EP (MLAS) has fast kernels for on x86 and ARM.
 * A layer's output DQ is the next layer's input DQ, so a chain is quantized once per tensor.
 */
import { DataType, onnx, toNumber } from '../../model/onnx-io';
import { node } from '../../model/graph-builder';
import type { TensorRange } from './calibrate';
import { bytesOf, floatAttr, GraphEditor, intAttr, layerName, WEIGHT_OPS, type LayerOutcome } from './graph-edit';
import { quantizePerChannelInt8, roundHalfEven, uint8Params, type ActivationParams } from './int8-math';

const INT32_MAX = 2 ** 31 - 1;

/** Per-axis DequantizeLinear needs opset 13. */
const MIN_OPSET = 13;

export interface StaticTarget {
  node: onnx.INodeProto;
  name: string;
  input: string;
  output: string;
  weightName: string;
  /** Axis of the output channel in the weight. */
  axis: number;
}

export interface StaticPlan {
  targets: StaticTarget[];
  layers: LayerOutcome[];
  /** Tensors whose ranges calibration must measure. */
  tensors: string[];
}

function defaultOpset(proto: onnx.IModelProto): number {
  const entry = (proto.opsetImport ?? []).find((o) => !o.domain || o.domain === 'ai.onnx');
  return entry ? toNumber(entry.version as number) : 0;
}

/** Which layers can be quantized, and which tensors need calibrating for them. */
export function planStatic(editor: GraphEditor): StaticPlan {
  const targets: StaticTarget[] = [];
  const layers: LayerOutcome[] = [];
  const opset = defaultOpset(editor.model);
  for (const n of editor.graph.node!) {
    const opType = n.opType ?? '';
    if (!WEIGHT_OPS.has(opType) || (n.domain && n.domain !== 'ai.onnx')) continue;
    const name = layerName(n);
    const refuse = (reason: string) => layers.push({ name, opType, quantized: false, reason });
    if (opType === 'ConvTranspose') {
      refuse('int8-static covers Conv, MatMul and Gemm, not ConvTranspose');
      continue;
    }
    if (opset < MIN_OPSET) {
      refuse(`the model's opset ${opset} is below ${MIN_OPSET} (per-channel DequantizeLinear)`);
      continue;
    }
    const [input, weightName] = n.input!;
    const w = editor.floatInitializer(weightName);
    if (!w || editor.isInitializer(input)) {
      refuse('the weight (input 1) is not a float32 initializer applied to an activation');
      continue;
    }
    let axis: number;
    if (opType === 'Conv') axis = 0;
    else if (w.dims.length !== 2) {
      refuse(`the weight has ${w.dims.length} dimensions (a 2-D weight is supported)`);
      continue;
    } else if (opType === 'Gemm') {
      if (intAttr(n, 'transA', 0) !== 0) {
        refuse('Gemm with transA=1 is not supported');
        continue;
      }
      axis = intAttr(n, 'transB', 0) !== 0 ? 0 : 1;
    } else axis = 1;
    targets.push({ node: n, name, input, output: n.output![0], weightName, axis });
    layers.push({ name, opType, quantized: true });
  }
  const tensors = [...new Set(targets.flatMap((t) => [t.input, t.output]))];
  return { targets, layers, tensors };
}

function scalarParams(editor: GraphEditor, base: string, p: ActivationParams): { scale: string; zeroPoint: string } {
  return {
    scale: editor.addFloat(`${base}_scale`, [], Float32Array.of(p.scale)),
    zeroPoint: editor.addInitializer(`${base}_zero_point`, DataType.UINT8, [], Uint8Array.of(p.zeroPoint)),
  };
}

/** Rewrite every planned layer into QDQ form with the calibrated ranges. */
export function applyStatic(editor: GraphEditor, plan: StaticPlan, ranges: Map<string, TensorRange>): void {
  const params = new Map<string, ActivationParams>();
  const paramsOf = (tensor: string) => {
    let p = params.get(tensor);
    if (!p) {
      const r = ranges.get(tensor)!;
      p = uint8Params(r.min, r.max);
      params.set(tensor, p);
    }
    return p;
  };
  /** Tensors that are already a DequantizeLinear output, by name. */
  const dequantized = new Map<string, string>();
  const replaced: string[] = [];

  for (const t of plan.targets) {
    const n = t.node;
    replaced.push(...n.input!.slice(1));
    const xp = paramsOf(t.input);
    let xdq = dequantized.get(t.input);
    if (!xdq) {
      const { scale, zeroPoint } = scalarParams(editor, t.input, xp);
      const xq = editor.freshName(`${t.input}_quantized`);
      xdq = editor.freshName(`${t.input}_dequantized`);
      editor.insertBefore(n, [
        node('QuantizeLinear', [t.input, scale, zeroPoint], [xq], editor.freshName(`${t.input}_QuantizeLinear`)),
        node('DequantizeLinear', [xq, scale, zeroPoint], [xdq], editor.freshName(`${t.input}_DequantizeLinear`)),
      ]);
      dequantized.set(t.input, xdq);
    }
    n.input![0] = xdq;

    // Gemm's alpha and beta go into the weight and bias: ORT fuses DQ -> Gemm -> Q into QGemm only when both are 1.
    const alpha = n.opType === 'Gemm' ? floatAttr(n, 'alpha', 1) : 1;
    const beta = n.opType === 'Gemm' ? floatAttr(n, 'beta', 1) : 1;
    const w = editor.floatInitializer(t.weightName)!;
    const channels = w.dims[t.axis];
    const inner = w.dims.slice(t.axis + 1).reduce((a, b) => a * b, 1);
    // The bias becomes int32 steps of (weight scale x input scale). A channel with tiny weights has a tiny
    // step, and its bias (plus the products) could pass int32 and wrap: such a channel gets a weight scale
    // large enough for both to fit; its weights, tiny anyway, round to fewer levels.
    const bias = n.input![2] ? editor.floatInitializer(n.input![2]) : undefined;
    const foldable = bias !== undefined && bias.dims.length === 1 && bias.values.length === channels;
    // The accumulator adds up to fan-in x 127 x 255 of products to the bias: leave it that headroom.
    const biasLimit = Math.max(INT32_MAX - (w.values.length / channels) * 127 * 255, INT32_MAX / 2);
    const minScales = foldable ? Float32Array.from(bias.values, (v) => (Math.abs(v * beta) / (xp.scale * biasLimit)) * (1 + 1e-6)) : undefined;
    const { q, scales } = quantizePerChannelInt8(alpha === 1 ? w.values : Float32Array.from(w.values, (v) => v * alpha), channels, inner, minScales);
    const wq = editor.addInitializer(`${t.weightName}_int8`, DataType.INT8, w.dims, bytesOf(q));
    const ws = editor.addFloat(`${t.weightName}_scale`, [channels], scales);
    const wzp = editor.addInitializer(`${t.weightName}_zero_point`, DataType.INT8, [channels], new Uint8Array(channels));
    const wdq = editor.freshName(`${t.weightName}_dequantized`);
    const added = [node('DequantizeLinear', [wq, ws, wzp], [wdq], editor.freshName(`${t.weightName}_DequantizeLinear`), { axis: t.axis })];
    n.input![1] = wdq;

    // The bias as int32 in the accumulator's scale, which is what QLinearConv/QGemm take.
    let biasFolded = false;
    if (bias && foldable) {
      const bscale = Float32Array.from(scales, (s) => s * xp.scale);
      const bq = Int32Array.from(bias.values, (v, c) => roundHalfEven((v * beta) / bscale[c]));
      const bname = bias.tensor.name ?? 'bias';
      const bdq = editor.freshName(`${bname}_dequantized`);
      added.push(
        node(
          'DequantizeLinear',
          [editor.addInitializer(`${bname}_int32`, DataType.INT32, [channels], bytesOf(bq)), editor.addFloat(`${bname}_scale`, [channels], bscale)],
          [bdq],
          editor.freshName(`${bname}_DequantizeLinear`),
          { axis: 0 },
        ),
      );
      n.input![2] = bdq;
      biasFolded = true;
    }
    // Without a bias beta means nothing; with an unfolded float bias it must stay.
    const betaFolded = biasFolded || !n.input![2];
    n.attribute = (n.attribute ?? []).filter((a) => a.name !== 'alpha' && (a.name !== 'beta' || !betaFolded));
    editor.insertBefore(n, added);

    // Output: the layer writes y_float; Q/DQ restore the name y for every consumer.
    const yp = paramsOf(t.output);
    const { scale, zeroPoint } = scalarParams(editor, t.output, yp);
    const yfloat = editor.freshName(`${t.output}_float`);
    const yq = editor.freshName(`${t.output}_quantized`);
    n.output![0] = yfloat;
    editor.insertAfter(n, [
      node('QuantizeLinear', [yfloat, scale, zeroPoint], [yq], editor.freshName(`${t.output}_QuantizeLinear`)),
      node('DequantizeLinear', [yq, scale, zeroPoint], [t.output], editor.freshName(`${t.output}_DequantizeLinear`)),
    ]);
    dequantized.set(t.output, t.output);
  }
  editor.dropReplaced(replaced);
}
