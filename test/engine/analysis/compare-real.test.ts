/**
 * The statistics, the environment block and the node-by-node alignment on real onnxruntime runs: the
 * small CNN demo profiled twice through the engine, once with every graph optimization (ORT fuses each
 * Conv with its Relu into an op it renames) and once with none, then the two dense runs compared.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ApiEvents, EngineApi } from '../../../src/shared/api';
import { comparison } from '../../../src/main/engine/analysis/compare';
import { createEngine } from '../../../src/main/engine/engine';
import { reportSchemaErrors } from '../../../src/main/engine/report/report-schema';
import type { Report } from '../../../src/shared/report';
import { REPO_ROOT, tempDir } from '../../helpers';

const dir = tempDir('compare-real');
const engine = createEngine({ cacheDir: join(dir, 'cache'), workspaceDir: join(dir, 'workspace') });

function profile(api: EngineApi, graphOptimizationLevel: 'all' | 'disabled'): Promise<Report> {
  return new Promise((resolve, reject) => {
    void api
      .call('startProfile', { modelPath: join(REPO_ROOT, 'resources/models/cnn-small.onnx'), prune: [0.5], runs: 24, profiledRuns: 2, graphOptimizationLevel })
      .then(({ jobId }) => {
        const offDone = api.on('jobDone', (e: ApiEvents['jobDone']) => e.jobId === jobId && (offDone(), offFailed(), resolve(e.report)));
        const offFailed = api.on('jobFailed', (e: ApiEvents['jobFailed']) => e.jobId === jobId && (offDone(), offFailed(), reject(new Error(e.error.message))));
      }, reject);
  });
}

describe('comparisons of real runs', () => {
  let fused: Report;
  let unfused: Report;

  it('profiles with and without graph optimizations', async () => {
    fused = await profile(engine, 'all');
    unfused = await profile(engine, 'disabled');
    expect(reportSchemaErrors(fused)).toEqual([]);
    expect(reportSchemaErrors(unfused)).toEqual([]);
  });

  it('reports steady-state statistics, a p-value on every comparison and the environment', () => {
    const run = fused.variants[0].runs[0];
    expect(run.latencyMs.warmupDiscarded).toBeGreaterThanOrEqual(0);
    expect(run.latencyMs.n + run.latencyMs.warmupDiscarded!).toBe(run.latenciesMs.length);
    expect(Array.isArray(run.latencyMs.outlierRuns)).toBe(true);
    expect(fused.comparisons.length).toBeGreaterThan(0);
    for (const c of fused.comparisons) {
      expect(c.mannWhitney!.method).toBe('normal'); // 24 runs each (minus warm-up): more than 8
      expect(c.mannWhitney!.p).toBeGreaterThanOrEqual(0);
      expect(c.mannWhitney!.p).toBeLessThanOrEqual(1);
    }
    const env = fused.environment!;
    expect(env.onnxruntimeVersion).toBe(fused.tool.onnxruntimeVersion);
    expect(env.modelSha256).toEqual(Object.fromEntries(fused.variants.map((v) => [v.id, v.modelSha256])));
    expect(env.eps).toEqual(fused.settings.eps);
    for (const field of [env.cpuGovernor, env.powerSource]) expect(typeof field).toBe('string');
  });

  it('maps fused and renamed ops back to the model nodes, and aligns the two graphs on them', () => {
    const fusedRun = fused.variants[0].runs[0];
    const plainRun = unfused.variants[0].runs[0];
    const convs = fusedRun.ops.filter((o) => o.opType === 'Conv');
    expect(convs.length).toBeGreaterThan(0);
    // Every Conv ran under another name than its model node's once fused (ORT: 'fused conv1' and the like),
    // and was mapped back to the node.
    for (const op of convs) expect(op.sourceNode).toMatch(/^conv\d+$/);
    expect(convs.some((op) => op.name !== op.sourceNode)).toBe(true);
    // Unoptimized, each Conv keeps its node's name, and the Relus run on their own.
    const plainConvs = plainRun.ops.filter((o) => o.opType === 'Conv');
    expect(plainConvs.map((o) => o.sourceNode)).toEqual(plainConvs.map((o) => o.name));
    expect(plainRun.ops.some((o) => o.opType === 'Relu')).toBe(true);

    const cmp = comparison('unfused', plainRun, 1, 'fused', fusedRun, 1);
    for (const conv of plainConvs) {
      const row = cmp.ops.find((r) => r.opType === 'Conv' && r.sourceNode === conv.sourceNode)!;
      expect(row.baselineDurUs).toBe(conv.durUs);
      expect(row.candidateDurUs).not.toBeNull();
    }
    // A Relu fused away has no counterpart: the baseline's row says so rather than meeting a Conv.
    const fusedAway = cmp.ops.filter((r) => r.opType === 'Relu' && r.candidateDurUs === null);
    expect(fusedAway.length).toBeGreaterThan(0);
  });
});
