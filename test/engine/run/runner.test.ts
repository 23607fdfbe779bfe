import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveInputs } from '../../../src/main/engine/model/inputs';
import { readModel } from '../../../src/main/engine/model/onnx-io';
import { summarizeModel } from '../../../src/main/engine/model/summary';
import { probeBackends } from '../../../src/main/engine/run/backends';
import type { RunSpec } from '../../../src/main/engine/run/messages';
import { RunWorker } from '../../../src/main/engine/run/runner';
import { parseTrace, readTraceFile } from '../../../src/main/engine/trace/ort-trace';
import { buildFcLayer } from '../../../src/main/engine/model/demo-models';
import { writeModel } from '../../../src/main/engine/model/onnx-io';
import { REPO_ROOT, tempDir } from '../../helpers';

const dir = tempDir();
const lenet = join(REPO_ROOT, 'resources/models/mlp-lenet-300-100.onnx');

function spec(modelPath: string, overrides: Partial<RunSpec> = {}): RunSpec {
  const model = summarizeModel(readModel(modelPath));
  return {
    modelPath,
    ep: 'cpu',
    threads: 2,
    graphOptimizationLevel: 'all',
    inputs: resolveInputs(model.inputs, { batch: 2, dims: {}, shapes: {}, values: {}, seed: 1 }),
    seed: 1,
    warmupRuns: 2,
    timedRuns: 12,
    minTimeMs: 0,
    profiledRuns: 3,
    profileDir: dir,
    returnOutputs: true,
    clockOriginNs: process.hrtime.bigint().toString(),
    ...overrides,
  };
}

describe('run worker (real onnxruntime in a child process)', () => {
  it('times runs, profiles separately and returns outputs', async () => {
    const worker = await RunWorker.start();
    const phases = new Set<string>();
    try {
      const result = await worker.run(spec(lenet), (phase) => phases.add(phase));
      expect(result.pid).toBe(worker.pid);
      expect(result.pid).not.toBe(process.pid);
      expect(result.latenciesMs).toHaveLength(12);
      expect(result.latenciesMs.every((v) => v > 0)).toBe(true);
      expect(result.sessionCreateMs).toBeGreaterThan(0);
      expect(result.profiledWindows).toHaveLength(3);
      expect(result.timedWindow.endMs).toBeGreaterThan(result.timedWindow.startMs);
      // Profiled runs come after the timed runs on the shared clock.
      expect(result.profiledWindows[0].startMs).toBeGreaterThanOrEqual(result.timedWindow.endMs);
      expect(result.outputs?.[0]).toMatchObject({ name: 'logits', dims: [2, 10] });
      expect(result.outputs?.[0].data).toHaveLength(20);
      const trace = parseTrace(readTraceFile(result.profilePath!));
      expect(trace.runs).toHaveLength(4); // one warm-up + 3 profiled
      expect(['session', 'first-run', 'warmup', 'profiled'].every((p) => phases.has(p))).toBe(true);
    } finally {
      await worker.dispose();
    }
  });

  it('reports an inference failure with the inputs named and a hint', async () => {
    const worker = await RunWorker.start();
    try {
      const bad = spec(lenet, { inputs: [{ name: 'input', dtype: 'float32', dims: [2, 783] }] });
      await expect(worker.run(bad)).rejects.toThrow(/inference failed on cpu with generated inputs input\[2,783\].*--shape/);
    } finally {
      await worker.dispose();
    }
  });

  it('cancels a long run by killing the worker', async () => {
    const path = join(dir, 'fc-big.onnx');
    await writeModel(path, buildFcLayer('big', 4096, 4096, 1));
    const worker = await RunWorker.start();
    const pending = worker.run(spec(path, { timedRuns: 1_000_000, minTimeMs: 60_000, profiledRuns: 0 }));
    await new Promise((r) => setTimeout(r, 1500));
    const started = Date.now();
    worker.cancel();
    await expect(pending).rejects.toMatchObject({ code: 'E_CANCELLED' });
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('probes backends: the CPU always runs, every unavailable one says why', async () => {
    const worker = await RunWorker.start();
    try {
      const backends = await probeBackends(worker, dir);
      expect(backends.find((b) => b.ep === 'cpu')).toEqual({ ep: 'cpu', available: true, bundled: true });
      expect(backends.map((b) => b.ep)).toEqual(['cpu', 'webgpu', 'cuda', 'tensorrt', 'dml', 'coreml']);
      for (const b of backends.filter((x) => !x.available)) expect(b.reason).toMatch(/\w{6,}/);
      if (process.platform === 'linux') {
        expect(backends.find((b) => b.ep === 'dml')?.reason).toMatch(/only on Windows/);
        expect(backends.find((b) => b.ep === 'cuda')?.reason).toMatch(/ONNXRUNTIME_NODE_INSTALL=cuda12|CUDA/);
      }
    } finally {
      await worker.dispose();
    }
  });
});
