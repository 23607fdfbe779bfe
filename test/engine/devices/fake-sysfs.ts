/**
 * A fake /sys with every device the inventory recognises and the junk a real tree has
 * around them. Built in a temporary folder rather than kept under test/fixtures: sysfs names
 * contain ':' (no Windows checkout can hold them), and the junk (a dangling link, a
 * directory where a file should be) does not survive git well.
 */
import { mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { writeTree } from '../counters/helpers';

export const PCI_IDS_FIXTURE = join(__dirname, '../../fixtures/sysfs/pci.ids');

interface UsbEntry {
  idVendor: string;
  idProduct: string;
  busnum: string;
  devnum: string;
  product?: string;
}

/** bus/usb/devices/<name>: what each stands for is in the comment beside it. */
export const FAKE_USB: Record<string, UsbEntry> = {
  usb1: { idVendor: '1d6b', idProduct: '0002', busnum: '1', devnum: '1', product: 'xHCI Host Controller' }, // root hub
  '1-1': { idVendor: '03e7', idProduct: '2485', busnum: '1', devnum: '4', product: 'Movidius MyriadX' }, // NCS2, not booted
  '1-2': { idVendor: '03e7', idProduct: 'f63b', busnum: '1', devnum: '5', product: 'VSC Loopback Device' }, // NCS2, booted
  '1-3': { idVendor: '1a6e', idProduct: '089a', busnum: '1', devnum: '6' }, // Coral before firmware (no product string)
  '1-4': { idVendor: '18d1', idProduct: '9302', busnum: '1', devnum: '7' }, // Coral after firmware
  '1-5': { idVendor: '3231', idProduct: '0720', busnum: '1', devnum: '8', product: 'Kneron KL720' },
  '1-6': { idVendor: '2109', idProduct: '2817', busnum: '1', devnum: '9', product: 'USB2.0 Hub' }, // not recognised
  '1-7': { idVendor: '03e7', idProduct: 'f63c', busnum: '1', devnum: '10', product: 'Luxonis Device' }, // OAK bootloader
  '1-8': { idVendor: 'zzzz', idProduct: '2485', busnum: '1', devnum: '11' }, // not an id
};

interface PciEntry {
  vendor: string;
  device: string;
  class: string;
  driver?: string;
  extra?: Record<string, string>;
}

export const FAKE_PCI: Record<string, PciEntry> = {
  '0000:00:00.0': { vendor: '0x8086', device: '0xa700', class: '0x060000' }, // host bridge
  '0000:00:02.0': { vendor: '0x8086', device: '0xa780', class: '0x030000', driver: 'i915' }, // Intel UHD 770
  '0000:01:00.0': { vendor: '0x10de', device: '0x2684', class: '0x030000', driver: 'nvidia' }, // RTX 4090
  '0000:01:00.1': { vendor: '0x10de', device: '0x22ba', class: '0x040300', driver: 'snd_hda_intel' }, // its HDMI audio
  '0000:02:00.0': { vendor: '0x1e60', device: '0x2864', class: '0x128000', driver: 'hailo_pci' }, // Hailo-8
  '0000:03:00.0': { vendor: '0x1002', device: '0x744c', class: '0x030000', driver: 'amdgpu', extra: { mem_info_vram_total: '25753026560' } },
  '0000:04:00.0': { vendor: '0x1a03', device: '0x2000', class: '0x030000', driver: 'ast' }, // ASPEED BMC VGA
  '0000:06:00.0': { vendor: '0x1e60', device: '0x43a2', class: '0x128000' }, // Hailo-8L, no driver bound
};

/** Writes the fake tree under root and returns root. */
export function writeFakeSysfs(root: string): string {
  const files: Record<string, string> = {};
  for (const [name, entry] of Object.entries(FAKE_USB)) {
    for (const [file, value] of Object.entries(entry)) files[`bus/usb/devices/${name}/${file}`] = `${value}\n`;
  }
  files['bus/usb/devices/1-0:1.0/bInterfaceClass'] = '09\n'; // an interface: no idVendor
  files['bus/usb/devices/1-9/idProduct'] = '2485\n';
  for (const [address, { driver: _driver, extra, ...attrs }] of Object.entries(FAKE_PCI)) {
    for (const [file, value] of Object.entries({ ...attrs, ...extra })) files[`bus/pci/devices/${address}/${file}`] = `${value}\n`;
  }
  files['bus/pci/devices/0000:05:00.0/device'] = '0x2864\n';
  const cache = 'devices/system/cpu/cpu0/cache';
  for (const [index, level, type, size] of [
    ['index0', '1', 'Data', '48K'],
    ['index1', '1', 'Instruction', '32K'],
    ['index2', '2', 'Unified', '2048K'],
    ['index3', '3', 'Unified', '36864K'],
  ]) {
    Object.assign(files, { [`${cache}/${index}/level`]: `${level}\n`, [`${cache}/${index}/type`]: `${type}\n`, [`${cache}/${index}/size`]: `${size}\n` });
  }
  files['devices/system/cpu/cpu0/cpufreq/scaling_cur_freq'] = '2400000\n';
  files['devices/system/cpu/cpu0/cpufreq/cpuinfo_max_freq'] = '5800000\n';
  writeTree(root, files);

  // Junk: unreadable where a file should be (EISDIR), and a device that went away.
  mkdirSync(join(root, 'bus/usb/devices/1-9/idVendor'));
  mkdirSync(join(root, 'bus/pci/devices/0000:05:00.0/vendor'));
  symlinkSync('../../../devices/gone/2-1', join(root, 'bus/usb/devices/2-1'));
  // Real driver links point into /sys/bus/pci/drivers; only the last component is read.
  for (const [address, { driver }] of Object.entries(FAKE_PCI)) {
    if (driver) symlinkSync(`../../../../bus/pci/drivers/${driver}`, join(root, `bus/pci/devices/${address}/driver`));
  }
  return root;
}
