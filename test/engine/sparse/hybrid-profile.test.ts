/**
 * The profile job with hybrid variants: `pruned-S+sparse` next to dense and pruned, with
 * sparse-kernel spans when the native addon loads, and listed as unavailable (everything
 * else still measured) when it does not.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runProfileJob } from '../../../src/main/engine/profile-job';
import { reportSchemaErrors } from '../../../src/main/engine/report/report-schema';
import { defaultWorkerScriptPath } from '../../../src/main/engine/run/runner';
import { sparseKernels } from '../../../src/main/engine/sparse/hybrid/kernels';
import { SPARSE_PROVIDER } from '../../../src/main/engine/sparse/hybrid/measure-hybrid';
import type { ProfileRequest } from '../../../src/shared/api';
import { REPO_ROOT, tempDir } from '../../helpers';

const dir = tempDir('hybrid-profile');
const env = { workerScriptPath: defaultWorkerScriptPath(), cacheDir: join(dir, 'cache'), toolVersion: 'test' };
const lenet = join(REPO_ROOT, 'resources/models/mlp-lenet-300-100.onnx');
const request: ProfileRequest = { modelPath: lenet, threads: 2, warmup: 1, runs: 5, profiledRuns: 2, prune: [0.9], sparse: true };
const addonLoads = sparseKernels().available;

const savedAddonSetting = process.env.EDGESCOPE_SPARSE_ADDON;
afterEach(() => {
  if (savedAddonSetting === undefined) delete process.env.EDGESCOPE_SPARSE_ADDON;
  else process.env.EDGESCOPE_SPARSE_ADDON = savedAddonSetting;
});

describe('profile job with pruned+sparse variants', () => {
  it.skipIf(!addonLoads)('runs pruned-0.9+sparse hybrid with sparse-kernel spans and exact bytes', async () => {
    const { report } = await runProfileJob(env, { ...request, sparseLayers: { 'fc1/MatMul': 'sparse' } }, join(dir, 'hybrid'));
    expect(reportSchemaErrors(report)).toEqual([]);
    expect(report.variants.map((v) => v.id)).toEqual(['dense', 'pruned-0.9', 'pruned-0.9+sparse']);
    const hybrid = report.variants[2];
    expect(hybrid.failures).toEqual([]);
    expect(hybrid.hybrid).toMatchObject({ baseVariant: 'pruned-0.9', mode: 'hybrid' });
    expect(hybrid.hybrid!.check!.maxRelError).toBeLessThan(1e-4);
    expect(hybrid.verification!.top1Agreement).toBe(report.variants[1].verification!.top1Agreement);
    const fc1 = hybrid.hybrid!.decisions.find((d) => d.node === 'fc1/MatMul')!;
    expect(fc1).toMatchObject({ choice: 'sparse', forced: true, batch: 1 });

    const run = hybrid.runs[0];
    const sparseOp = run.ops.find((o) => o.name === 'fc1/MatMul')!;
    expect(sparseOp.provider).toBe(SPARSE_PROVIDER);
    expect(sparseOp.opType).toBe('SparseMatMul');
    const nnz = sparseOp.sparse!.nnz;
    expect(nnz).toBe(Math.round(784 * 300 * 0.1));
    expect(sparseOp.flops).toBe(2 * nnz);
    // The bias of the folded Add is the kernel's too.
    expect(sparseOp.parameterBytes).toBe(sparseOp.sparse!.matrixBytes + 300 * 4);
    expect(hybrid.hybrid!.steps[0]).toEqual({ kind: 'sparse', name: 'fc1/MatMul', nodes: ['fc1/MatMul', 'fc1/Add', 'fc1/Relu'] });
    expect(sparseOp.activationBytes).toBe(784 * 4);
    expect(sparseOp.outputBytes).toBe(300 * 4);
    expect(sparseOp.sparse!.matrixBytes).toBeLessThan(784 * 300 * 4 * 0.5);
    // Two profiled runs: each op has a span per run, all inside that run's window on the job clock.
    expect(run.spans.length).toBe(run.ops.length * 2);
    for (const span of run.spans) {
      const window = run.profiledRuns[span.run];
      expect(span.startMs).toBeGreaterThanOrEqual(window.startMs - 0.5);
      expect(span.startMs + span.durMs).toBeLessThanOrEqual(window.endMs + 0.5);
    }
    expect(run.placement.fallbackOps).toEqual([]);
    expect(report.comparisons.map((c) => c.candidate)).toContain('pruned-0.9+sparse');
  });

  it.skipIf(!addonLoads)('reuses cached layer timings in the next profile, and times again with sparseCache off or recalibrate', async () => {
    const cached = { ...env, cacheDir: join(dir, 'cache-reuse') };
    const bases = async (name: string, sparseCache?: ProfileRequest['sparseCache']) => {
      const { report } = await runProfileJob(cached, { ...request, ...(sparseCache ? { sparseCache } : {}) }, join(dir, name));
      expect(reportSchemaErrors(report)).toEqual([]);
      return report.variants[2].hybrid!.decisions.map((d) => d.basis);
    };
    const first = await bases('cache-1');
    expect(first.length).toBeGreaterThan(0);
    expect(first.every((b) => b === 'timed')).toBe(true);
    expect((await bases('cache-2')).every((b) => b === 'cached')).toBe(true);
    expect((await bases('cache-3', 'off')).every((b) => b === 'timed')).toBe(true);
    expect((await bases('cache-4', 'recalibrate')).every((b) => b === 'timed')).toBe(true);
  });

  it('lists the variant as unavailable with the reason when the addon is off, and measures the rest', async () => {
    process.env.EDGESCOPE_SPARSE_ADDON = 'off';
    const { report, files } = await runProfileJob(env, request, join(dir, 'off'));
    expect(reportSchemaErrors(report)).toEqual([]);
    expect(report.variants.map((v) => v.id)).toEqual(['dense', 'pruned-0.9', 'pruned-0.9+sparse']);
    const [dense, pruned, hybrid] = report.variants;
    expect(dense.runs).toHaveLength(1);
    expect(pruned.runs).toHaveLength(1);
    expect(hybrid.runs).toEqual([]);
    expect(hybrid.failures).toHaveLength(1);
    expect(hybrid.failures[0].error).toMatch(/^sparse kernels unavailable: \S/);
    expect(hybrid.hybrid).toMatchObject({ mode: 'unavailable', reason: hybrid.failures[0].error, baseVariant: 'pruned-0.9' });
    expect(report.warnings.some((w) => w.startsWith('pruned-0.9+sparse on cpu failed: sparse kernels unavailable'))).toBe(true);
    // One model file for the pruned variant; the hybrid variant runs that same file.
    expect(files.models).toEqual([pruned.modelPath]);
    expect(hybrid.modelPath).toBe(pruned.modelPath);
  });

  it('rejects sparse runs without pruned variants and overrides naming no layer', async () => {
    await expect(runProfileJob(env, { ...request, prune: [] }, join(dir, 'bad1'))).rejects.toThrow('sparse (hybrid) runs need pruned variants: give prune sparsities');
    await expect(runProfileJob(env, { ...request, sparseLayers: { nope: 'dense' } }, join(dir, 'bad2'))).rejects.toThrow(
      "sparse layer override 'nope' names no MatMul, Gemm or Conv node of the model",
    );
  });
});

describe('edgescope profile --sparse', () => {
  const cli = (args: string[]) => {
    const r = spawnSync(process.execPath, [join(REPO_ROOT, 'bin/edgescope.js'), 'profile', ...args], {
      encoding: 'utf8',
      env: { ...process.env, EDGESCOPE_CACHE_DIR: join(dir, 'cache') },
      timeout: 120_000,
    });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  };

  it('refuses bad hybrid flags with one error line and writes nothing', () => {
    const out = join(dir, 'cli-bad');
    const cases: [string[], string][] = [
      [['--demo', 'mlp-lenet-300-100', '--sparse'], "profile: 'sparse' needs 'prune': the sparse kernels run the pruned variants"],
      [['--demo', 'mlp-lenet-300-100', '--prune', '0.9', '--sparse-layer', 'fc1/MatMul=sparse'], '--sparse-layer needs --sparse'],
      [['--demo', 'mlp-lenet-300-100', '--prune', '0.9', '--sparse', '--sparse-layer', 'fc1/MatMul=fast'], "--sparse-layer fc1/MatMul expects sparse or dense, got 'fast'"],
      [['--demo', 'mlp-lenet-300-100', '--prune', '0.9', '--sparse', '--sparse-layer', 'fc9=dense'], "sparse layer override 'fc9' names no MatMul, Gemm or Conv node of the model"],
      [['--demo', 'mlp-lenet-300-100', '--prune', '0.9', '--sparse-cache', 'off'], '--sparse-cache needs --sparse'],
      [['--demo', 'mlp-lenet-300-100', '--prune', '0.9', '--sparse', '--sparse-cache', 'never'], "--sparse-cache expects use, recalibrate or off, got 'never'"],
    ];
    for (const [args, message] of cases) {
      const r = cli([...args, '--out', out]);
      expect(r.stderr).toBe(`edgescope: error: ${message}\n`);
      expect(r.code).not.toBe(0);
    }
    expect(existsSync(out)).toBe(false);
  });
});
