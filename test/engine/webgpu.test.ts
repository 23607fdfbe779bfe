/**
 * The accelerator path end to end on a real second EP: WebGPU on Mesa's software Vulkan
 * driver (lavapipe), which .ci/run installs. Dense and pruned on the CPU and on the GPU,
 * compared across backends.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runProfileJob } from '../../src/main/engine/profile-job';
import { defaultWorkerScriptPath } from '../../src/main/engine/run/runner';
import { reportSchemaErrors } from '../../src/main/engine/report/report-schema';
import { REPO_ROOT, tempDir } from '../helpers';

const dir = tempDir();
const env = { workerScriptPath: defaultWorkerScriptPath(), cacheDir: join(dir, 'cache'), toolVersion: 'test' };

describe('dense vs pruned on CPU and WebGPU', () => {
  it('profiles both EPs, times GPU ops on the device and compares the backends', async () => {
    let result;
    try {
      result = await runProfileJob(
        env,
        { modelPath: join(REPO_ROOT, 'resources/models/cnn-small.onnx'), eps: ['cpu', 'webgpu'], prune: [0.9], runs: 5, profiledRuns: 2 },
        join(dir, 'out'),
      );
    } catch (err) {
      throw new Error(`${(err as Error).message} — the WebGPU test needs a Vulkan driver; .ci/run installs Mesa lavapipe from bookworm-backports`);
    }
    const { report } = result;
    expect(reportSchemaErrors(report)).toEqual([]);
    expect(report.backends.find((b) => b.ep === 'webgpu')?.available).toBe(true);
    for (const variant of report.variants) expect(variant.runs.map((r) => r.ep)).toEqual(['cpu', 'webgpu']);

    const gpu = report.variants[0].runs[1];
    const onGpu = gpu.ops.filter((o) => o.provider === 'WebGpuExecutionProvider');
    expect(onGpu.length).toBeGreaterThan(5);
    expect(onGpu.filter((o) => o.timing === 'device').length).toBeGreaterThan(5);
    expect(gpu.ops.find((o) => o.opType === 'Conv')?.flops).toBeGreaterThan(0);
    expect(gpu.ceilings.ep).toBe('webgpu');
    expect(gpu.spans.length).toBe(gpu.ops.length * 2);
    expect(gpu.placement.byProvider[0].provider).toBe('WebGpuExecutionProvider');
    expect(gpu.placement.byProvider.reduce((s, p) => s + p.share, 0)).toBeCloseTo(1, 9);
    expect(report.variants[0].runs[0].placement.fallbackOps).toEqual([]);

    const pairs = report.comparisons.map((c) => `${c.candidate}@${c.ep} vs ${c.baseline}@${c.baselineEp}`);
    expect(pairs).toEqual(['pruned-0.9@cpu vs dense@cpu', 'pruned-0.9@webgpu vs dense@webgpu', 'dense@webgpu vs dense@cpu']);
    // The same pruned model gives nearly the same outputs on the GPU as on the CPU: verification is per EP.
    expect(report.variants[1].verification?.ep).toBe('cpu');
  });
});
