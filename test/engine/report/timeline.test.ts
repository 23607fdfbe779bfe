import { describe, expect, it } from 'vitest';
import { assignRows, msToNs, phaseSlices } from '../../../src/main/engine/report/html/timeline';
import { runLabel } from '../../../src/main/engine/report/html/variant-runs';

const phases = (memoryUs: number, computeUs: number, overheadUs: number) => ({ memoryUs, computeUs, overheadUs, stallUs: 0 });

describe('phaseSlices', () => {
  it('lays memory, compute, overhead out in order, tiling the span exactly', () => {
    const slices = phaseSlices(phases(60, 30, 10), 1_000, 2_000);
    expect(slices).toEqual([
      { phase: 'memory', startNs: 1_000, durNs: 1_200 },
      { phase: 'compute', startNs: 2_200, durNs: 600 },
      { phase: 'overhead', startNs: 2_800, durNs: 200 },
    ]);
  });

  it('uses the median phases as proportions of a span of another length', () => {
    // Phases of a 100 µs median applied to a 150 µs span.
    const slices = phaseSlices(phases(50, 25, 25), 0, 150_000);
    expect(slices.map((s) => s.durNs)).toEqual([75_000, 37_500, 37_500]);
  });

  it('never leaves a gap or overlap, whatever the rounding', () => {
    for (const durNs of [1, 2, 3, 7, 999, 1_000_003]) {
      const slices = phaseSlices(phases(1, 1, 1), 17, durNs);
      expect(slices[0].startNs).toBe(17);
      for (let i = 1; i < slices.length; i++) expect(slices[i].startNs).toBe(slices[i - 1].startNs + slices[i - 1].durNs);
      const last = slices[slices.length - 1];
      expect(last.startNs + last.durNs).toBe(17 + durNs);
      expect(slices.every((s) => Number.isInteger(s.startNs) && Number.isInteger(s.durNs) && s.durNs > 0)).toBe(true);
    }
  });

  it('omits zero-length phases', () => {
    expect(phaseSlices(phases(80, 0, 20), 0, 1_000).map((s) => s.phase)).toEqual(['memory', 'overhead']);
  });

  it('treats an op with no attributed time as all overhead', () => {
    expect(phaseSlices(phases(0, 0, 0), 5, 100)).toEqual([{ phase: 'overhead', startNs: 5, durNs: 100 }]);
    expect(phaseSlices(phases(0, 0, 0), 5, 0)).toEqual([]);
  });

  it('ignores negative and non-finite phase values', () => {
    expect(phaseSlices(phases(-5, Number.NaN, 10), 0, 100)).toEqual([{ phase: 'overhead', startNs: 0, durNs: 100 }]);
  });
});

describe('assignRows', () => {
  it('keeps sequential spans, touching end to start, on one row', () => {
    expect(
      assignRows([
        { startNs: 0, durNs: 10 },
        { startNs: 10, durNs: 5 },
        { startNs: 20, durNs: 5 },
      ]),
    ).toEqual([0, 0, 0]);
  });

  it('moves overlapping spans to further rows, first fit, in input order', () => {
    const rows = assignRows([
      { startNs: 5, durNs: 10 }, // overlaps the first span below
      { startNs: 0, durNs: 10 },
      { startNs: 8, durNs: 10 }, // overlaps both
      { startNs: 16, durNs: 4 }, // row 0 (ended at 10) is free again
    ]);
    expect(rows).toEqual([1, 0, 2, 0]);
  });
});

describe('labels and units', () => {
  it('names a run by variant and EP', () => {
    expect(runLabel('pruned-0.9', 'cpu')).toBe('pruned-0.9 @ cpu');
  });

  it('converts job-clock milliseconds to whole nanoseconds', () => {
    expect(msToNs(123.4567891)).toBe(123_456_789);
    expect(msToNs(0.1 + 0.2)).toBe(300_000);
  });
});
