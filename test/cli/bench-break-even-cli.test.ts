/**
 * `edgescope bench break-even`: the JSON shape on one small shape (measured in the calibration
 * process, then read from the per-machine cache, then measured again with --recalibrate), the
 * printed table, and bad flags as one error line with nothing on stdout.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT, tempDir } from '../helpers';

const cacheDir = tempDir('bench-break-even');

function cli(args: string[]) {
  const r = spawnSync(process.execPath, [join(REPO_ROOT, 'bin/edgescope.js'), 'bench', 'break-even', ...args], {
    encoding: 'utf8',
    env: { ...process.env, EDGESCOPE_CACHE_DIR: cacheDir },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const SMALL = ['--shape', '96x160', '--batch', '1,8', '--threads', '2'];

describe('edgescope bench break-even', () => {
  it('prints the table as JSON: one entry per shape and batch, each with its ladder points', () => {
    const r = cli([...SMALL, '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const result = JSON.parse(r.stdout);
    expect(result.threads).toBe(2);
    expect(result.entries.map((e: { rows: number; cols: number; batch: number }) => [e.rows, e.cols, e.batch])).toEqual([
      [96, 160, 1],
      [96, 160, 8],
    ]);
    for (const e of result.entries) {
      expect(Object.keys(e)).toEqual(expect.arrayContaining(['rows', 'cols', 'batch', 'breakEvenDensity', 'points']));
      expect(e.cached).toBe(false);
      expect(e.points.map((p: { density: number }) => Math.round(p.density * 100))).toEqual([1, 2, 5, 10, 20, 30, 50]);
      for (const p of e.points) {
        expect(Object.keys(p).sort()).toEqual(['candidates', 'denseUs', 'density', 'format', 'sparseUs']);
        expect(p.candidates.map((c: { format: string }) => c.format)).toContain(p.format);
        expect(p.denseUs).toBeGreaterThan(0);
        expect(p.sparseUs).toBeGreaterThan(0);
      }
      expect(e.breakEvenDensity).toBeGreaterThanOrEqual(0.01 - 1e-3);
      expect(e.breakEvenDensity).toBeLessThanOrEqual(0.5 + 1e-3);
    }

    // The second time it comes from the cache, unchanged; --recalibrate measures again.
    const again = JSON.parse(cli([...SMALL, '--json']).stdout);
    expect(again.entries.map((e: { cached: boolean }) => e.cached)).toEqual([true, true]);
    expect(again.entries.map((e: { points: unknown }) => e.points)).toEqual(result.entries.map((e: { points: unknown }) => e.points));
    const fresh = JSON.parse(cli([...SMALL, '--json', '--recalibrate']).stdout);
    expect(fresh.entries.map((e: { cached: boolean }) => e.cached)).toEqual([false, false]);
    // Another thread count is another table.
    const oneThread = JSON.parse(cli(['--shape', '96x160', '--batch', '1', '--threads', '1', '--json']).stdout);
    expect(oneThread.entries[0].cached).toBe(false);
  }, 120_000);

  it('prints a table with the break-even and the speedup at each ladder density', () => {
    const r = cli(SMALL);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/rows x cols\s+batch\s+break-even\s+1%\s+2%\s+5%\s+10%\s+20%\s+30%\s+50%\s+source/);
    expect(r.stdout).toMatch(/96x160\s+1\s+[<>]? ?\d+\.\d%(\s+\d+\.\d\dx){7}\s+cached \d{4}-\d\d-\d\d \d\d:\d\d/);
  }, 120_000);

  it('rejects bad flags with one line and a non-zero exit', () => {
    for (const [args, message] of [
      [['--shape', '4096'], "--shape must be ROWSxCOLS with integers >= 1 (e.g. 4096x4096), got '4096'"],
      [['--shape', '0x10'], "got '0x10'"],
      [['--shape', '100000x100000'], 'more than the 268435456 this benchmark builds'],
      [['--batch', '0'], "--batch must be an integer in [1, 4096], got '0'"],
      [['--threads', 'two'], "--threads must be an integer in [1, 1024], got 'two'"],
      [['--densities', '1,2'], "Unknown option '--densities'"],
      [['extra'], "bench break-even takes no arguments, got 'extra'"],
    ] as const) {
      const r = cli([...args]);
      expect(r.code, args.join(' ')).not.toBe(0);
      expect(r.stdout).toBe('');
      expect(r.stderr).toContain(message);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
  });

  it('prints its usage with --help', () => {
    const r = cli(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^usage: edgescope bench break-even \[--shape ROWSxCOLS,\.\.\.\]/);
    expect(r.stdout).toContain('4096x9216, 4096x4096, 1000x4096');
  });

  it('says why when the sparse kernels are unavailable', () => {
    const r = spawnSync(process.execPath, [join(REPO_ROOT, 'bin/edgescope.js'), 'bench', 'break-even', ...SMALL], {
      encoding: 'utf8',
      env: { ...process.env, EDGESCOPE_CACHE_DIR: cacheDir, EDGESCOPE_SPARSE_ADDON: 'off' },
    });
    expect(r.status).not.toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim()).toBe('edgescope: error: sparse kernels unavailable: disabled by EDGESCOPE_SPARSE_ADDON=off');
  });
});
