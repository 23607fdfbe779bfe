import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  assembleDeviceInventory,
  collectDeviceInventory,
  findKnownDevice,
  sysfsRootFromEnv,
  type CpuDevice,
  type DeviceInventory,
  type GraphicsController,
  type InventoryParts,
} from '../../../src/main/engine/devices/inventory';
import { readPciIdNames, scanPci, scanUsb } from '../../../src/main/engine/devices/usb-pci';
import type { BackendStatus } from '../../../src/shared/report';
import { tempDir } from '../counters/helpers';
import { PCI_IDS_FIXTURE, writeFakeSysfs } from './fake-sysfs';

const sysfs = writeFakeSysfs(tempDir('sysfs'));

const CUDA_REASON = 'not bundled with this onnxruntime-node: run ONNXRUNTIME_NODE_INSTALL=cuda12 node node_modules/onnxruntime-node/script/install.js';
/** The probe as it answers on a Linux machine without the CUDA download. */
const STATUSES: BackendStatus[] = [
  { ep: 'cpu', available: true, bundled: true },
  { ep: 'webgpu', available: true, bundled: true },
  { ep: 'cuda', available: false, reason: CUDA_REASON, bundled: false },
  { ep: 'tensorrt', available: false, reason: `${CUDA_REASON} (TensorRT 10)`, bundled: false },
  { ep: 'dml', available: false, reason: 'DirectML exists only on Windows', bundled: true },
  { ep: 'coreml', available: false, reason: 'CoreML exists only on macOS', bundled: true },
];

const CPU: CpuDevice = { model: 'Test CPU', cores: 8, logicalCores: 16, arch: 'x64', caches: [], currentMhz: null, maxMhz: null };

function parts(overrides: Partial<InventoryParts> = {}): InventoryParts {
  const displayIds = scanPci(sysfs)
    .devices.filter((d) => d.classCode?.startsWith('03'))
    .map((d) => `${d.vendorId}:${d.productId}`);
  return {
    cpu: CPU,
    memoryBytes: 32 * 1024 ** 3,
    os: 'Test OS',
    platform: 'linux',
    usb: scanUsb(sysfs).devices,
    pci: scanPci(sysfs).devices,
    graphics: null,
    pciNames: readPciIdNames(displayIds, [PCI_IDS_FIXTURE]),
    backends: STATUSES,
    notes: [],
    ...overrides,
  };
}

const NCS2_REASON =
  'onnxruntime-node has no OpenVINO EP; NCS2 needs OpenVINO 2022.3 or older (MYRIAD support ended in 2023.0): run its benchmark_app and import the results';
const CORAL_REASON = 'runs only fully int8 TFLite models compiled by edgetpu_compiler; use TFLite benchmark_model and import';

describe('assembleDeviceInventory: accelerators recognised by id', () => {
  const inventory = assembleDeviceInventory(parts());

  it('finds each accelerator of the fake tree, in bus order, and nothing else', () => {
    expect(inventory.accelerators.map((a) => [a.name, a.bus, `${a.vendorId}:${a.productId}`, a.address, a.state])).toEqual([
      ['Intel NCS2 (Myriad X)', 'usb', '03e7:2485', 'bus 001 device 004 (1-1)', 'not booted (firmware not loaded)'],
      ['Intel NCS2 (Myriad X)', 'usb', '03e7:f63b', 'bus 001 device 005 (1-2)', 'booted'],
      ['Google Coral USB Accelerator', 'usb', '1a6e:089a', 'bus 001 device 006 (1-3)', 'not booted (firmware not loaded)'],
      ['Google Coral USB Accelerator', 'usb', '18d1:9302', 'bus 001 device 007 (1-4)', 'booted'],
      ['Kneron KL720', 'usb', '3231:0720', 'bus 001 device 008 (1-5)', 'connected'],
      ['Luxonis OAK (Myriad X)', 'usb', '03e7:f63c', 'bus 001 device 010 (1-7)', 'in its bootloader'],
      ['Hailo-8', 'pci', '1e60:2864', '0000:02:00.0', 'driver hailo_pci bound'],
      ['Hailo-8L', 'pci', '1e60:43a2', '0000:06:00.0', "no driver bound: install HailoRT's PCIe driver"],
    ]);
  });

  it('gives each the runtime it needs, unavailable, with the reason and what to do', () => {
    const byId = (id: string) => inventory.accelerators.find((a) => `${a.vendorId}:${a.productId}` === id)!;
    expect(byId('03e7:2485').backends).toEqual([{ ep: 'openvino', available: false, reason: NCS2_REASON, via: 'vendor' }]);
    expect(byId('03e7:f63b').backends).toEqual(byId('03e7:2485').backends);
    expect(byId('1a6e:089a').backends).toEqual([{ ep: 'edgetpu', available: false, reason: CORAL_REASON, via: 'vendor' }]);
    expect(byId('18d1:9302').backends).toEqual(byId('1a6e:089a').backends);
    expect(byId('3231:0720').backends).toEqual([
      { ep: 'kneron-plus', available: false, reason: expect.stringMatching(/^no ORT EP in onnxruntime-node; .*Kneron PLUS/), via: 'vendor' },
    ]);
    expect(byId('1e60:2864').backends).toEqual([
      { ep: 'hailort', available: false, reason: expect.stringMatching(/^no ORT EP in onnxruntime-node; .*HailoRT/), via: 'vendor' },
    ]);
    expect(byId('03e7:2485').note).toMatch(/Luxonis OAK/);
  });

  it('keeps the USB product string', () => {
    expect(inventory.accelerators[0].product).toBe('Movidius MyriadX');
    expect(inventory.accelerators[2].product).toBeNull();
  });
});

