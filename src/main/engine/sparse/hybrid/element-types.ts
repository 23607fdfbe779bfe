/**
 * Element types of every tensor of a graph, for the sub-models the hybrid cut builds: a tensor
 * crossing a cut becomes a graph input or output of a segment and must carry its true type (an
 * int64 shape, a bool mask), or onnxruntime refuses the segment. Declared types (inputs,
 * initializers, value_info, outputs) first, then each node's outputs from its op's typing rule,
 * in the graph's (topological) order. A tensor no rule covers stays unknown: the caller refuses
 * to cut there rather than guess.
 */
import { DataType, toNumber, type onnx } from '../../model/onnx-io';

const { FLOAT, INT64, INT32, BOOL, UINT8 } = DataType;

/** Ops whose every output has a fixed type whatever their inputs. */
const FIXED_OUTPUT: Record<string, number[]> = {
  Shape: [INT64], Size: [INT64], ArgMax: [INT64], ArgMin: [INT64], NonZero: [INT64], NonMaxSuppression: [INT64],
  Equal: [BOOL], Less: [BOOL], LessOrEqual: [BOOL], Greater: [BOOL], GreaterOrEqual: [BOOL], Not: [BOOL], And: [BOOL], Or: [BOOL],
  Xor: [BOOL], IsNaN: [BOOL], IsInf: [BOOL],
  DequantizeLinear: [FLOAT], DynamicQuantizeLinear: [UINT8, FLOAT, UINT8], MatMulInteger: [INT32], ConvInteger: [INT32],
};

/** Ops whose outputs take the type of the input at this index (most data movement and arithmetic take input 0). */
const LIKE_INPUT: Record<string, number> = { Where: 1, Range: 0, ConstantOfShape: -1 };

function attribute(n: onnx.INodeProto, name: string): onnx.IAttributeProto | undefined {
  return (n.attribute ?? []).find((a) => a.name === name);
}

function outputTypes(n: onnx.INodeProto, typeOf: (name: string) => number | undefined): (number | undefined)[] {
  const op = n.opType ?? '';
  const outputs = n.output ?? [];
  if (FIXED_OUTPUT[op]) return outputs.map((_, i) => FIXED_OUTPUT[op][Math.min(i, FIXED_OUTPUT[op].length - 1)]);
  switch (op) {
    case 'Cast':
      return [toNumber(attribute(n, 'to')?.i)];
    case 'CastLike':
      return [typeOf(n.input?.[1] ?? '')];
    case 'Constant': {
      const value = attribute(n, 'value')?.t;
      if (value) return [value.dataType ?? undefined];
      if (attribute(n, 'value_float') || attribute(n, 'value_floats')) return [FLOAT];
      if (attribute(n, 'value_int') || attribute(n, 'value_ints')) return [INT64];
      return [undefined];
    }
    case 'ConstantOfShape':
      return [attribute(n, 'value')?.t?.dataType ?? FLOAT];
    case 'QuantizeLinear':
      return [n.input?.[2] ? typeOf(n.input[2]) : UINT8];
    case 'TopK':
      return [typeOf(n.input?.[0] ?? ''), INT64];
    case 'EyeLike':
    case 'RandomNormalLike':
    case 'RandomUniformLike': {
      const dtype = attribute(n, 'dtype');
      return [dtype ? toNumber(dtype.i) : typeOf(n.input?.[0] ?? '')];
    }
  }
  const from = LIKE_INPUT[op] ?? 0;
  const type = from >= 0 ? typeOf(n.input?.[from] ?? '') : undefined;
  return outputs.map(() => type);
}

/** Element type (onnx TensorProto.DataType) by tensor name, where it is known. */
export function elementTypes(graph: onnx.IGraphProto): Map<string, number> {
  const types = new Map<string, number>();
  for (const t of graph.initializer ?? []) if (t.name && t.dataType) types.set(t.name, t.dataType);
  for (const v of [...(graph.input ?? []), ...(graph.valueInfo ?? []), ...(graph.output ?? [])]) {
    const elemType = v.type?.tensorType?.elemType;
    if (v.name && elemType) types.set(v.name, elemType);
  }
  for (const n of graph.node ?? []) {
    const inferred = outputTypes(n, (name) => types.get(name));
    (n.output ?? []).forEach((o, i) => {
      if (o && !types.has(o) && inferred[i] !== undefined) types.set(o, inferred[i]!);
    });
  }
  return types;
}
