/**
 * ONNX's own sparse storage: a weight as a graph sparse_initializer in COO form, its nonzero
 * values (float32) and their linear positions (int64), 12 bytes per nonzero against 4 per
 * weight dense, so it pays below a density of about 1/3. onnxruntime densifies sparse
 * initializers when it loads a model: this shrinks the file on disk, not the time to run it
 * (sparse execution is engine/sparse's job).
 */
import { DataType, elementCount, floatValues, onnx, tensorDims } from '../../model/onnx-io';
import { prunableWeights } from '../prune';

export interface CooLayer {
  initializer: string;
  params: number;
  nnz: number;
  /** Encoded bytes of the dense TensorProto and of the SparseTensorProto that would replace it. */
  denseBytes: number;
  cooBytes: number;
  /** Stored sparse: the COO form is smaller. */
  stored: boolean;
}

/** The tensor's nonzeros as a COO SparseTensorProto (values keep the weight's name, as ONNX requires). */
export function cooTensor(t: onnx.ITensorProto): onnx.SparseTensorProto {
  const dense = floatValues(t);
  let nnz = 0;
  for (let i = 0; i < dense.length; i++) if (dense[i] !== 0) nnz++;
  const values = new Float32Array(nnz);
  // int64 little-endian positions as (low, high) 32-bit pairs: a tensor has fewer than 2^32 elements.
  const positions = new Uint32Array(2 * nnz);
  for (let i = 0, k = 0; i < dense.length; i++) {
    if (dense[i] === 0) continue;
    values[k] = dense[i];
    positions[2 * k++] = i;
  }
  return onnx.SparseTensorProto.create({
    values: onnx.TensorProto.create({ name: t.name, dataType: DataType.FLOAT, dims: [nnz], rawData: new Uint8Array(values.buffer) }),
    indices: onnx.TensorProto.create({ dataType: DataType.INT64, dims: [nnz], rawData: new Uint8Array(positions.buffer) }),
    dims: tensorDims(t),
  });
}

/**
 * A copy of the model with every prunable float32 weight whose COO form is smaller moved from the
 * initializers to the sparse initializers; the other weights stay dense. Sizes are the encoded
 * protobuf bytes of each form, so the per-layer saving is what the file saves.
 */
export function withCooWeights(proto: onnx.IModelProto): { model: onnx.ModelProto; layers: CooLayer[] } {
  const graph = proto.graph ?? {};
  const sparse = new Map<string, onnx.SparseTensorProto>();
  const layers = prunableWeights(proto).map(({ initializer }): CooLayer => {
    const coo = cooTensor(initializer);
    const denseBytes = onnx.TensorProto.encode(initializer).len;
    const cooBytes = onnx.SparseTensorProto.encode(coo).len;
    const stored = cooBytes < denseBytes;
    if (stored) sparse.set(initializer.name ?? '', coo);
    return { initializer: initializer.name ?? '', params: elementCount(tensorDims(initializer)), nnz: Number(coo.values?.dims?.[0] ?? 0), denseBytes, cooBytes, stored };
  });
  const model = onnx.ModelProto.create({
    ...proto,
    graph: onnx.GraphProto.create({
      ...graph,
      initializer: (graph.initializer ?? []).filter((t) => !sparse.has(t.name ?? '')),
      sparseInitializer: [...(graph.sparseInitializer ?? []), ...sparse.values()],
    }),
  });
  return { model, layers };
}
