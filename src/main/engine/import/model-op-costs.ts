/**
 * FLOPs and bytes of each node of an ONNX model, for ops a vendor tool reports under the
 * same names. The shapes come from one profiled onnxruntime CPU run in the run worker with
 * graph optimizations disabled, so trace names are the model's own node names; op-cost.ts
 * then prices each node exactly as it does for edgescope's own runs.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ModelInfo } from '../../../shared/report';
import { opCost, type OpCost } from '../analysis/op-cost';
import { SourceGraph } from '../analysis/source-graph';
import { resolveInputs } from '../model/inputs';
import type { LoadedModel } from '../model/onnx-io';
import { RunWorker } from '../run/runner';
import { aggregateOps, parseTrace, readTraceFile, type KernelEvent } from '../trace/ort-trace';
import { oneShotSpec } from '../run/one-shot';

export interface NodeCost {
  node: string;
  opType: string;
  cost: OpCost;
  sample: KernelEvent;
}

/** Costs by node name, and by each node's output names (OpenVINO and TFLite often name layers after outputs). */
export interface ModelOpCosts {
  byName: Map<string, NodeCost>;
}

export async function modelOpCosts(workerScriptPath: string, loaded: LoadedModel, model: ModelInfo, batch: number): Promise<ModelOpCosts> {
  const inputs = resolveInputs(model.inputs, { batch, dims: {}, shapes: {}, values: {}, seed: 1 });
  const profileDir = await mkdtemp(join(tmpdir(), 'edgescope-import-'));
  const worker = await RunWorker.start(workerScriptPath);
  try {
    // One profiled run with optimizations off: the trace then names the model's own nodes.
    const result = await worker.run(
      oneShotSpec({ modelPath: loaded.path, inputs, profileDir, graphOptimizationLevel: 'disabled', seed: 1, profiledRuns: 1, returnOutputs: false }),
    );
    const trace = parseTrace(readTraceFile(result.profilePath!));
    const source = new SourceGraph(loaded.proto);
    const byName = new Map<string, NodeCost>();
    const outputsOf = new Map((loaded.proto.graph?.node ?? []).map((n) => [n.name ?? '', n.output ?? []]));
    for (const op of aggregateOps(trace.runs.slice(1))) {
      const entry = { node: op.name, opType: op.opType, cost: opCost(op.sample, source.weightDims(op.name, op.opType)), sample: op.sample };
      byName.set(op.name, entry);
      for (const out of outputsOf.get(op.name) ?? []) if (!byName.has(out)) byName.set(out, entry);
    }
    return { byName };
  } finally {
    await worker.dispose();
    await rm(profileDir, { recursive: true, force: true });
  }
}
