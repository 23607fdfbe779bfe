/**
 * The break-even table's arithmetic (crossover interpolation, the policy's clear cases) on
 * known points, and both caches (table, per-layer timings): hit, miss, and invalidation by
 * thread count, EP, machine and kernel build.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readCachedEntry } from '../../../src/main/engine/machine/ceilings';
import { crossoverOf, entryFor, fastestFormatNear, readBreakEvenTable, writeBreakEvenEntries, type BreakEvenEntry, type BreakEvenPoint } from '../../../src/main/engine/sparse/hybrid/break-even-table';
import { kernelBuildId, LayerMeasurementCache, type CacheIdentity } from '../../../src/main/engine/sparse/hybrid/measurement-cache';
import { predictFromTable } from '../../../src/main/engine/sparse/hybrid/policy';
import { tempDir } from '../../helpers';

/** Dense constant, sparse linear in density: the crossover is where they meet. */
const linear = (densities: number[], denseUs: number, sparseAt: (d: number) => number): BreakEvenPoint[] =>
  densities.map((density) => ({ density, denseUs, sparseUs: sparseAt(density) }));

const LADDER = [0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5];

describe('crossoverOf', () => {
  it('interpolates linearly between the ladder points around the crossover', () => {
    // sparse = 10 + 1000 d meets dense = 100 at d = 0.09, between the 5% and 10% points.
    const r = crossoverOf(linear(LADDER, 100, (d) => 10 + 1000 * d));
    expect(r.crossover).toBe('interpolated');
    expect(r.breakEvenDensity).toBeCloseTo(0.09, 12);
    // Between 20% and 30%: gaps -50 and +50 -> halfway.
    expect(crossoverOf(linear(LADDER, 200, (d) => 1000 * d - 50)).breakEvenDensity).toBeCloseTo(0.25, 12);
  });

  it('takes a point where sparse ties dense as lost, and sorts points by density', () => {
    const points = linear([0.3, 0.1, 0.05], 100, (d) => 1000 * d);
    expect(crossoverOf(points)).toEqual({ breakEvenDensity: 0.1, crossover: 'interpolated' });
  });

  it('takes the first crossing from the sparse end when noise makes the curves cross twice', () => {
    const points: BreakEvenPoint[] = [
      { density: 0.01, denseUs: 100, sparseUs: 50 },
      { density: 0.02, denseUs: 100, sparseUs: 110 },
      { density: 0.05, denseUs: 100, sparseUs: 90 },
      { density: 0.1, denseUs: 100, sparseUs: 200 },
    ];
    // gaps -50 then +10: 0.01 + 0.01 * 50/60.
    expect(crossoverOf(points).breakEvenDensity).toBeCloseTo(0.01 + 0.01 * (50 / 60), 12);
  });

  it('reports the ladder end as a bound when the curves do not cross on it', () => {
    expect(crossoverOf(linear(LADDER, 10, (d) => 20 + d))).toEqual({ breakEvenDensity: 0.01, crossover: 'below-ladder' });
    expect(crossoverOf(linear(LADDER, 1000, (d) => 100 * d))).toEqual({ breakEvenDensity: 0.5, crossover: 'above-ladder' });
    expect(() => crossoverOf([])).toThrow();
  });
});

describe('predictFromTable', () => {
  it('predicts only clear cases: under half or over twice the break-even', () => {
    const be = { breakEvenDensity: 0.1, crossover: 'interpolated' as const };
    expect(predictFromTable(be, 0.049)).toBe('sparse');
    expect(predictFromTable(be, 0.05)).toBeNull();
    expect(predictFromTable(be, 0.1)).toBeNull();
    expect(predictFromTable(be, 0.2)).toBeNull();
    expect(predictFromTable(be, 0.21)).toBe('dense');
  });

  it('predicts only the side a bound covers', () => {
    // Sparse lost even at 1%: the break-even is below it, so 3% is surely dense, 0.4% unknown.
    expect(predictFromTable({ breakEvenDensity: 0.01, crossover: 'below-ladder' }, 0.03)).toBe('dense');
    expect(predictFromTable({ breakEvenDensity: 0.01, crossover: 'below-ladder' }, 0.004)).toBeNull();
    // Sparse won even at 50%: 20% is surely sparse, and nothing is dense.
    expect(predictFromTable({ breakEvenDensity: 0.5, crossover: 'above-ladder' }, 0.2)).toBe('sparse');
    expect(predictFromTable({ breakEvenDensity: 0.5, crossover: 'above-ladder' }, 1)).toBeNull();
  });
});

