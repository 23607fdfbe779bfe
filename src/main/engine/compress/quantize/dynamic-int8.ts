/**
 * Dynamic int8 for MatMul and Gemm: the weight is stored as int8, one scale per output
 * column, and each layer becomes one com.microsoft DynamicQuantizeMatMul(A, B_int8,
 * b_scale[N], -, bias). At run time ORT quantizes A to uint8 over its actual range and runs
 * MLAS's u8 x s8 integer GEMM (VNNI/AVX2), scaling and adding the bias in the GEMM's output
 * stage: the same kernel ORT's own optimizer fuses DynamicQuantizeLinear + MatMulInteger +
 * Mul into, emitted directly so it does not depend on the optimization level.
 *
 * Per column rather than per tensor: the integer GEMM is identical (int8 weights, zero
 * point 0, prepacked once at session creation) and the scale is applied once per output
 * element either way, through a per-column output processor; per column costs nothing at
 * run time and bounds each column's error by its own max |w| / 254 instead of the
 * tensor's. Zero point 0 also lets MLAS skip the B zero-point correction term.
 */
import { DataType, onnx } from '../../model/onnx-io';
import { node } from '../../model/graph-builder';
import { fcWeight } from './fc-weight';
import { bytesOf, GraphEditor, layerName, MS_DOMAIN, WEIGHT_OPS, type LayerOutcome } from './graph-edit';
import { quantizeColumnsInt8 } from './int8-math';

export function quantizeDynamicInt8(proto: onnx.IModelProto): { model: onnx.ModelProto; layers: LayerOutcome[] } {
  const editor = new GraphEditor(proto);
  const layers: LayerOutcome[] = [];
  const replaced: string[] = [];
  for (const n of [...editor.graph.node!]) {
    const opType = n.opType ?? '';
    if (!WEIGHT_OPS.has(opType) || (n.domain && n.domain !== 'ai.onnx')) continue;
    const name = layerName(n);
    if (opType !== 'MatMul' && opType !== 'Gemm') {
      layers.push({ name, opType, quantized: false, reason: `int8-dynamic covers MatMul and Gemm, not ${opType} (use int8-static)` });
      continue;
    }
    const fc = fcWeight(editor, n);
    if ('reason' in fc) {
      layers.push({ name, opType, quantized: false, reason: fc.reason });
      continue;
    }
    const { q, scales } = quantizeColumnsInt8(fc.weight, fc.k, fc.n);
    const inputs = [
      fc.input,
      editor.addInitializer(`${fc.weightName}_int8`, DataType.INT8, [fc.k, fc.n], bytesOf(q)),
      editor.addFloat(`${fc.weightName}_scale`, [fc.n], scales),
    ];
    if (fc.bias) inputs.push('', editor.addFloat(`${name}_bias`, [fc.n], fc.bias));
    editor.replaceNode(n, [node('DynamicQuantizeMatMul', inputs, [fc.output], editor.freshName(`${name}_quant`), {}, MS_DOMAIN)]);
    replaced.push(...n.input!.slice(1));
    layers.push({ name, opType, quantized: true });
  }
  editor.useOpset(MS_DOMAIN, 1);
  editor.dropReplaced(replaced);
  return { model: editor.model, layers };
}
