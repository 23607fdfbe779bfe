import { describe, expect, it } from 'vitest';
import { attribute } from '../../../src/main/engine/analysis/attribution';
import type { OpCost } from '../../../src/main/engine/analysis/op-cost';
import type { Ceilings } from '../../../src/shared/report';

const ceilings: Ceilings = {
  memoryBandwidthBytesPerSec: 20e9,
  cacheBandwidthBytesPerSec: 100e9,
  peakFlopsPerSec: 100e9,
  opOverheadUs: 5,
  ep: 'cpu',
  threads: 2,
  lastLevelCacheBytes: 32 * 1024 ** 2,
  measuredAt: '2026-01-01T00:00:00Z',
  cached: false,
};

const cost = (flops: number | null, bytes: number): OpCost => ({
  flops,
  bytes,
  parameterBytes: bytes,
  activationBytes: 0,
  outputBytes: 0,
  integer: false,
});

function sum(p: { memoryUs: number; computeUs: number; overheadUs: number }): number {
  return p.memoryUs + p.computeUs + p.overheadUs;
}

describe('roofline attribution', () => {
  it('splits a memory-bound op: memory = T_m, compute = 0, overhead = t0 + stall', () => {
    // 100 MB from DRAM at 20 GB/s = 5000 us; 50 MFLOP at 100 GFLOP/s = 500 us; measured 6005 us.
    const a = attribute('MatMul', 6005, cost(50e6, 100e6), { ceilings, modelWeightBytes: 100e6 });
    expect(a.memoryLevel).toBe('dram');
    expect(a.bound).toBe('memory');
    expect(a.phases.memoryUs).toBeCloseTo(5000, 6);
    expect(a.phases.computeUs).toBe(0);
    expect(a.phases.stallUs).toBeCloseTo(1000, 6);
    expect(a.phases.overheadUs).toBeCloseTo(1005, 6);
    expect(sum(a.phases)).toBeCloseTo(6005, 6);
    expect(a.eta).toBeCloseTo(5000 / 6000, 9);
    expect(a.lowConfidence).toEqual([]);
  });

  it('exposes only the compute not hidden under memory for a compute-bound op', () => {
    // cache level: 1 MB at 100 GB/s = 10 us; 1 GFLOP at 100 GFLOP/s = 10000 us; measured 10005 us.
    const a = attribute('Conv', 10005, cost(1e9, 1e6), { ceilings, modelWeightBytes: 1e6 });
    expect(a.memoryLevel).toBe('cache');
    expect(a.bound).toBe('compute');
    expect(a.phases.memoryUs).toBeCloseTo(10, 6);
    expect(a.phases.computeUs).toBeCloseTo(9990, 6);
    expect(sum(a.phases)).toBeCloseTo(10005, 6);
  });

  it('scales an overestimate (eta > 1) into the measured time and flags it', () => {
    const a = attribute('MatMul', 2505, cost(0, 100e6), { ceilings, modelWeightBytes: 100e6 });
    expect(a.eta).toBeCloseTo(2, 9);
    expect(a.phases.memoryUs).toBeCloseTo(2500, 6);
    expect(a.phases.stallUs).toBe(0);
    expect(sum(a.phases)).toBeCloseTo(2505, 6);
    expect(a.lowConfidence.some((r) => r.startsWith('eta 2.00'))).toBe(true);
  });

  it('flags short and overhead-dominated ops, and unmodelled ones', () => {
    const short = attribute('Relu', 6, cost(100, 800), { ceilings, modelWeightBytes: 0 });
    expect(short.lowConfidence.some((r) => r.startsWith('short op'))).toBe(true);
    expect(short.lowConfidence.some((r) => r.includes('fixed overhead'))).toBe(true);
    const unknown = attribute('NonMaxSuppression', 50, cost(null, 1000), { ceilings, modelWeightBytes: 0 });
    expect(unknown.bound).toBe('unknown');
    expect(unknown.eta).toBeNull();
    expect(unknown.lowConfidence).toContain('no FLOP model for NonMaxSuppression');
    expect(sum(unknown.phases)).toBeCloseTo(50, 9);
  });

  it('uses DRAM bandwidth when the model does not fit in the last-level cache, even for a small op', () => {
    const a = attribute('MatMul', 100, cost(1e3, 1e6), { ceilings, modelWeightBytes: 200e6 });
    expect(a.memoryLevel).toBe('dram');
  });
});
