/**
 * Graph surgery shared by the quantizers: a mutable copy of the model, constant weights
 * looked up by name, fresh tensor names, attributes read with their defaults, and a final
 * sweep that drops float weights no node reads any more.
 */
import { DataType, floatValues, onnx, tensorDims, toNumber } from '../../model/onnx-io';

export const MS_DOMAIN = 'com.microsoft';

/** One quantizable layer's outcome, as reported to the caller. */
export interface LayerOutcome {
  name: string;
  opType: string;
  quantized: boolean;
  reason?: string;
}

/** Ops whose weight (input 1) the quantizers look at; other ops are not reported. */
export const WEIGHT_OPS = new Set(['Conv', 'ConvTranspose', 'Gemm', 'MatMul']);

export class GraphEditor {
  readonly model: onnx.ModelProto;
  readonly graph: onnx.IGraphProto;
  private readonly initializers: Map<string, onnx.ITensorProto>;
  private readonly usedNames: Set<string>;

  constructor(proto: onnx.IModelProto) {
    // Copies down to the node and initializer lists; the caller's model is never changed.
    const graph: onnx.IGraphProto = {
      ...proto.graph,
      node: (proto.graph?.node ?? []).map((n) => ({ ...n, input: [...(n.input ?? [])], output: [...(n.output ?? [])] })),
      initializer: [...(proto.graph?.initializer ?? [])],
      output: [...(proto.graph?.output ?? [])],
    };
    this.model = onnx.ModelProto.create({ ...proto, graph, opsetImport: [...(proto.opsetImport ?? [])] });
    this.graph = this.model.graph!;
    this.initializers = new Map(this.graph.initializer!.map((t) => [t.name ?? '', t]));
    this.usedNames = new Set<string>();
    for (const n of this.graph.node!) for (const name of [...n.input!, ...n.output!, n.name ?? '']) this.usedNames.add(name);
    for (const name of this.initializers.keys()) this.usedNames.add(name);
    for (const v of [...(this.graph.input ?? []), ...(this.graph.output ?? [])]) this.usedNames.add(v.name ?? '');
  }

  /** The float32 initializer called `name`, if it is one. */
  floatInitializer(name: string | undefined): { tensor: onnx.ITensorProto; dims: number[]; values: Float32Array } | undefined {
    const t = name ? this.initializers.get(name) : undefined;
    if (!t || t.dataType !== DataType.FLOAT) return undefined;
    return { tensor: t, dims: tensorDims(t), values: floatValues(t) };
  }

  isInitializer(name: string): boolean {
    return this.initializers.has(name);
  }

  /** A tensor or node name not used anywhere in the graph yet. */
  freshName(base: string): string {
    let name = base;
    for (let i = 1; this.usedNames.has(name); i++) name = `${base}_${i}`;
    this.usedNames.add(name);
    return name;
  }

  addInitializer(base: string, dataType: number, dims: number[], bytes: Uint8Array): string {
    const name = this.freshName(base);
    const t: onnx.ITensorProto = { name, dims, dataType, rawData: bytes };
    this.graph.initializer!.push(t);
    this.initializers.set(name, t);
    return name;
  }

  addFloat(base: string, dims: number[], values: Float32Array): string {
    return this.addInitializer(base, DataType.FLOAT, dims, new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
  }

  /** Put `replacement` nodes where `original` was, keeping the graph in topological order. */
  replaceNode(original: onnx.INodeProto, replacement: onnx.INodeProto[]): void {
    const nodes = this.graph.node!;
    nodes.splice(nodes.indexOf(original), 1, ...replacement);
  }

  insertBefore(anchor: onnx.INodeProto, added: onnx.INodeProto[]): void {
    const nodes = this.graph.node!;
    nodes.splice(nodes.indexOf(anchor), 0, ...added);
  }

  insertAfter(anchor: onnx.INodeProto, added: onnx.INodeProto[]): void {
    const nodes = this.graph.node!;
    nodes.splice(nodes.indexOf(anchor) + 1, 0, ...added);
  }

  useOpset(domain: string, version: number): void {
    const imports = this.model.opsetImport;
    const existing = imports.find((o) => (o.domain ?? '') === domain);
    if (!existing) imports.push(onnx.OperatorSetIdProto.create({ domain, version }));
  }

  /**
   * Drop the float initializers a quantizer replaced once no node reads them any more (a
   * weight shared with an unquantized node stays). Other initializers are left alone.
   */
  dropReplaced(replaced: Iterable<string>): void {
    const read = new Set<string>();
    for (const n of this.graph.node!) for (const i of n.input!) read.add(i);
    for (const o of this.graph.output!) read.add(o.name ?? '');
    const unused = new Set([...replaced].filter((name) => !read.has(name)));
    this.graph.initializer = this.graph.initializer!.filter((t) => !unused.has(t.name ?? ''));
    // Graph inputs that only declared an initializer's type go with it.
    this.graph.input = (this.graph.input ?? []).filter((v) => !unused.has(v.name ?? ''));
  }
}

export function layerName(n: onnx.INodeProto): string {
  return n.name || n.output?.[0] || n.opType || '';
}

export function intAttr(n: onnx.INodeProto, name: string, fallback: number): number {
  const a = n.attribute?.find((x) => x.name === name);
  return a ? toNumber(a.i as number) : fallback;
}

export function floatAttr(n: onnx.INodeProto, name: string, fallback: number): number {
  const a = n.attribute?.find((x) => x.name === name);
  return a ? (a.f ?? fallback) : fallback;
}

/** Row-major [rows x cols] -> [cols x rows]. */
export function transpose(values: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(values.length);
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    for (let c = 0; c < cols; c++) out[c * rows + r] = values[base + c];
  }
  return out;
}

export function bytesOf(a: Int8Array | Uint8Array | Int32Array | Float32Array): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}
