/**
 * `edgescope devices` as a user runs it: `node bin/edgescope.js devices ...` in a child
 * process, against a fake sysfs tree (EDGESCOPE_SYSFS_ROOT) and against this machine's /sys.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { DeviceInventory } from '../../src/main/engine/devices/inventory';
import { writeFakeSysfs } from '../engine/devices/fake-sysfs';
import { REPO_ROOT, tempDir } from '../helpers';

const dir = tempDir();
const sysfs = writeFakeSysfs(join(dir, 'sysfs'));

function cli(args: string[], env: Record<string, string> = {}) {
  const result = spawnSync(process.execPath, [join(REPO_ROOT, 'bin/edgescope.js'), ...args], {
    encoding: 'utf8',
    env: { ...process.env, EDGESCOPE_CACHE_DIR: join(dir, 'cache'), EDGESCOPE_SYSFS_ROOT: '', ...env },
    timeout: 120_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('edgescope devices', () => {
  it('--json against a fake sysfs tree: the accelerators and GPUs in it, each EP with the probe verdict', () => {
    const r = cli(['devices', '--json'], { EDGESCOPE_SYSFS_ROOT: sysfs });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const inv = JSON.parse(r.stdout) as DeviceInventory;
    expect(Object.keys(inv)).toEqual(expect.arrayContaining(['cpu', 'memoryBytes', 'gpus', 'accelerators', 'eps']));
    expect(inv.accelerators.map((a) => `${a.bus} ${a.vendorId}:${a.productId} ${a.state}`)).toEqual([
      'usb 03e7:2485 not booted (firmware not loaded)',
      'usb 03e7:f63b booted',
      'usb 1a6e:089a not booted (firmware not loaded)',
      'usb 18d1:9302 booted',
      'usb 3231:0720 connected',
      'usb 03e7:f63c in its bootloader',
      'pci 1e60:2864 driver hailo_pci bound',
      "pci 1e60:43a2 no driver bound: install HailoRT's PCIe driver",
    ]);
    expect(inv.accelerators[0]).toMatchObject({
      name: 'Intel NCS2 (Myriad X)',
      backends: [{ ep: 'openvino', available: false, reason: expect.stringContaining('onnxruntime-node has no OpenVINO EP') }],
    });
    expect(inv.cpu).toMatchObject({ currentMhz: 2400, maxMhz: 5800, caches: [{ level: 'L1d', bytes: 48 * 1024 }, { level: 'L2' }, { level: 'L3' }] });

    // The GPUs' EPs carry this machine's probe: cuda is not in the default onnxruntime-node download.
    const nvidia = inv.gpus.find((g) => g.vendorId === '10de')!;
    expect(nvidia.backends.map((b) => b.ep)).toEqual(['cuda', 'tensorrt', 'webgpu']);
    const cudaEp = inv.eps.find((e) => e.name === 'cuda')!;
    expect(nvidia.backends[0]).toEqual({ ep: 'cuda', available: cudaEp.available, ...(cudaEp.reason ? { reason: cudaEp.reason } : {}), via: 'onnxruntime-node' });
    if (!cudaEp.available) expect(cudaEp.reason).toMatch(/ONNXRUNTIME_NODE_INSTALL=cuda12|CUDA/);
    expect(inv.gpus.map((g) => g.vendor)).toEqual(['Intel', 'NVIDIA', 'AMD', 'ASPEED']);
  });

  it('--json against this machine: CPU and memory, every EP available or with a reason', () => {
    const r = cli(['devices', '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const inv = JSON.parse(r.stdout) as DeviceInventory;
    expect(inv.cpu.model.length).toBeGreaterThan(0);
    expect(inv.cpu.cores).toBeGreaterThan(0);
    expect(inv.memoryBytes).toBeGreaterThan(0);
    expect(Array.isArray(inv.gpus)).toBe(true);
    expect(Array.isArray(inv.accelerators)).toBe(true);
    expect(inv.eps.map((e) => e.name)).toEqual(['cpu', 'webgpu', 'cuda', 'tensorrt', 'dml', 'coreml']);
    expect(inv.eps[0]).toEqual({ name: 'cpu', available: true, bundled: true });
    for (const ep of inv.eps) expect(ep.available || (ep.reason ?? '').length > 0).toBe(true);
  });

  it('prints a readable summary without --json', () => {
    const r = cli(['devices'], { EDGESCOPE_SYSFS_ROOT: sysfs });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^cpu {6}.+, 2\.40 GHz, max 5\.80 GHz$/m);
    expect(r.stdout).toMatch(/^ {2}Intel NCS2 \(Myriad X\) \[usb 03e7:2485, bus 001 device 004 \(1-1\)\]: not booted \(firmware not loaded\)$/m);
    expect(r.stdout).toMatch(/^ {4}openvino {2}no {3}onnxruntime-node has no OpenVINO EP/m);
    expect(r.stdout).toMatch(/^ {4}cuda {6}(yes|no )/m);
    expect(r.stdout).toMatch(/^cpu +yes$/m);
  });

  it.each([
    [['devices', '--bogus'], /^edgescope: error: devices: Unknown option '--bogus'\n$/],
    [['devices', '--runs', '5'], /^edgescope: error: devices: Unknown option '--runs'\n$/],
    [['devices', 'extra'], /^edgescope: error: devices takes no arguments, got 'extra'\n$/],
  ])('%j: one line on stderr, exit 2', (args, message) => {
    const r = cli(args);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(message);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('refuses an EDGESCOPE_SYSFS_ROOT that is not a directory', () => {
    const r = cli(['devices', '--json'], { EDGESCOPE_SYSFS_ROOT: join(dir, 'nowhere') });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`edgescope: error: EDGESCOPE_SYSFS_ROOT is not a directory: ${join(dir, 'nowhere')}\n`);
  });
});
