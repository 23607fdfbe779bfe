/**
 * Mapping nodes of onnxruntime's optimized graph (as named in its trace) back to the
 * model's own nodes, to recover what the trace leaves out, such as the shape of a
 * convolution weight an EP pre-packed.
 *
 * ORT renames what it rewrites: 'fused conv1', 'fc1/MatMul/MatMulAddFusion',
 * 'conv1_token_1' (WebGPU), 'r1_nchwc' (named after the output of the Relu fused into
 * the conv). Candidates are tried as node names, then as output names; from a node of
 * another type we walk back through its first input a few steps (Conv <- BN <- Relu).
 */
import { tensorDims, type onnx } from '../model/onnx-io';

const MAX_WALK_BACK = 3;

function candidateNames(traceName: string): string[] {
  const names = new Set<string>([traceName]);
  let n = traceName.replace(/^fused /, '');
  names.add(n);
  n = n.replace(/_token_\d+$/, '').replace(/_nchwc$/, '').replace(/\/(MatMulAddFusion|MatMulScaleFusion)$/, '');
  names.add(n);
  return [...names];
}

export class SourceGraph {
  private readonly byName = new Map<string, onnx.INodeProto>();
  private readonly byOutput = new Map<string, onnx.INodeProto>();
  private readonly initializerDims = new Map<string, number[]>();

  constructor(proto: onnx.IModelProto) {
    for (const node of proto.graph?.node ?? []) {
      if (node.name) this.byName.set(node.name, node);
      for (const out of node.output ?? []) this.byOutput.set(out, node);
    }
    for (const t of proto.graph?.initializer ?? []) this.initializerDims.set(t.name ?? '', tensorDims(t));
  }

  /** The model node of `opType` that the trace node `traceName` executes, if it can be found. */
  sourceNode(traceName: string, opType: string): onnx.INodeProto | undefined {
    for (const name of candidateNames(traceName)) {
      let node = this.byName.get(name) ?? this.byOutput.get(name);
      for (let step = 0; node && step <= MAX_WALK_BACK; step++) {
        if (node.opType === opType) return node;
        node = this.byOutput.get(node.input?.[0] ?? '');
      }
    }
    return undefined;
  }

  /** Dims of the source node's weight (input 1) when it is an initializer. */
  weightDims(traceName: string, opType: string): number[] | undefined {
    const node = this.sourceNode(traceName, opType);
    const weight = node?.input?.[1];
    return weight ? this.initializerDims.get(weight) : undefined;
  }
}
