/**
 * Output agreement of a sweep cell with the dense model: the cell's model file and the model
 * the sweep names (before any pruning, recipe or variant file) run on the same inputs, on the
 * cell's EP and thread count, in the run worker (ORT's run() blocks: never in this process).
 *
 * Inputs: the seeded random inputs profile uses at the cell's batch size, or the sweep's input
 * set (`data`), whose labels add accuracy. A dense cell is compared with its own outputs (one
 * run): agreement 1 by construction, and its accuracy when the set is labelled, so every cell
 * of a verified sweep has a point on the Pareto chart's quality axis.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EdgescopeError } from '../../../shared/errors';
import type { GraphOptimizationLevel, TensorInfo } from '../../../shared/report';
import { compareOutputs, labelsOf, runOnInputSet } from '../analysis/verify';
import type { InputSet } from '../model/input-set';
import { resolveInputs } from '../model/inputs';
import type { EpOptionValues } from '../run/ep-options';
import type { OutputTensor } from '../run/messages';
import type { RunWorker } from '../run/runner';
import { oneShotSpec } from '../run/one-shot';

/** A cell's agreement with the dense model, as results.json records it. */
export interface CellVerification {
  /** Always the model the sweep names, run unmodified on the same EP, batch and threads. */
  baseline: 'dense';
  /** Seeded random inputs at the cell's batch size, or the sweep's input set (`data`). */
  inputs: 'random' | 'input-set';
  /** Rows compared (batch items or samples) in the classified outputs; 0 when no output has classes. */
  samples: number;
  top1Agreement: number;
  top5Agreement: number;
  cosine: number;
  maxAbsError: number;
  meanAbsError: number;
  /** With a labelled input set: fraction of samples the cell's model classifies correctly... */
  accuracy?: number;
  /** ...and the dense model. */
  denseAccuracy?: number;
}

export interface CellVerifyRequest {
  worker: RunWorker;
  /** The model as the sweep names it, unmodified. */
  densePath: string;
  /** Dense's declared inputs (graphInputs), from which the seeded inputs are made. */
  declared: TensorInfo[];
  /** The file the cell profiled (the same path for a dense cell). */
  cellPath: string;
  ep: string;
  epOptions?: EpOptionValues;
  batch: number;
  threads: number;
  seed: number;
  graphOptimizationLevel: GraphOptimizationLevel;
  /** The sweep's input set, read against this model's inputs. */
  inputSet?: InputSet;
}

export async function verifyCell(request: CellVerifyRequest): Promise<CellVerification> {
  const outputsOf = (path: string) => (request.inputSet ? outputsOnSet(request, path) : outputsOnRandom(request, path));
  const dense = await outputsOf(request.densePath);
  const cell = request.cellPath === request.densePath ? dense : await outputsOf(request.cellPath);
  const labels = request.inputSet ? labelsOf(request.inputSet) : undefined;
  const v = compareOutputs(dense, cell, 'dense', request.ep, { labels });
  // Nothing compared would read as perfect agreement: a variant file with other outputs is an error.
  if (v.comparedOutputs.length === 0) {
    throw new EdgescopeError('E_BAD_REQUEST', `the cell's model has none of dense's outputs with the same size (${dense.map((o) => o.name).join(', ')})`);
  }
  return {
    baseline: 'dense',
    inputs: request.inputSet ? 'input-set' : 'random',
    samples: v.samples,
    top1Agreement: v.top1Agreement,
    top5Agreement: v.top5Agreement ?? v.top1Agreement,
    cosine: v.cosine,
    maxAbsError: v.maxAbsError,
    meanAbsError: v.meanAbsError,
    ...(v.candidateAccuracy !== undefined ? { accuracy: v.candidateAccuracy, denseAccuracy: v.baselineAccuracy } : {}),
  };
}

/** One run on the seeded inputs profile generates for this batch size (same seed: same data). */
async function outputsOnRandom(request: CellVerifyRequest, modelPath: string): Promise<OutputTensor[]> {
  const profileDir = await mkdtemp(join(tmpdir(), 'edgescope-sweep-verify-'));
  try {
    const result = await request.worker.run(
      oneShotSpec({
        modelPath,
        ep: request.ep,
        ...(request.epOptions ? { epOptions: request.epOptions } : {}),
        threads: request.threads,
        graphOptimizationLevel: request.graphOptimizationLevel,
        inputs: resolveInputs(request.declared, { batch: request.batch, dims: {}, shapes: {}, values: {}, seed: request.seed }),
        seed: request.seed,
        profileDir,
      }),
    );
    return result.outputs ?? [];
  } finally {
    await rm(profileDir, { recursive: true, force: true });
  }
}

/** Every sample of the input set (batched as analysis/verify.ts does; EP options are not applied there). */
function outputsOnSet(request: CellVerifyRequest, modelPath: string): Promise<OutputTensor[]> {
  return runOnInputSet(modelPath, request.declared, request.inputSet!, { worker: request.worker, ep: request.ep, threads: request.threads });
}
