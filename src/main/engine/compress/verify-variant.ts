/**
 * Verification of a compressed variant: run the dense model and the variant once each on
 * the same seeded inputs in the run worker (never in this process: ORT's run() blocks the
 * thread) and compare their outputs (analysis/verify.ts).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Verification } from '../../../shared/report';
import { compareOutputs } from '../analysis/verify';
import { resolveInputs, type ResolvedInput } from '../model/inputs';
import type { onnx } from '../model/onnx-io';
import { graphInputs } from '../model/summary';
import type { OutputTensor } from '../run/messages';
import type { RunWorker } from '../run/runner';
import { oneShotSpec } from '../run/one-shot';

export interface VerifyOptions {
  /** Seed of the random inputs (default 42, as profile). */
  seed?: number;
  /** Batch size for the batch dimension (default 1). */
  batch?: number;
  threads?: number;
}

/** Inputs for a model: its declared inputs with the batch dimension set (the worker fills them from the seed). */
export function verificationInputs(proto: onnx.IModelProto, options: VerifyOptions = {}): ResolvedInput[] {
  return resolveInputs(graphInputs(proto), { batch: options.batch ?? 1, dims: {}, shapes: {}, values: {}, seed: options.seed ?? 42 });
}

/** One run of a model file in the worker, returning its outputs. */
export async function runOutputs(worker: RunWorker, modelPath: string, inputs: ResolvedInput[], options: VerifyOptions = {}): Promise<OutputTensor[]> {
  const profileDir = await mkdtemp(join(tmpdir(), 'edgescope-verify-'));
  try {
    const result = await worker.run(oneShotSpec({ modelPath, inputs, profileDir, threads: options.threads ?? 1, seed: options.seed ?? 42 }));
    return result.outputs ?? [];
  } finally {
    await rm(profileDir, { recursive: true, force: true });
  }
}

/** Dense and variant on the same seeded inputs (verificationInputs of the dense model). */
export async function verifyVariant(
  worker: RunWorker,
  densePath: string,
  variantPath: string,
  inputs: ResolvedInput[],
  options: VerifyOptions = {},
): Promise<Verification> {
  const dense = await runOutputs(worker, densePath, inputs, options);
  const variant = await runOutputs(worker, variantPath, inputs, options);
  return compareOutputs(dense, variant, 'dense', 'cpu');
}
