/**
 * `edgescope machine` as a user runs it: `node bin/edgescope.js machine ...` in a child
 * process, with EDGESCOPE_CACHE_DIR in a fresh folder so the first run measures this
 * machine and the second reads the cache. Needs `npm run build:node`.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { MachineCharacterization } from '../../src/main/engine/machine/characterization';
import { REPO_ROOT, tempDir } from '../helpers';

const dir = tempDir();

function cli(args: string[]) {
  const started = Date.now();
  const result = spawnSync(process.execPath, [join(REPO_ROOT, 'bin/edgescope.js'), ...args], {
    encoding: 'utf8',
    env: { ...process.env, EDGESCOPE_CACHE_DIR: join(dir, 'cache') },
    timeout: 120_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr, ms: Date.now() - started };
}

describe('edgescope machine', () => {
  it('--json measures this machine, then answers from the cache', () => {
    const first = cli(['machine', '--json', '--threads', '2']);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    const m = JSON.parse(first.stdout) as MachineCharacterization;
    expect(m).toMatchObject({ ep: 'cpu', threads: 2, cached: false });
    // Only what must hold on a noisy VM: no ordering between the levels.
    expect(m.caches.length).toBeGreaterThan(0);
    for (const c of m.caches) {
      expect(c.level).toMatch(/^L\d/);
      expect(c.bytes).toBeGreaterThan(0);
      expect(c.bandwidthBytesPerSec).toBeGreaterThan(0);
    }
    expect(m.memoryBandwidthBytesPerSec).toBeGreaterThan(0);
    expect(m.dramBandwidthBytesPerSec).toBeGreaterThan(0);
    expect(m.peakFlopsPerSec).toBeGreaterThan(0);
    expect(m.opOverheadUs).toBeGreaterThanOrEqual(0);
    expect(m.peakInt8OpsPerSec === null ? (m.int8Unavailable ?? '').length > 0 : m.peakInt8OpsPerSec > 0).toBe(true);
    expect([...new Set(m.bandwidthCurve.map((p) => p.threads))]).toEqual([1, 2]);
    for (const p of m.bandwidthCurve) expect(p.bandwidthBytesPerSec).toBeGreaterThan(0);
    expect(m.bandwidthCurve.filter((p) => p.level === 'DRAM').every((p) => p.workingSetBytes >= 4 * Math.max(...m.caches.map((c) => c.bytes)))).toBe(true);
    expect(m.measurementMs).toBeLessThan(20_000);

    const second = cli(['machine', '--json', '--threads', '2']);
    expect(second.code).toBe(0);
    const again = JSON.parse(second.stdout) as MachineCharacterization;
    expect(again.cached).toBe(true);
    expect({ ...again, cached: false }).toEqual(m);
    expect(second.ms).toBeLessThan(5_000); // no worker, no measurement
  }, 120_000);

  it('prints a readable table without --json (from the cache)', () => {
    const r = cli(['machine', '--threads', '2']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^machine [0-9a-f]{16} {2}ep cpu {2}threads 2 {2}cached/);
    expect(r.stdout).toMatch(/^level +size +working sets +best 1T +best 2T +plateau 2T/m);
    expect(r.stdout).toMatch(/^DRAM +.+ GB\/s/m);
    expect(r.stdout).toMatch(/^peak fp32 +[\d.]+ [GMT]FLOP\/s$/m);
    expect(r.stdout).toMatch(/^t0 \(per-op overhead\) +[\d.]+ /m);
  }, 120_000);

  it.each([
    [['machine', '--bogus'], /^edgescope: error: machine: Unknown option '--bogus'\n$/],
    [['machine', '--prune', '0.5'], /^edgescope: error: machine: Unknown option '--prune'\n$/],
    [['machine', 'extra'], /^edgescope: error: machine takes no arguments, got 'extra'\n$/],
    [['machine', '--threads', '0'], /^edgescope: error: --threads must be an integer >= 1, got '0'\n$/],
    [['machine', '--threads', 'two'], /^edgescope: error: --threads must be an integer >= 1, got 'two'\n$/],
    [['machine', '--ep', 'npu'], /^edgescope: error: --ep 'npu' is not one of cpu, /],
    [['machine', '--ep', 'cpu,webgpu'], /^edgescope: error: --ep 'cpu,webgpu' is not one of/],
  ])('%j: one line on stderr, exit 2', (args, message) => {
    const { code, stdout, stderr } = cli(args);
    expect({ code, stdout, lines: stderr.trim().split('\n').length }).toEqual({ code: 2, stdout: '', lines: 1 });
    expect(stderr).toMatch(message);
  });
});
