/**
 * What a model is: inputs and outputs with declared shapes, op histogram, parameter
 * count, weight bytes and per-initializer sparsity (report.model).
 */
import type { InitializerInfo, ModelInfo, ShapeDim, TensorInfo } from '../../../shared/report';
import {
  countZeros,
  elementCount,
  elementTypeBytes,
  elementTypeName,
  sha256,
  tensorDims,
  toNumber,
  type LoadedModel,
  type onnx,
} from './onnx-io';

function tensorInfo(v: onnx.IValueInfoProto): TensorInfo {
  const tensorType = v.type?.tensorType;
  const shape: ShapeDim[] = (tensorType?.shape?.dim ?? []).map((d) => {
    if (d.dimParam) return d.dimParam;
    const value = toNumber(d.dimValue as number);
    return d.dimValue !== null && d.dimValue !== undefined && value > 0 ? value : null;
  });
  return { name: v.name ?? '', dtype: elementTypeName(tensorType?.elemType ?? 0), shape };
}

export function graphInputs(proto: onnx.IModelProto): TensorInfo[] {
  const initNames = new Set((proto.graph?.initializer ?? []).map((t) => t.name));
  // IR < 4 models list initializers among the inputs too; those are not fed by the user.
  return (proto.graph?.input ?? []).filter((v) => !initNames.has(v.name)).map(tensorInfo);
}

export function graphOutputs(proto: onnx.IModelProto): TensorInfo[] {
  return (proto.graph?.output ?? []).map(tensorInfo);
}

function initializerInfo(t: onnx.ITensorProto, sparseStored: boolean, external: boolean): InitializerInfo {
  const dims = tensorDims(t);
  const count = elementCount(dims);
  const zeros = countZeros(t);
  return {
    name: t.name ?? '',
    dtype: elementTypeName(t.dataType ?? 0),
    dims,
    elementCount: count,
    bytes: count * elementTypeBytes(t.dataType ?? 0),
    zeros,
    sparsity: count > 0 ? zeros / count : 0,
    external,
    sparseStored,
  };
}

export function summarizeModel(model: LoadedModel, externalNames: ReadonlySet<string> = new Set()): ModelInfo {
  const { proto } = model;
  const graph = proto.graph!;
  const histogram: Record<string, number> = {};
  for (const n of graph.node ?? []) {
    const key = n.domain && n.domain !== 'ai.onnx' ? `${n.domain}.${n.opType}` : (n.opType ?? '?');
    histogram[key] = (histogram[key] ?? 0) + 1;
  }
  const initializers = (graph.initializer ?? []).map((t) => initializerInfo(t, false, externalNames.has(t.name ?? '')));
  for (const s of graph.sparseInitializer ?? []) {
    // A sparse initializer holds nnz values of a dims-shaped tensor: zeros = total - nnz.
    const dims = (s.dims ?? []).map((d) => toNumber(d as number));
    const count = elementCount(dims);
    const nnz = elementCount(tensorDims(s.values ?? {}));
    initializers.push({
      name: s.values?.name ?? '',
      dtype: elementTypeName(s.values?.dataType ?? 0),
      dims,
      elementCount: count,
      bytes: count * elementTypeBytes(s.values?.dataType ?? 0),
      zeros: count - nnz,
      sparsity: count > 0 ? (count - nnz) / count : 0,
      external: false,
      sparseStored: true,
    });
  }
  return {
    path: model.path,
    sha256: sha256(model.bytes),
    fileBytes: model.bytes.length,
    parameterCount: initializers.reduce((s, i) => s + i.elementCount, 0),
    weightBytes: initializers.reduce((s, i) => s + i.bytes, 0),
    opCount: (graph.node ?? []).length,
    opHistogram: Object.fromEntries(Object.entries(histogram).sort((a, b) => b[1] - a[1])),
    irVersion: toNumber(proto.irVersion as number),
    opsets: (proto.opsetImport ?? []).map((o) => ({ domain: o.domain || 'ai.onnx', version: toNumber(o.version as number) })),
    producer: [proto.producerName, proto.producerVersion].filter(Boolean).join(' '),
    inputs: graphInputs(proto),
    outputs: graphOutputs(proto),
    initializers,
  };
}