function entry(rows: number, cols: number, batch: number, breakEvenDensity: number): BreakEvenEntry {
  return { rows, cols, batch, breakEvenDensity, crossover: 'interpolated', points: linear([0.05, 0.1], 1, () => 1), measuredAt: '2026-01-02T03:04:05.000Z' };
}

describe('break-even table cache', () => {
  const cacheDir = tempDir('break-even-table');
  const id: CacheIdentity = { cacheDir, fingerprint: 'fp-a', ep: 'cpu', threads: 2, build: 'build-1' };

  it('keeps entries per machine, EP, threads and build, replacing by shape and batch', async () => {
    expect(readBreakEvenTable(id)).toEqual([]);
    await writeBreakEvenEntries(id, [entry(64, 32, 1, 0.2), entry(64, 32, 8, 0.05)]);
    await writeBreakEvenEntries(id, [entry(64, 32, 8, 0.07), entry(128, 64, 1, 0.3)]);
    const table = readBreakEvenTable(id);
    expect(table.map((e) => [e.rows, e.cols, e.batch, e.breakEvenDensity])).toEqual([
      [64, 32, 1, 0.2],
      [64, 32, 8, 0.07],
      [128, 64, 1, 0.3],
    ]);
    expect(entryFor(table, 64, 32, 8)?.breakEvenDensity).toBe(0.07);
    expect(entryFor(table, 32, 64, 8)).toBeUndefined();
    expect(entryFor(table, 64, 32, 64)).toBeUndefined();
    for (const other of [{ threads: 1 }, { ep: 'webgpu' }, { fingerprint: 'fp-b' }, { build: 'build-2' }]) {
      expect(readBreakEvenTable({ ...id, ...other }), JSON.stringify(other)).toEqual([]);
    }
  });

  it('drops the entries of an older kernel build when a new build writes', async () => {
    await writeBreakEvenEntries({ ...id, build: 'build-2' }, [entry(16, 16, 1, 0.4)]);
    expect(readBreakEvenTable(id)).toEqual([]);
    expect(readBreakEvenTable({ ...id, build: 'build-2' }).map((e) => e.rows)).toEqual([16]);
  });
});

describe('fastestFormatNear', () => {
  const points: BreakEvenPoint[] = [
    { density: 0.01, denseUs: 100, sparseUs: 5, format: 'sell' },
    { density: 0.1, denseUs: 100, sparseUs: 30, format: 'sell' },
    { density: 0.3, denseUs: 100, sparseUs: 90, format: 'csr16' },
  ];

  it('takes the format that won at the timed density nearest the layer (by ratio)', () => {
    expect(fastestFormatNear({ points }, 0.02, ['csr16', 'sell'])).toBe('sell');
    expect(fastestFormatNear({ points }, 0.2, ['csr16', 'sell'])).toBe('csr16');
    expect(fastestFormatNear({ points }, 0.15, ['csr16', 'sell'])).toBe('sell');
  });

  it('keeps to the layer candidates, and falls back to the first (CSR) without a usable point', () => {
    expect(fastestFormatNear({ points }, 0.02, ['csr16'])).toBe('csr16');
    expect(fastestFormatNear({ points: [] }, 0.1, ['csr16', 'sell'])).toBe('csr16');
    expect(fastestFormatNear({ points: [{ density: 0.1, denseUs: 1, sparseUs: 1 }] }, 0.1, ['csr32', 'sell'])).toBe('csr32');
  });
});

