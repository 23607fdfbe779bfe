import { describe, expect, it } from 'vitest';
import { diffRows } from '../../src/renderer/src/charts/diff-model';
import { comparison } from '../../src/main/engine/analysis/compare';
import type { OpPhases, OpReport, RunReport } from '../../src/shared/report';
import { buildSampleReport } from '../fixtures/reports/sample-report';

const phases = (memoryUs: number, computeUs: number, overheadUs: number): OpPhases => ({ memoryUs, computeUs, overheadUs, stallUs: 0 });

function op(name: string, opType: string, durUs: number, p: OpPhases, sourceNode?: string): OpReport {
  return { name, opType, durUs, phases: p, ...(sourceNode ? { sourceNode } : {}) } as OpReport;
}

describe('node-by-node diff', () => {
  const run = buildSampleReport().variants[0].runs[0];
  // Baseline unoptimized: conv1, relu1, fc. Candidate: conv1 fused with its Relu and renamed, fc faster.
  const baseline: RunReport = { ...run, ops: [op('conv1', 'Conv', 100, phases(60, 30, 10), 'conv1'), op('relu1', 'Relu', 20, phases(15, 0, 5), 'relu1'), op('fc', 'Gemm', 50, phases(40, 5, 5), 'fc')] };
  const candidate: RunReport = { ...run, ops: [op('fused conv1', 'Conv', 90, phases(55, 30, 5), 'conv1'), op('fc', 'Gemm', 20, phases(12, 4, 4), 'fc')] };
  const cmp = comparison('dense', baseline, 1, 'pruned', candidate, 1);

  it('aligns ops on their model node, names that differ kept', () => {
    expect(cmp.ops.map((o) => [o.sourceNode, o.name, o.candidateName ?? null, o.baselineDurUs, o.candidateDurUs])).toEqual([
      ['conv1', 'conv1', 'fused conv1', 100, 90],
      ['relu1', 'relu1', null, 20, null],
      ['fc', 'fc', null, 50, 20],
    ]);
  });

  it('orders rows by the size of the change and sums time and phase deltas', () => {
    const diff = diffRows(cmp);
    expect(diff.rows.map((r) => [r.node, r.status, r.deltaUs])).toEqual([
      ['fc', 'both', -30],
      ['relu1', 'baseline only', -20],
      ['conv1', 'both', -10],
    ]);
    expect(diff.rows[0].deltaFraction).toBeCloseTo(-0.6, 12);
    expect(diff.rows[0].phaseDeltaUs).toEqual({ memory: -28, compute: -1, overhead: -1 });
    expect(diff.rows[1].phaseDeltaUs).toEqual({ memory: -15, compute: 0, overhead: -5 });
    expect(diff.rows[2].baselineName).toBe('conv1');
    expect(diff.rows[2].candidateName).toBe('fused conv1');
    // -60 us in all: 170 us of ops became 110 us
    expect(diff.totalDeltaUs).toBe(-60);
    expect(diff.phaseDeltaUs).toEqual({ memory: -48, compute: -1, overhead: -11 });
  });

  it('counts an op only the candidate has as added time', () => {
    const extra: RunReport = { ...candidate, ops: [...candidate.ops, op('Memcpy', 'MemcpyToHost', 7, phases(7, 0, 0))] };
    const diff = diffRows(comparison('dense', baseline, 1, 'pruned', extra, 1));
    const added = diff.rows.find((r) => r.status === 'candidate only')!;
    expect(added).toMatchObject({ node: 'Memcpy', deltaUs: 7, deltaFraction: null, baselineName: null, candidateName: 'Memcpy' });
    expect(diff.totalDeltaUs).toBe(-53);
  });
});