describe('findKnownDevice', () => {
  it.each([
    ['usb', '03e7', '2150', { name: 'Intel NCS (Myriad 2)', state: 'not booted (firmware not loaded)' }],
    ['usb', '03e7', 'f63d', { name: 'Luxonis OAK (Myriad X)', state: 'booted from flash' }],
    ['usb', '03e7', '1234', { name: 'Luxonis OAK (Myriad X)', state: 'connected' }],
    ['usb', '3231', '0100', { name: 'Kneron KL520', state: 'connected' }],
    ['usb', '3231', '0200', { name: 'Kneron KL720', state: 'connected (legacy KDP firmware: update it with Kneron PLUS)' }],
    ['pci', '1e60', '26a2', { name: 'Hailo-10H', driverHint: "HailoRT's PCIe driver" }],
    ['pci', '1ac1', '089a', { name: 'Google Coral M.2 / PCIe Accelerator', driverHint: 'gasket-dkms (the apex driver)' }],
  ] as const)('%s %s:%s is %o', (bus, vendorId, productId, expected) => {
    expect(findKnownDevice(bus, vendorId, productId)).toMatchObject(expected);
  });

  it('recognises nothing for ids it does not know, or on the other bus', () => {
    expect(findKnownDevice('usb', '1d6b', '0002')).toBeUndefined();
    expect(findKnownDevice('pci', '03e7', '2485')).toBeUndefined();
  });
});

describe('assembleDeviceInventory: GPUs', () => {
  it('lists PCI display controllers with names from pci.ids and the EPs their maker supports on Linux', () => {
    const { gpus } = assembleDeviceInventory(parts());
    expect(gpus.map((g) => [g.name, g.vendor, g.address, g.vramBytes, g.driver, g.source])).toEqual([
      ['Intel UHD Graphics 770', 'Intel', '0000:00:02.0', null, 'i915', 'sysfs'],
      ['NVIDIA GeForce RTX 4090', 'NVIDIA', '0000:01:00.0', null, 'nvidia', 'sysfs'],
      ['AMD GPU', 'AMD', '0000:03:00.0', 25753026560, 'amdgpu', 'sysfs'],
      ['ASPEED GPU', 'ASPEED', '0000:04:00.0', null, 'ast', 'sysfs'],
    ]);
    const nvidia = gpus[1];
    expect(nvidia.backends).toEqual([
      { ep: 'cuda', available: false, reason: CUDA_REASON, via: 'onnxruntime-node' },
      { ep: 'tensorrt', available: false, reason: `${CUDA_REASON} (TensorRT 10)`, via: 'onnxruntime-node' },
      { ep: 'webgpu', available: true, via: 'onnxruntime-node' },
    ]);
    expect(gpus[0].backends).toEqual([{ ep: 'webgpu', available: true, via: 'onnxruntime-node' }]);
    expect(gpus[3].backends).toEqual([]); // a BMC's VGA: display only
  });

  it('adds DirectML on Windows, and falls back to ids when no pci.ids is installed', () => {
    const { gpus } = assembleDeviceInventory(parts({ platform: 'win32', pciNames: new Map() }));
    expect(gpus[1].name).toBe('NVIDIA GPU');
    expect(gpus[1].backends.map((b) => b.ep)).toEqual(['cuda', 'tensorrt', 'webgpu', 'dml']);
    expect(gpus[1].backends[3]).toEqual({ ep: 'dml', available: false, reason: 'DirectML exists only on Windows', via: 'onnxruntime-node' });
    expect(gpus[2].backends.map((b) => b.ep)).toEqual(['webgpu', 'dml']);
  });

  it("takes systeminformation's graphics() controllers where sysfs is not read (Apple silicon: CoreML)", () => {
    const controllers: GraphicsController[] = [
      { vendor: 'Apple', model: 'Apple M2 Pro', vram: 0, vramDynamic: true, bus: 'Built-In' },
      { vendor: 'Advanced Micro Devices, Inc.', model: 'AMD Radeon Pro 5500M', vram: 8192, vramDynamic: false, bus: 'PCIe', vendorId: '0x1002', deviceId: '0x7340' },
    ];
    const statuses = STATUSES.map((s) => (s.ep === 'coreml' ? { ep: 'coreml', available: true, bundled: true } : s));
    const { gpus, accelerators } = assembleDeviceInventory(parts({ platform: 'darwin', usb: [], pci: [], graphics: controllers, backends: statuses }));
    expect(accelerators).toEqual([]);
    expect(gpus).toEqual([
      {
        name: 'Apple M2 Pro',
        vendor: 'Apple',
        vendorId: null,
        productId: null,
        address: 'Built-In',
        vramBytes: null,
        driver: null,
        source: 'systeminformation',
        backends: [
          { ep: 'coreml', available: true, via: 'onnxruntime-node' },
          { ep: 'webgpu', available: true, via: 'onnxruntime-node' },
        ],
      },
      {
        name: 'AMD Radeon Pro 5500M',
        vendor: 'AMD',
        vendorId: '1002',
        productId: '7340',
        address: 'PCIe',
        vramBytes: 8192 * 1024 ** 2,
        driver: null,
        source: 'systeminformation',
        backends: [{ ep: 'webgpu', available: true, via: 'onnxruntime-node' }],
      },
    ]);
  });

  it('says an EP the probe did not list was not probed', () => {
    const { gpus } = assembleDeviceInventory(parts({ backends: STATUSES.filter((s) => s.ep !== 'tensorrt') }));
    expect(gpus[1].backends[1]).toEqual({ ep: 'tensorrt', available: false, reason: "'tensorrt' was not probed", via: 'onnxruntime-node' });
  });
});

