/**
 * Benchmark: wall time of `npm run profile`'s job (the CLI profiling the bundled demo model
 * dense and 90%-pruned), with a cold ceilings cache (first run on a machine) and a warm
 * one. Target: under 15 s.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packageRoot } from '../src/main/engine/engine';

const TARGET_S = 15;

function timeProfile(cacheDir: string, outDir: string): number {
  const start = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [join(packageRoot(), 'bin', 'edgescope.js'), 'profile', '--prune', '0.9', '--out', outDir], {
    env: { ...process.env, EDGESCOPE_CACHE_DIR: cacheDir },
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`profile failed: ${r.stderr}`);
  return Number(process.hrtime.bigint() - start) / 1e9;
}

const dir = mkdtempSync(join(tmpdir(), 'edgescope-bench-profile-'));
try {
  const cold = timeProfile(join(dir, 'cache'), join(dir, 'out1'));
  const warm = timeProfile(join(dir, 'cache'), join(dir, 'out2'));
  console.log(`npm run profile (demo, dense + pruned-0.9): cold ceilings cache ${cold.toFixed(2)} s, warm ${warm.toFixed(2)} s (target < ${TARGET_S} s)`);
  console.log(JSON.stringify({ benchmark: 'profile-time', coldSeconds: cold, warmSeconds: warm, targetSeconds: TARGET_S, pass: cold < TARGET_S && warm < TARGET_S }));
  if (cold >= TARGET_S || warm >= TARGET_S) process.exitCode = 1;
} finally {
  rmSync(dir, { recursive: true, force: true });
}
