/**
 * Weight sharing as a runnable model: the 'indexed' form (uint8/uint16 indices + codebook,
 * Gather in the graph) must give exactly the outputs of the same model with each weight
 * replaced by its centroid, in onnxruntime, whether ORT folds the Gather or runs it.
 */
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prunableWeights, pruneModel } from '../../../src/main/engine/compress/prune';
import { shareModelWeights, shareWeights } from '../../../src/main/engine/compress/weight-sharing';
import { buildLenet300100 } from '../../../src/main/engine/model/demo-models';
import { DataType, floatValues, onnx, tensorDims, writeModel } from '../../../src/main/engine/model/onnx-io';
import type { GraphOptimizationLevel } from '../../../src/shared/report';
import type { RunSpec } from '../../../src/main/engine/run/messages';
import { RunWorker } from '../../../src/main/engine/run/runner';
import { SeededRandom } from '../../../src/shared/random';
import { tempDir } from '../../helpers';

const dir = tempDir('share');
let worker: RunWorker;
let fileCount = 0;

beforeAll(async () => {
  worker = await RunWorker.start();
});
afterAll(async () => {
  await worker?.dispose();
});

const rng = new SeededRandom(5);
const input = { dims: [4, 784], data: Float32Array.from({ length: 4 * 784 }, () => rng.next()) };

async function run(model: onnx.IModelProto, level: GraphOptimizationLevel = 'all'): Promise<{ output: Float64Array; fileBytes: number }> {
  const modelPath = join(dir, `m${fileCount++}.onnx`);
  await writeModel(modelPath, model);
  const spec: RunSpec = {
    modelPath,
    ep: 'cpu',
    threads: 1,
    graphOptimizationLevel: level,
    inputs: [{ name: 'input', dtype: 'float32', dims: input.dims }],
    feeds: { input },
    seed: 0,
    warmupRuns: 0,
    timedRuns: 0,
    minTimeMs: 0,
    profiledRuns: 0,
    profileDir: dir,
    returnOutputs: true,
    clockOriginNs: process.hrtime.bigint().toString(),
  };
  const result = await worker.run(spec);
  return { output: result.outputs![0].data, fileBytes: statSync(modelPath).size };
}

/** The pruned model with every weight replaced by its centroid, built here from shareWeights alone. */
function centroidModel(pruned: onnx.ModelProto, bits: number): onnx.ModelProto {
  const graph = { ...pruned.graph, initializer: pruned.graph!.initializer!.map((t) => ({ ...t })) };
  const model = onnx.ModelProto.create({ ...pruned, graph });
  for (const w of prunableWeights(model)) {
    const values = floatValues(w.initializer);
    const s = shareWeights(values, bits);
    const replaced = new Float32Array(values.length);
    let e = 0;
    for (let i = 0; i < values.length; i++) if (values[i] !== 0) replaced[i] = s.centroids[s.indices[e++]];
    w.initializer.rawData = new Uint8Array(replaced.buffer);
  }
  return model;
}

describe('runnable weight sharing', () => {
  const { model: pruned } = pruneModel(buildLenet300100(), { sparsity: 0.92 });

  it('indexed form: Cast + Gather over uint8 indices, outputs equal to the centroid model, file ~4x smaller', async () => {
    const { model, layers } = shareModelWeights(pruned, 5, {}, 'indexed');
    const g = model.graph!;
    expect(g.node!.slice(0, 6).map((n) => n.opType)).toEqual(['Cast', 'Gather', 'Cast', 'Gather', 'Cast', 'Gather']);
    // No fp32 weight matrices left: uint8 indices of the weight's shape and a 33-entry codebook (0 + 2^5).
    for (const name of ['fc1.weight', 'fc2.weight', 'fc3.weight']) {
      expect(g.initializer!.some((t) => t.name === name)).toBe(false);
      const indices = g.initializer!.find((t) => t.name === `${name}.indices`)!;
      expect(indices.dataType).toBe(DataType.UINT8);
      expect(tensorDims(indices)).toEqual(tensorDims(pruned.graph!.initializer!.find((t) => t.name === name)!));
      expect(tensorDims(g.initializer!.find((t) => t.name === `${name}.codebook`)!)).toEqual([33]);
    }
    // Storage: 5-bit indices of the nonzeros plus 32 fp32 centroids.
    for (const l of layers) expect(l.storage).toEqual({ indexBytes: Math.ceil((l.nnz * 5) / 8), codebookBytes: 128, bytes: Math.ceil((l.nnz * 5) / 8) + 128 });

    const reference = await run(centroidModel(pruned, 5));
    const folded = await run(model);
    const unfolded = await run(model, 'disabled'); // the Gather runs at inference
    expect(Array.from(folded.output)).toEqual(Array.from(reference.output));
    // Unfolded, the weight is not a constant, so MatMul cannot use its prepacked-weight kernel and
    // sums in another order: equal up to fp32 rounding (a few ulp), against the reference at the same level.
    const referenceUnfolded = await run(centroidModel(pruned, 5), 'disabled');
    unfolded.output.forEach((v, i) => expect(Math.abs(v - referenceUnfolded.output[i])).toBeLessThanOrEqual(1e-6 * (1 + Math.abs(v))));
    expect(folded.fileBytes).toBeLessThan(0.3 * reference.fileBytes);
    // And the shared model is not the pruned one: outputs moved.
    const original = await run(pruned);
    expect(Array.from(original.output)).not.toEqual(Array.from(reference.output));
  });

  it('8 bits: 257 codebook entries need uint16 indices; the dequantized form equals the centroid model too', async () => {
    const indexed = shareModelWeights(pruned, 8, {}, 'indexed');
    expect(indexed.model.graph!.initializer!.find((t) => t.name === 'fc1.weight.indices')!.dataType).toBe(DataType.UINT16);
    const dequantized = shareModelWeights(pruned, 8);
    const reference = await run(centroidModel(pruned, 8));
    expect(Array.from((await run(indexed.model)).output)).toEqual(Array.from(reference.output));
    expect(Array.from((await run(dequantized.model)).output)).toEqual(Array.from(reference.output));
  });

  it('rejects bits outside 2..8, naming the value', () => {
    expect(() => shareModelWeights(pruned, 9, {}, 'indexed')).toThrow('weight-sharing bits must be an integer in [2, 8], got 9');
    expect(() => shareModelWeights(pruned, 1)).toThrow('got 1');
    expect(() => shareModelWeights(pruned, { 'fc2.weight': 2.5 })).toThrow('got 2.5');
  });
});