describe('the JSON shape', () => {
  it('has exactly these keys', () => {
    const inventory: DeviceInventory = JSON.parse(JSON.stringify(assembleDeviceInventory(parts())));
    expect(Object.keys(inventory)).toEqual(['cpu', 'memoryBytes', 'os', 'platform', 'gpus', 'accelerators', 'eps', 'notes']);
    expect(Object.keys(inventory.cpu)).toEqual(['model', 'cores', 'logicalCores', 'arch', 'caches', 'currentMhz', 'maxMhz']);
    expect(Object.keys(inventory.accelerators[0])).toEqual(['name', 'bus', 'vendorId', 'productId', 'address', 'product', 'state', 'note', 'backends']);
    expect(Object.keys(inventory.accelerators[2])).toEqual(['name', 'bus', 'vendorId', 'productId', 'address', 'product', 'state', 'backends']);
    expect(Object.keys(inventory.accelerators[0].backends[0])).toEqual(['ep', 'available', 'reason', 'via']);
    expect(Object.keys(inventory.gpus[0])).toEqual(['name', 'vendor', 'vendorId', 'productId', 'address', 'vramBytes', 'driver', 'source', 'backends']);
    expect(Object.keys(inventory.gpus[0].backends[0])).toEqual(['ep', 'available', 'via']);
    expect(inventory.eps).toEqual(STATUSES.map(({ ep, available, reason, bundled }) => (reason ? { name: ep, available, reason, bundled } : { name: ep, available, bundled })));
  });
});

describe('collectDeviceInventory', () => {
  it('reads a fake sysfs tree: accelerators, GPUs, caches and frequency from that tree', async () => {
    const inventory = await collectDeviceInventory({ backends: STATUSES, sysfsRoot: sysfs, platform: 'linux', pciIdsPaths: [PCI_IDS_FIXTURE] });
    expect(inventory.notes).toEqual([]);
    expect(inventory.accelerators).toHaveLength(8);
    expect(inventory.gpus.map((g) => g.name)).toContain('NVIDIA GeForce RTX 4090');
    expect(inventory.cpu.caches).toEqual([
      { level: 'L1d', bytes: 48 * 1024 },
      { level: 'L2', bytes: 2048 * 1024 },
      { level: 'L3', bytes: 36864 * 1024 },
    ]);
    expect(inventory.cpu).toMatchObject({ currentMhz: 2400, maxMhz: 5800 });
    expect(inventory.cpu.model.length).toBeGreaterThan(0);
    expect(inventory.memoryBytes).toBeGreaterThan(0);
  });

  it('scans a tree it is pointed at even on another platform, and notes a tree without buses', async () => {
    const empty = tempDir('sysfs-empty');
    const inventory = await collectDeviceInventory({ backends: STATUSES, sysfsRoot: empty, platform: 'darwin' });
    expect(inventory.accelerators).toEqual([]);
    expect(inventory.gpus).toEqual([]);
    expect(inventory.notes).toEqual([expect.stringMatching(/^USB devices not scanned/), expect.stringMatching(/^PCI devices not scanned/)]);
  });

  it('refuses a sysfs root that is not a directory', async () => {
    await expect(collectDeviceInventory({ backends: STATUSES, sysfsRoot: join(sysfs, 'missing') })).rejects.toMatchObject({ code: 'E_BAD_REQUEST' });
  });

  it('takes the root from EDGESCOPE_SYSFS_ROOT, else /sys', () => {
    expect(sysfsRootFromEnv({ EDGESCOPE_SYSFS_ROOT: sysfs })).toBe(sysfs);
    expect(sysfsRootFromEnv({ EDGESCOPE_SYSFS_ROOT: '' })).toBe('/sys');
    expect(sysfsRootFromEnv({})).toBe('/sys');
  });
});