describe('per-layer measurement cache', () => {
  const cacheDir = tempDir('layer-cache');
  const id: CacheIdentity = { cacheDir, fingerprint: 'fp-a', ep: 'cpu', threads: 2, build: 'build-1' };
  const key = { rows: 300, cols: 784, nnz: 23520, batch: 1, formats: ['csr16' as const] };

  it('hits on the same layer and identity, misses on anything else', async () => {
    const cache = new LayerMeasurementCache(id);
    expect(cache.get(key)).toBeUndefined();
    await cache.put(key, { denseUs: 100, sparseUs: 40 }, '2026-01-02T03:04:05.000Z');
    expect(cache.get(key)).toEqual({ denseUs: 100, sparseUs: 40, format: 'csr16', measuredAt: '2026-01-02T03:04:05.000Z' });
    // A new reader (the next run) finds it in the file.
    expect(new LayerMeasurementCache(id).get(key)).toEqual({ denseUs: 100, sparseUs: 40, format: 'csr16', measuredAt: '2026-01-02T03:04:05.000Z' });
    for (const other of [{ nnz: 23519 }, { batch: 8 }, { rows: 784, cols: 300 }]) {
      expect(new LayerMeasurementCache(id).get({ ...key, ...other }), JSON.stringify(other)).toBeUndefined();
    }
    for (const other of [{ threads: 4 }, { build: 'build-2' }, { ep: 'webgpu' }, { fingerprint: 'fp-b' }]) {
      expect(new LayerMeasurementCache({ ...id, ...other }).get(key), JSON.stringify(other)).toBeUndefined();
    }
  });

  it('keeps timings among different candidate formats apart, each saying which format won', async () => {
    const own = { ...id, cacheDir: tempDir('layer-cache-formats') };
    const cache = new LayerMeasurementCache(own);
    const both = { ...key, formats: ['csr16', 'sell'] as const };
    await cache.put(key, { denseUs: 100, sparseUs: 40, format: 'csr16', candidates: [{ format: 'csr16', sparseUs: 40 }] });
    expect(cache.get(both)).toBeUndefined();
    const candidates = [{ format: 'csr16' as const, sparseUs: 40 }, { format: 'sell' as const, sparseUs: 25 }];
    await cache.put(both, { denseUs: 100, sparseUs: 25, format: 'sell', candidates });
    const reread = new LayerMeasurementCache(own);
    expect(reread.get(key)).toMatchObject({ sparseUs: 40, format: 'csr16' });
    expect(reread.get(both)).toMatchObject({ sparseUs: 25, format: 'sell', candidates });
    // Order matters as the candidate list is built (CSR first): another set is another key.
    expect(reread.get({ ...key, formats: ['sell'] })).toBeUndefined();
  });

  it('keeps layers another run wrote meanwhile, and shares the file with the ceilings', async () => {
    const first = new LayerMeasurementCache(id);
    const second = new LayerMeasurementCache(id);
    await first.put({ ...key, batch: 2 }, { denseUs: 1, sparseUs: 2 });
    await second.put({ ...key, batch: 3 }, { denseUs: 3, sparseUs: 4 });
    const reread = new LayerMeasurementCache(id);
    expect(reread.get({ ...key, batch: 2 })?.denseUs).toBe(1);
    expect(reread.get({ ...key, batch: 3 })?.denseUs).toBe(3);
    expect(readCachedEntry(cacheDir, 'ceilings', 'fp-a', 'cpu', 2)).toBeUndefined();
  });

  it('starts afresh from a corrupt cache file', async () => {
    const dir = tempDir('layer-cache-corrupt');
    writeFileSync(join(dir, 'ceilings.json'), '{"truncated');
    const cache = new LayerMeasurementCache({ ...id, cacheDir: dir });
    expect(cache.get(key)).toBeUndefined();
    await cache.put(key, { denseUs: 5, sparseUs: 6 });
    expect(new LayerMeasurementCache({ ...id, cacheDir: dir }).get(key)?.sparseUs).toBe(6);
  });
});

describe('kernelBuildId', () => {
  it('changes with the build info and with the addon binary', () => {
    const dir = tempDir('build-id');
    const addon = join(dir, 'addon.node');
    writeFileSync(addon, 'binary v1');
    const a = kernelBuildId({ buildInfo: { simd: 'avx2', compiler: 'g++ 12' } }, addon);
    expect(kernelBuildId({ buildInfo: { compiler: 'g++ 12', simd: 'avx2' } }, addon)).toBe(a);
    expect(kernelBuildId({ buildInfo: { simd: 'scalar', compiler: 'g++ 12' } }, addon)).not.toBe(a);
    writeFileSync(addon, 'binary v2');
    expect(kernelBuildId({ buildInfo: { simd: 'avx2', compiler: 'g++ 12' } }, addon)).not.toBe(a);
    expect(kernelBuildId({ buildInfo: { simd: 'avx2', compiler: 'g++ 12' } }, join(dir, 'missing.node'))).toMatch(/^[0-9a-f]{16}$/);
  });
});
