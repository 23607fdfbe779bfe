/**
 * Reading and writing ONNX files (protobuf via onnx-proto).
 *
 * Tensors whose bytes live in external data files beside the model are loaded into
 * memory on read (readModel) so that summaries and compression see every weight; the
 * model handed to onnxruntime is always a path, so ORT resolves external data itself.
 */
import { onnx } from 'onnx-proto';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, normalize, relative } from 'node:path';
import { EdgescopeError } from '../../../shared/errors';
import { writeFileAtomic } from '../files/write-atomic';

export { onnx };
export type ModelProto = onnx.ModelProto;
export type TensorProto = onnx.TensorProto;

export const DataType = onnx.TensorProto.DataType;

/** ONNX element type -> onnxruntime dtype name and byte width. */
const ELEMENT_TYPES: Record<number, { name: string; bytes: number }> = {
  [DataType.FLOAT]: { name: 'float32', bytes: 4 },
  [DataType.UINT8]: { name: 'uint8', bytes: 1 },
  [DataType.INT8]: { name: 'int8', bytes: 1 },
  [DataType.UINT16]: { name: 'uint16', bytes: 2 },
  [DataType.INT16]: { name: 'int16', bytes: 2 },
  [DataType.INT32]: { name: 'int32', bytes: 4 },
  [DataType.INT64]: { name: 'int64', bytes: 8 },
  [DataType.STRING]: { name: 'string', bytes: 0 },
  [DataType.BOOL]: { name: 'bool', bytes: 1 },
  [DataType.FLOAT16]: { name: 'float16', bytes: 2 },
  [DataType.DOUBLE]: { name: 'float64', bytes: 8 },
  [DataType.UINT32]: { name: 'uint32', bytes: 4 },
  [DataType.UINT64]: { name: 'uint64', bytes: 8 },
  [DataType.BFLOAT16]: { name: 'bfloat16', bytes: 2 },
};

export function elementTypeName(elemType: number): string {
  return ELEMENT_TYPES[elemType]?.name ?? `type${elemType}`;
}

export function elementTypeBytes(elemType: number): number {
  return ELEMENT_TYPES[elemType]?.bytes ?? 0;
}

/** int64 fields decode as Long objects (protobufjs with long.js) or numbers. */
export function toNumber(value: number | { toNumber(): number } | null | undefined): number {
  if (value === null || value === undefined) return 0;
  return typeof value === 'number' ? value : value.toNumber();
}

export function tensorDims(t: onnx.ITensorProto): number[] {
  return (t.dims ?? []).map((d) => toNumber(d as number));
}

export function elementCount(dims: readonly number[]): number {
  return dims.reduce((a, b) => a * b, 1);
}

export interface LoadedModel {
  path: string;
  bytes: Buffer;
  proto: onnx.ModelProto;
}

/** Read, decode and sanity-check an ONNX file; external tensor data is inlined. */
export function readModel(path: string): LoadedModel {
  if (!existsSync(path)) throw new EdgescopeError('E_MODEL_NOT_FOUND', `model file not found: ${path}`);
  const stat = statSync(path);
  if (!stat.isFile()) throw new EdgescopeError('E_MODEL_NOT_FOUND', `model path is not a file: ${path}`);
  if (stat.size === 0) throw new EdgescopeError('E_MODEL_INVALID', `${path} is empty, not an ONNX model`);
  const bytes = readFileSync(path);
  const proto = decodeModel(bytes, path);
  inlineExternalData(proto, dirname(path));
  return { path, bytes, proto };
}

/** Every ONNX writer emits ModelProto field 1 (ir_version, a varint) first: tag byte 0x08. */
const ONNX_FIRST_BYTE = 0x08;

export function decodeModel(bytes: Uint8Array, label: string): onnx.ModelProto {
  if (bytes[0] !== ONNX_FIRST_BYTE) {
    throw new EdgescopeError('E_MODEL_INVALID', `${label} is not an ONNX model (it does not start with an ONNX protobuf header)`);
  }
  let proto: onnx.ModelProto;
  try {
    proto = onnx.ModelProto.decode(bytes);
  } catch (err) {
    const detail = err instanceof Error ? err.message : String(err);
    throw new EdgescopeError('E_MODEL_INVALID', `${label} is not a valid ONNX model (truncated or corrupt protobuf: ${detail})`);
  }
  // Protobuf decoding accepts many byte strings; a model must at least have a graph and opsets.
  if (!proto.graph || toNumber(proto.irVersion as number) <= 0 || (proto.opsetImport ?? []).length === 0) {
    throw new EdgescopeError('E_MODEL_INVALID', `${label} is not an ONNX model (no graph, IR version or opset import)`);
  }
  if ((proto.graph.node ?? []).length === 0) {
    throw new EdgescopeError('E_MODEL_INVALID', `${label} has an empty graph (no nodes)`);
  }
  return proto;
}

function externalDataEntry(t: onnx.ITensorProto, key: string): string | undefined {
  return (t.externalData ?? []).find((e) => e.key === key)?.value ?? undefined;
}

