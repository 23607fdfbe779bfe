import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hexId, readPciIdNames, scanPci, scanUsb } from '../../../src/main/engine/devices/usb-pci';
import { tempDir } from '../counters/helpers';
import { PCI_IDS_FIXTURE, writeFakeSysfs } from './fake-sysfs';

const sysfs = writeFakeSysfs(tempDir('sysfs'));

describe('scanUsb', () => {
  it('lists every device with readable ids and skips interfaces, bad ids, unreadable files and dangling links', () => {
    const { devices, note } = scanUsb(sysfs);
    expect(note).toBeUndefined();
    expect(devices.map((d) => `${d.address} ${d.vendorId}:${d.productId}`)).toEqual([
      '1-1 03e7:2485',
      '1-2 03e7:f63b',
      '1-3 1a6e:089a',
      '1-4 18d1:9302',
      '1-5 3231:0720',
      '1-6 2109:2817',
      '1-7 03e7:f63c',
      'usb1 1d6b:0002',
    ]);
    expect(devices[0]).toEqual({ address: '1-1', busNumber: 1, deviceNumber: 4, vendorId: '03e7', productId: '2485', product: 'Movidius MyriadX' });
    expect(devices[2].product).toBeNull();
  });

  it('gives a note, not an exception, when the bus cannot be listed', () => {
    const empty = tempDir('sysfs-empty');
    expect(scanUsb(empty)).toEqual({ devices: [], note: expect.stringMatching(/^USB devices not scanned: .*bus\/usb\/devices does not exist/) });
    writeFileSync(join(empty, 'bus'), 'not a folder\n');
    expect(scanPci(empty)).toEqual({ devices: [], note: expect.stringMatching(/^PCI devices not scanned: cannot list .* \(ENOTDIR\)$/) });
  });
});

describe('scanPci', () => {
  it('reads ids, class, bound driver and amdgpu VRAM; skips an unreadable vendor', () => {
    const { devices } = scanPci(sysfs);
    expect(devices.map((d) => [d.address, `${d.vendorId}:${d.productId}`, d.classCode, d.driver, d.vramBytes])).toEqual([
      ['0000:00:00.0', '8086:a700', '060000', null, null],
      ['0000:00:02.0', '8086:a780', '030000', 'i915', null],
      ['0000:01:00.0', '10de:2684', '030000', 'nvidia', null],
      ['0000:01:00.1', '10de:22ba', '040300', 'snd_hda_intel', null],
      ['0000:02:00.0', '1e60:2864', '128000', 'hailo_pci', null],
      ['0000:03:00.0', '1002:744c', '030000', 'amdgpu', 25753026560],
      ['0000:04:00.0', '1a03:2000', '030000', 'ast', null],
      ['0000:06:00.0', '1e60:43a2', '128000', null, null],
    ]);
  });
});

describe('hexId', () => {
  it.each([
    ['0x10DE', '10de'],
    ['03e7\n', '03e7'],
    ['zzzz', null],
    ['0x1', null],
    ['', null],
    [null, null],
  ])('%j -> %j', (text, id) => expect(hexId(text)).toBe(id));
});

describe('readPciIdNames', () => {
  it('names the wanted ids from a pci.ids file, vendor only when the device is not listed', () => {
    const names = readPciIdNames(['10de:2684', '1002:744c', '8086:a780', 'abcd:0001'], ['/nonexistent/pci.ids', PCI_IDS_FIXTURE]);
    expect(Object.fromEntries(names)).toEqual({
      '10de:2684': { vendor: 'NVIDIA Corporation', device: 'AD102 [GeForce RTX 4090]' },
      '1002:744c': { vendor: 'Advanced Micro Devices, Inc. [AMD/ATI]', device: null },
      '8086:a780': { vendor: 'Intel Corporation', device: 'Raptor Lake-S GT1 [UHD Graphics 770]' },
    });
  });

  it('is empty when no database is installed or nothing is wanted', () => {
    expect(readPciIdNames(['10de:2684'], ['/nonexistent/pci.ids']).size).toBe(0);
    expect(readPciIdNames([], [PCI_IDS_FIXTURE]).size).toBe(0);
  });
});
