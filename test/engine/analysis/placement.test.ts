import { describe, expect, it } from 'vitest';
import { placementOf } from '../../../src/main/engine/analysis/placement';
import { buildSampleReport } from '../../fixtures/reports/sample-report';
import type { OpReport } from '../../../src/shared/report';

function op(name: string, opType: string, provider: string, durUs: number, outputBytes = 0): OpReport {
  const base = buildSampleReport().variants[0].runs[0].ops[0];
  return { ...base, name, opType, provider, durUs, outputBytes };
}

describe('op placement', () => {
  it('sums time per provider, lists CPU fallbacks and totals host<->device copies', () => {
    const ops = [
      op('MemcpyFromHost', 'MemcpyFromHost', 'WebGpuExecutionProvider', 30, 3136),
      op('conv', 'Conv', 'WebGpuExecutionProvider', 600),
      op('nms', 'NonMaxSuppression', 'CPUExecutionProvider', 200),
      op('MemcpyToHost', 'MemcpyToHost', 'WebGpuExecutionProvider', 20, 40),
      op('gemm', 'Gemm', 'WebGpuExecutionProvider', 150),
    ];
    const p = placementOf(ops, 'webgpu');
    expect(p.byProvider).toEqual([
      { provider: 'WebGpuExecutionProvider', ops: 4, durUs: 800, share: 0.8 },
      { provider: 'CPUExecutionProvider', ops: 1, durUs: 200, share: 0.2 },
    ]);
    expect(p.fallbackOps).toEqual(['nms']);
    expect(p.copies).toEqual({ ops: 2, durUs: 50, bytes: 3176 });
  });

  it('has no fallbacks when everything ran on the requested EP', () => {
    const p = placementOf([op('a', 'Relu', 'CPUExecutionProvider', 5)], 'cpu');
    expect(p.fallbackOps).toEqual([]);
    expect(p.byProvider[0].share).toBe(1);
  });
});