/** Load every external tensor's bytes into rawData, keeping the location for reference. */
function inlineExternalData(proto: onnx.ModelProto, baseDir: string): void {
  const cache = new Map<string, Buffer>();
  for (const t of allTensors(proto)) {
    if (t.dataLocation !== onnx.TensorProto.DataLocation.EXTERNAL) continue;
    const location = externalDataEntry(t, 'location');
    if (!location) throw new EdgescopeError('E_MODEL_INVALID', `initializer ${t.name} has external data without a location`);
    const file = normalize(join(baseDir, location));
    const rel = relative(baseDir, file);
    if (isAbsolute(location) || rel.startsWith('..')) {
      throw new EdgescopeError('E_MODEL_INVALID', `initializer ${t.name} points outside the model folder: ${location}`);
    }
    if (!existsSync(file)) {
      throw new EdgescopeError('E_MODEL_INVALID', `external data file ${location} of initializer ${t.name} is missing (expected beside the model)`);
    }
    let data = cache.get(file);
    if (!data) {
      data = readFileSync(file);
      cache.set(file, data);
    }
    const offset = Number(externalDataEntry(t, 'offset') ?? 0);
    const expected = elementCount(tensorDims(t)) * elementTypeBytes(t.dataType ?? 0);
    const length = Number(externalDataEntry(t, 'length') ?? expected);
    if (offset + length > data.length) {
      throw new EdgescopeError('E_MODEL_INVALID', `external data file ${location} is truncated (initializer ${t.name} needs bytes ${offset}..${offset + length}, file has ${data.length})`);
    }
    t.rawData = data.subarray(offset, offset + length);
    t.dataLocation = onnx.TensorProto.DataLocation.DEFAULT;
    t.externalData = [];
  }
}

/** Initializers of the main graph (subgraph tensors are not weights we compress). */
export function allTensors(proto: onnx.IModelProto): onnx.ITensorProto[] {
  return [...(proto.graph?.initializer ?? [])];
}

/** A view of a float tensor's values (shares memory with rawData when present). */
export function floatValues(t: onnx.ITensorProto): Float32Array {
  if (t.dataType !== DataType.FLOAT) throw new Error(`tensor ${t.name} is not float32`);
  if (t.rawData && t.rawData.length > 0) {
    const raw = t.rawData;
    // Float32Array needs 4-byte alignment; copy when the protobuf slice is unaligned.
    if (raw.byteOffset % 4 === 0) return new Float32Array(raw.buffer, raw.byteOffset, raw.byteLength / 4);
    return new Float32Array(Uint8Array.prototype.slice.call(raw).buffer);
  }
  return Float32Array.from(t.floatData ?? []);
}

/** Count zero elements of any numeric tensor (NaN is not zero). */
export function countZeros(t: onnx.ITensorProto): number {
  const n = elementCount(tensorDims(t));
  const type = t.dataType ?? 0;
  if (type === DataType.FLOAT) {
    const v = floatValues(t);
    let zeros = 0;
    for (let i = 0; i < v.length; i++) if (v[i] === 0) zeros++;
    return zeros;
  }
  const width = elementTypeBytes(type);
  if (t.rawData && t.rawData.length === n * width && width > 0) {
    // Any numeric type whose every byte is zero is zero (true for ints, IEEE floats incl. fp16/bf16; -0.0 aside).
    let zeros = 0;
    const raw = t.rawData;
    for (let i = 0; i < n; i++) {
      let allZero = true;
      for (let b = 0; b < width; b++) if (raw[i * width + b] !== 0) { allZero = false; break; }
      if (allZero) zeros++;
    }
    return zeros;
  }
  const typed = (t.int32Data?.length ? t.int32Data : t.int64Data?.length ? t.int64Data : t.doubleData) ?? [];
  return (typed as (number | { toNumber(): number })[]).filter((x) => toNumber(x) === 0).length;
}

export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export function encodeModel(proto: onnx.IModelProto): Uint8Array {
  return onnx.ModelProto.encode(proto as onnx.ModelProto).finish();
}

/** Protobuf cannot hold more than 2 GiB; above this we write weights as external data. */
export const INLINE_LIMIT_BYTES = 1.8 * 1024 ** 3;

/**
 * Write a model atomically. Models whose weights exceed INLINE_LIMIT_BYTES get their large
 * initializers in one external data file `<model file>.data` beside it (also atomic).
 */
export async function writeModel(path: string, proto: onnx.IModelProto): Promise<{ fileBytes: number; sha256: string; externalDataPath?: string }> {
  const tensors = allTensors(proto);
  const inlineBytes = tensors.reduce((sum, t) => sum + (t.rawData?.length ?? 0), 0);
  if (inlineBytes <= INLINE_LIMIT_BYTES) {
    const bytes = encodeModel(proto);
    await writeFileAtomic(path, bytes);
    return { fileBytes: bytes.length, sha256: sha256(bytes) };
  }
  const dataName = `${path.split(/[\\/]/).pop()}.data`;
  const chunks: Uint8Array[] = [];
  let offset = 0;
  const saved = tensors.map((t) => ({ t, rawData: t.rawData, loc: t.dataLocation, ext: t.externalData }));
  try {
    for (const t of tensors) {
      const raw = t.rawData;
      if (!raw || raw.length < 1024) continue;
      // 4 KiB alignment lets ORT memory-map the data.
      const pad = (4096 - (offset % 4096)) % 4096;
      if (pad) chunks.push(new Uint8Array(pad));
      offset += pad;
      chunks.push(raw);
      t.externalData = [
        { key: 'location', value: dataName },
        { key: 'offset', value: String(offset) },
        { key: 'length', value: String(raw.length) },
      ];
      t.dataLocation = onnx.TensorProto.DataLocation.EXTERNAL;
      t.rawData = new Uint8Array(0);
      offset += raw.length;
    }
    const externalDataPath = join(dirname(path), dataName);
    await writeFileAtomic(externalDataPath, Buffer.concat(chunks));
    const bytes = encodeModel(proto);
    await writeFileAtomic(path, bytes);
    return { fileBytes: bytes.length + offset, sha256: sha256(bytes), externalDataPath };
  } finally {
    for (const s of saved) {
      s.t.rawData = s.rawData;
      s.t.dataLocation = s.loc;
      s.t.externalData = s.ext;
    }
  }
}
