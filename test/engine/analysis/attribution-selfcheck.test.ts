/**
 * The attribution method checked on calibration ops with real onnxruntime runs on
 * this machine (../shared/notes/phase-attribution.md, step 7): a large batch-1
 * matrix-vector product must come out mostly memory, a large matrix-matrix product
 * mostly compute.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildFcLayer } from '../../../src/main/engine/model/demo-models';
import { writeModel } from '../../../src/main/engine/model/onnx-io';
import { runProfileJob } from '../../../src/main/engine/profile-job';
import { defaultWorkerScriptPath } from '../../../src/main/engine/run/runner';
import type { OpReport } from '../../../src/shared/report';
import { tempDir } from '../../helpers';

const dir = tempDir();
const env = { workerScriptPath: defaultWorkerScriptPath(), cacheDir: join(dir, 'cache'), toolVersion: 'test' };

async function profileOp(name: string, inFeatures: number, outFeatures: number, batch: number): Promise<OpReport> {
  const path = join(dir, `${name}.onnx`);
  await writeModel(path, buildFcLayer(name, inFeatures, outFeatures, 5));
  const { report } = await runProfileJob(env, { modelPath: path, batch, threads: 2, warmup: 2, runs: 5, profiledRuns: 5 }, join(dir, `out-${name}`));
  const ops = report.variants[0].runs[0].ops;
  expect(ops).toHaveLength(1);
  return ops[0];
}

const share = (op: OpReport, part: 'memoryUs' | 'computeUs') => op.phases[part] / op.durUs;

describe('attribution self-check on calibration ops', () => {
  it('a 9216x4096 matrix-vector product (AlexNet FC6, batch 1) is >= 80% memory', async () => {
    const op = await profileOp('matvec', 9216, 4096, 1);
    expect(op.memoryLevel).toBe('dram');
    expect(op.bound).toBe('memory');
    expect(share(op, 'memoryUs')).toBeGreaterThanOrEqual(0.8);
    expect(op.eta).not.toBeNull();
  });

  it('a 512x2048 by 2048x2048 matrix-matrix product is >= 80% compute', async () => {
    const op = await profileOp('matmul', 2048, 2048, 512);
    expect(op.bound).toBe('compute');
    expect(share(op, 'computeUs')).toBeGreaterThanOrEqual(0.8);
    expect(op.eta).not.toBeNull();
  });
});
