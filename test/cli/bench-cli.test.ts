/**
 * `edgescope bench eie`: the JSON field names on a real (small) run, the table, and
 * bad input or missing kernels as one error line with nothing on stdout.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers';

function cli(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [join(REPO_ROOT, 'bin/edgescope.js'), 'bench', ...args], { encoding: 'utf8', env: { ...process.env, ...env } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const SMALL = ['eie', '--layers', 'neuraltalk-lstm', '--threads', '2', '--runs', '5', '--min-time', '0'];

describe('edgescope bench eie', () => {
  it('prints the issue JSON fields for each layer and batch', () => {
    const r = cli([...SMALL, '--batch', '1,64', '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const result = JSON.parse(r.stdout);
    expect(result.threads).toBe(2);
    expect(result.layers).toHaveLength(2);
    for (const [i, layer] of result.layers.entries()) {
      for (const key of ['name', 'density', 'batch', 'denseUs', 'sparseUs', 'speedup', 'eieCpuSpeedup', 'byteRatioLimit', 'sparseBandwidthBytesPerSec', 'maxRelError']) {
        expect(layer, key).toHaveProperty(key);
      }
      expect(layer.name).toBe('neuraltalk-lstm');
      expect(layer.batch).toBe([1, 64][i]);
      expect(layer.maxRelError).toBeLessThan(1e-5);
      expect(layer.speedup).toBeGreaterThan(0);
    }
    expect(result.layers[0].eieCpuSpeedup).toBeCloseTo(470.5 / 260.0, 6);
    expect(result.layers[1].eieCpuSpeedup).toBeCloseTo(28.8 / 107.4, 6);
  }, 120_000);

  it("prints a table beside EIE's CPU speedups and the byte-ratio limit", () => {
    const r = cli([...SMALL, '--batch', '1']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/ORT dense us\s+sparse us\s+speedup\s+EIE CPU\s+byte limit/);
    // csr16, or sell where AVX-512 builds time both at batch 1 and sell wins.
    expect(r.stdout).toMatch(/neuraltalk-lstm\s+1201x2400\s+10\.0%\s+1\s+(csr16|sell)/);
    expect(r.stdout).toContain('1.81x');
    expect(r.stdout).toMatch(/batch 1, density <= 11%: [01] of 1 layers at or above EIE's CPU speedup/);
  }, 120_000);

  it('rejects bad input with one line and a non-zero exit', () => {
    for (const [args, message] of [
      [['eie', '--batch', '0'], "--batch must be an integer >= 1, got '0'"],
      [['eie', '--threads', 'two'], "--threads must be an integer >= 1, got 'two'"],
      [['eie', '--layers', 'resnet-fc'], "no EIE layer named 'resnet-fc'"],
      [['mlperf'], "unknown bench suite 'mlperf'"],
      [[], 'bench needs a suite'],
      [['eie', '--prune', '0.9'], "Unknown option '--prune'"],
    ] as const) {
      const r = cli([...args]);
      expect(r.code, args.join(' ')).not.toBe(0);
      expect(r.stdout).toBe('');
      expect(r.stderr).toContain(message);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(/^edgescope: error: /);
    }
  });

  it('prints its usage with --help', () => {
    const r = cli(['eie', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^usage: edgescope bench eie \[--batch 1,64\] \[--threads N\] \[--json\]/);
    expect(r.stdout).toContain('neuraltalk-lstm');
  });

  it('says why when the sparse kernels are unavailable', () => {
    const r = cli([...SMALL, '--batch', '1'], { EDGESCOPE_SPARSE_ADDON: 'off' });
    expect(r.code).not.toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe('edgescope: error: sparse kernels unavailable: disabled by EDGESCOPE_SPARSE_ADDON=off\n');
  });
});
