import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { aggregateOps, parseTrace, readTraceFile, traceClockOffsetUs } from '../../../src/main/engine/trace/ort-trace';
import { REPO_ROOT } from '../../helpers';

// Recorded from onnxruntime-node 1.30 (CPU EP, 2 threads): LeNet-300-100 demo at batch 4, 3 runs.
const fixture = join(REPO_ROOT, 'test/fixtures/ort-trace/lenet-300-100-batch4-3runs.json');

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
