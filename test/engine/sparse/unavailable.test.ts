/**
 * The degraded path: a machine where the addon cannot be built still installs (the build
 * script warns and exits 0), and the loader says why instead of throwing.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadSparseKernels, SPARSE_ADDON_ENV } from '../../../src/main/engine/sparse/native';
import { REPO_ROOT, tempDir } from '../../helpers';

describe('sparse kernels unavailable', () => {
  const saved = process.env[SPARSE_ADDON_ENV];
  afterEach(() => {
    if (saved === undefined) delete process.env[SPARSE_ADDON_ENV];
    else process.env[SPARSE_ADDON_ENV] = saved;
  });

  it(`reports ${SPARSE_ADDON_ENV}=off as the reason, and recovers when it is unset`, () => {
    process.env[SPARSE_ADDON_ENV] = 'off';
    const status = loadSparseKernels();
    expect(status).toEqual({ available: false, reason: `sparse kernels unavailable: disabled by ${SPARSE_ADDON_ENV}=off` });
    delete process.env[SPARSE_ADDON_ENV];
    expect(loadSparseKernels().available).toBe(true);
  });

  it('installs without a compiler: one warning line, exit 0, and the reason for the loader', () => {
    // A copy of the build script in its own tree, so the real addon is not touched.
    const root = tempDir('no-compiler');
    mkdirSync(join(root, 'scripts'));
    mkdirSync(join(root, 'native', 'sparse'), { recursive: true });
    copyFileSync(join(REPO_ROOT, 'scripts', 'build-native.js'), join(root, 'scripts', 'build-native.js'));
    // Only the sparse addon (the script builds each addon named, or all of them).
    const r = spawnSync(process.execPath, [join(root, 'scripts', 'build-native.js'), 'sparse'], { encoding: 'utf8', env: { PATH: '/nonexistent' } });
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(
      'edgescope: warning: sparse kernels not built (no C++ compiler found (g++ not found; install build-essential or clang)); sparse variants will be unavailable\n',
    );
    const addonDir = join(root, 'native', 'sparse');
    expect(readFileSync(join(addonDir, 'build', 'unavailable.txt'), 'utf8')).toContain('no C++ compiler found');
    expect(loadSparseKernels(addonDir)).toEqual({
      available: false,
      reason: 'sparse kernels unavailable: the native addon was not built (no C++ compiler found (g++ not found; install build-essential or clang))',
    });
  });

  it('names a build that never ran, and an addon that does not load', () => {
    const addonDir = join(tempDir('no-addon'), 'native', 'sparse');
    const status = loadSparseKernels(addonDir);
    expect(status.available).toBe(false);
    if (!status.available) expect(status.reason).toBe('sparse kernels unavailable: the native addon was not built (run npm install, or node scripts/build-native.js)');

    mkdirSync(join(addonDir, 'build', 'Release'), { recursive: true });
    writeFileSync(join(addonDir, 'build', 'Release', 'edgescope_sparse.node'), 'not a shared library');
    const broken = loadSparseKernels(addonDir);
    expect(broken.available).toBe(false);
    if (!broken.available) expect(broken.reason).toMatch(/^sparse kernels unavailable: the native addon failed to load \(.+\)$/);
  });
});
