import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { aggregateOps, parseTrace, readTraceFile, traceClockOffsetUs } from '../../../src/main/engine/trace/ort-trace';
import { REPO_ROOT } from '../../helpers';

// Recorded from onnxruntime-node 1.30 (CPU EP, 2 threads): LeNet-300-100 demo at batch 4, 3 runs.
const fixture = join(REPO_ROOT, 'test/fixtures/ort-trace/lenet-300-100-batch4-3runs.json');
// Recorded from onnxruntime-node 1.30, WebGPU EP on Mesa lavapipe (software Vulkan): cnn-small, batch 1, 3 runs.
const webgpuFixture = join(REPO_ROOT, 'test/fixtures/ort-trace/cnn-small-webgpu-lavapipe-3runs.json');

describe("parsing onnxruntime's profile", () => {
  const trace = parseTrace(readTraceFile(fixture));

  it('finds every run and the kernels inside it', () => {
    expect(trace.runs.map((r) => r.tsUs)).toEqual([31593, 37619, 37996]);
    expect(trace.runs.map((r) => r.kernels.length)).toEqual([3, 3, 3]);
    const first = trace.runs[1].kernels[0];
    expect(first.name).toBe('fused fc1/MatMul/MatMulAddFusion');
    expect(first.opType).toBe('FusedGemm');
    expect(first.provider).toBe('CPUExecutionProvider');
    expect(first.inputShapes).toEqual([[4, 784], [300]]);
    expect(first.outputShapes).toEqual([[4, 300]]);
    expect(first.inputTypes).toEqual(['float', 'float']);
    for (const run of trace.runs) {
      for (const k of run.kernels) {
        expect(k.tsUs).toBeGreaterThanOrEqual(run.tsUs);
        expect(k.tsUs + k.durUs).toBeLessThanOrEqual(run.tsUs + run.durUs);
      }
    }
  });

  it('aggregates ops in execution order with median durations', () => {
    const ops = aggregateOps(trace.runs.slice(1));
    expect(ops.map((o) => o.opType)).toEqual(['FusedGemm', 'FusedGemm', 'Gemm']);
    for (const op of ops) {
      expect(op.durUsPerRun).toHaveLength(2);
      expect(op.durUs).toBeCloseTo((op.durUsPerRun[0] + op.durUsPerRun[1]) / 2, 9);
    }
    expect(ops[0].startOffsetUs).toBeLessThan(ops[1].startOffsetUs);
  });

  it('anchors trace time to the job clock from the measured run windows', () => {
    // Windows as the worker would measure them: 1000 ms after the trace origin, +-small noise.
    const windows = trace.runs.slice(1).map((r, i) => ({ startMs: 1000 + r.tsUs / 1000 + (i === 0 ? -0.01 : 0.01), endMs: 0 }));
    const offset = traceClockOffsetUs(trace, windows, 1);
    expect(offset).toBeCloseTo(1_000_000, 0);
  });
});

describe('device times of an asynchronous EP (WebGPU)', () => {
  const trace = parseTrace(readTraceFile(webgpuFixture));

  it('takes op durations from the GPU timestamp events, keeping the host dispatch time', () => {
    expect(trace.runs).toHaveLength(3);
    const last = trace.runs[2];
    const fc1 = last.kernels.find((k) => k.name === 'fc1')!;
    expect(fc1.provider).toBe('WebGpuExecutionProvider');
    expect(fc1.timing).toBe('device');
    // Device time of the fc1&Gemm&Gemm program in the recorded run, vs 10s of us to dispatch it.
    expect(fc1.durUs).toBe(13368);
    expect(fc1.hostDurUs).toBeLessThan(1000);
    expect(fc1.tsUs).toBe(136169);
    expect(fc1.inputShapes[0]).toEqual([1, 1568]);
    expect(last.kernels.filter((k) => k.timing === 'device').length).toBeGreaterThanOrEqual(9);
  });

  it('keeps host timing for nodes without device events (CPU fallbacks, no-op reshapes)', () => {
    const flatten = trace.runs[2].kernels.find((k) => k.name === 'flatten')!;
    expect(flatten.timing).toBe('host');
    expect(flatten.durUs).toBe(flatten.hostDurUs);
  });
});

