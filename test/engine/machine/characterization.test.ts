/**
 * The pure parts of the machine characterization: which working sets to measure for a
 * cache hierarchy, which level a working set sits in, the plateau of each level, and the
 * shared cache file's keys.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CacheInfo } from '../../../src/shared/report';
import {
  dataCaches,
  isOverheadBound,
  levelOf,
  plateaus,
  threadCounts,
  workingSetSizes,
  type BandwidthPoint,
} from '../../../src/main/engine/machine/characterization';
import { readCachedEntry, writeCachedEntry } from '../../../src/main/engine/machine/ceilings';
import { tempDir } from '../../helpers';

const KiB = 1024;
const MiB = 1024 ** 2;
const EPYC: CacheInfo[] = [
  { level: 'L1d', bytes: 32 * KiB },
  { level: 'L2', bytes: 1 * MiB },
  { level: 'L3', bytes: 32 * MiB },
];

describe('workingSetSizes', () => {
  it('puts 1/8, 1/4 and 1/2 of each level in it, and DRAM at 4x the last-level cache', () => {
    const sets = workingSetSizes(EPYC);
    expect(sets.map((s) => s.level)).toEqual(['L1d', 'L1d', 'L1d', 'L2', 'L2', 'L2', 'L3', 'L3', 'L3', 'DRAM']);
    for (const s of sets) {
      expect(s.workingSetBytes % 768).toBe(0); // whole cache lines of all three arrays
      expect(levelOf(s.workingSetBytes, EPYC)).toBe(s.level);
    }
    expect(sets.at(-1)!.workingSetBytes).toBeGreaterThanOrEqual(4 * 32 * MiB);
    const l3 = sets.filter((s) => s.level === 'L3').map((s) => s.workingSetBytes / MiB);
    expect(l3.map(Math.round)).toEqual([4, 8, 16]);
  });

  it('skips fractions that would sit in the level below, keeping at least the midpoint', () => {
    const sets = workingSetSizes([
      { level: 'L1d', bytes: 48 * KiB },
      { level: 'L2', bytes: 128 * KiB }, // 1/8 and 1/4 of it fit in L1d
      { level: 'L3', bytes: 160 * KiB }, // every fraction fits in L2: the midpoint
    ]);
    // Rounded up to whole 768-byte quanta.
    expect(sets.filter((s) => s.level === 'L2').map((s) => Math.floor(s.workingSetBytes / KiB))).toEqual([64]);
    expect(sets.filter((s) => s.level === 'L3').map((s) => Math.floor(s.workingSetBytes / KiB))).toEqual([144]);
    for (const s of sets) expect(levelOf(s.workingSetBytes, [{ level: 'L1d', bytes: 48 * KiB }, { level: 'L2', bytes: 128 * KiB }, { level: 'L3', bytes: 160 * KiB }])).toBe(s.level);
  });

  it('with no cache information measures DRAM only (at 4x the assumed 32 MiB)', () => {
    expect(workingSetSizes([])).toEqual([{ level: 'DRAM', workingSetBytes: 128 * MiB + 256 }]);
  });

  it('ignores instruction caches, unknown sizes and repeated levels', () => {
    expect(dataCaches([{ level: 'L1i', bytes: 32 * KiB }, { level: 'L2', bytes: 0 }, { level: 'L1d', bytes: 48 * KiB }, { level: 'L1d', bytes: 64 * KiB }])).toEqual([
      { level: 'L1d', bytes: 48 * KiB },
    ]);
  });
});

describe('plateaus', () => {
  const point = (workingSetBytes: number, threads: number, gbPerSec: number, kernelUs = 10): BandwidthPoint => ({
    level: levelOf(workingSetBytes, EPYC),
    workingSetBytes,
    threads,
    kernelUs,
    bandwidthBytesPerSec: gbPerSec * 1e9,
  });
  const curve = [
    point(4 * KiB, 1, 10),
    point(8 * KiB, 1, 20),
    point(16 * KiB, 1, 30),
    point(128 * KiB, 1, 50),
    point(512 * KiB, 1, 40),
    point(4 * MiB, 2, 100),
    point(8 * MiB, 2, 300), // one outlier does not set the plateau
    point(16 * MiB, 2, 110),
    point(128 * MiB, 2, 20),
    point(128 * MiB, 1, 15),
  ];

  it('takes the median of the points in each level at the thread count asked', () => {
    expect(Object.fromEntries(plateaus(curve, EPYC, 1))).toEqual({ L1d: 20e9, L2: 45e9, DRAM: 15e9 });
    expect(Object.fromEntries(plateaus(curve, EPYC, 2))).toEqual({ L3: 110e9, DRAM: 20e9 });
  });

  it('assigns a working set by size, not by the tag it was measured under', () => {
    expect(levelOf(32 * KiB, EPYC)).toBe('L1d');
    expect(levelOf(32 * KiB + 1, EPYC)).toBe('L2');
    expect(levelOf(33 * MiB, EPYC)).toBe('DRAM');
  });

  it('ignores points without a bandwidth', () => {
    expect(plateaus([point(4 * KiB, 1, 0)], EPYC, 1).size).toBe(0);
  });

  it('flags a level whose kernels are mostly the fixed per-op cost', () => {
    const small = [point(4 * KiB, 1, 1, 5), point(8 * KiB, 1, 2, 6), point(16 * KiB, 1, 3, 40)];
    expect(isOverheadBound(small, 'L1d', 1, 4)).toBe(true); // median 6 us < 4 x 4 us
    expect(isOverheadBound(small, 'L1d', 1, 1)).toBe(false);
    expect(isOverheadBound(small, 'L2', 1, 4)).toBe(false); // no points
  });
});

describe('threadCounts', () => {
  it('is 1..N up to 4 threads, then powers of two and N', () => {
    expect(threadCounts(1)).toEqual([1]);
    expect(threadCounts(2)).toEqual([1, 2]);
    expect(threadCounts(4)).toEqual([1, 2, 3, 4]);
    expect(threadCounts(12)).toEqual([1, 2, 4, 8, 12]);
    expect(threadCounts(16)).toEqual([1, 2, 4, 8, 16]);
  });
});

describe('the calibration cache (ceilings.json)', () => {
  it("keeps the profile's ceilings under their old key and the characterization beside them", async () => {
    const dir = tempDir();
    const old = { memoryBandwidthBytesPerSec: 1, cached: false };
    writeFileSync(join(dir, 'ceilings.json'), JSON.stringify({ 'fp|cpu|2': old }));
    expect(readCachedEntry(dir, 'ceilings', 'fp', 'cpu', 2)).toEqual(old);
    expect(readCachedEntry(dir, 'machine', 'fp', 'cpu', 2)).toBeUndefined();

    await writeCachedEntry(dir, 'machine', 'fp', 'cpu', 2, { threads: 2 });
    expect(JSON.parse(readFileSync(join(dir, 'ceilings.json'), 'utf8'))).toEqual({ 'fp|cpu|2': old, 'machine|fp|cpu|2': { threads: 2 } });
    expect(readCachedEntry(dir, 'machine', 'fp', 'cpu', 2)).toEqual({ threads: 2 });
    expect(readCachedEntry(dir, 'machine', 'fp', 'cpu', 1)).toBeUndefined();
  });

  it('treats a corrupt or non-object file as empty', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'ceilings.json'), '[1, 2');
    expect(readCachedEntry(dir, 'ceilings', 'fp', 'cpu', 2)).toBeUndefined();
    writeFileSync(join(dir, 'ceilings.json'), '[1, 2]');
    expect(readCachedEntry(dir, 'ceilings', 'fp', 'cpu', 2)).toBeUndefined();
  });
});
