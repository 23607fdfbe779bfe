/**
 * USB and PCI devices as Linux's sysfs lists them, read from a root folder (/sys, or a
 * fake tree in tests). Pure reads: nothing is spawned, nothing needs privileges.
 *
 * Invariant: a scan never throws. An entry whose files cannot be read (a dangling link, a
 * directory where a file should be, an id that is not 4 hex digits) is skipped; a bus folder
 * that cannot be listed yields no devices and a note saying why.
 */
import { readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { basename, join } from 'node:path';

export interface UsbDevice {
  /** sysfs name: '1-1.2' (bus 1, port 1, port 2). */
  address: string;
  busNumber: number | null;
  deviceNumber: number | null;
  vendorId: string;
  productId: string;
  /** The product string the device reports, if any. */
  product: string | null;
}

export interface PciDevice {
  /** Domain:bus:slot.function, '0000:01:00.0'. */
  address: string;
  vendorId: string;
  /** The PCI device id. */
  productId: string;
  /** Class code as 6 hex digits, '030000' (base class, subclass, programming interface). */
  classCode: string | null;
  /** The bound kernel driver's name, or null when none is bound. */
  driver: string | null;
  /** Video memory as amdgpu reports it (mem_info_vram_total); other drivers do not say. */
  vramBytes: number | null;
}

export interface BusScan<T> {
  devices: T[];
  /** Why the bus could not be listed; absent when it was. */
  note?: string;
}

/** One sysfs attribute, trimmed; null when it cannot be read. */
export function readAttr(dir: string, name: string): string | null {
  try {
    return readFileSync(join(dir, name), 'utf8').trim();
  } catch {
    return null;
  }
}

/** '0x10DE' or '10de' -> '10de'; anything but 4 hex digits -> null. */
export function hexId(text: string | null): string | null {
  const id = text?.trim().toLowerCase().replace(/^0x/, '');
  return id !== undefined && /^[0-9a-f]{4}$/.test(id) ? id : null;
}

function decimal(text: string | null): number | null {
  return text !== null && /^\d+$/.test(text) ? Number(text) : null;
}

/**
 * Every entry of <sysfsRoot>/bus/<bus>/devices whose two id files read as 4 hex digits,
 * turned into a device by `read`; the rest are skipped.
 */
function scanBus<T>(
  sysfsRoot: string,
  bus: 'usb' | 'pci',
  [vendorFile, productFile]: readonly [string, string],
  read: (dir: string, address: string, vendorId: string, productId: string) => T,
): BusScan<T> {
  const busDir = join(sysfsRoot, 'bus', bus, 'devices');
  let entries: string[];
  try {
    entries = readdirSync(busDir).sort();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    const why = code === 'ENOENT' ? `${busDir} does not exist (no ${bus.toUpperCase()} controller, or sysfs is not mounted)` : `cannot list ${busDir} (${code})`;
    return { devices: [], note: `${bus.toUpperCase()} devices not scanned: ${why}` };
  }
  const devices: T[] = [];
  for (const entry of entries) {
    const dir = join(busDir, entry);
    const vendorId = hexId(readAttr(dir, vendorFile));
    const productId = hexId(readAttr(dir, productFile));
    if (vendorId && productId) devices.push(read(dir, entry, vendorId, productId));
  }
  return { devices };
}

/**
 * Every USB device with a readable vendor and product id. Interfaces ('1-1:1.0') have no
 * idVendor and drop out here; root hubs (vendor 1d6b) stay, and are simply not recognised.
 */
export function scanUsb(sysfsRoot: string): BusScan<UsbDevice> {
  return scanBus(sysfsRoot, 'usb', ['idVendor', 'idProduct'], (dir, address, vendorId, productId) => ({
    address,
    busNumber: decimal(readAttr(dir, 'busnum')),
    deviceNumber: decimal(readAttr(dir, 'devnum')),
    vendorId,
    productId,
    product: readAttr(dir, 'product') || null,
  }));
}

function boundDriver(dir: string): string | null {
  try {
    return basename(readlinkSync(join(dir, 'driver')));
  } catch {
    return null;
  }
}

/** Every PCI function with a readable vendor and device id. */
export function scanPci(sysfsRoot: string): BusScan<PciDevice> {
  return scanBus(sysfsRoot, 'pci', ['vendor', 'device'], (dir, address, vendorId, productId) => {
    const classCode = readAttr(dir, 'class')?.toLowerCase().replace(/^0x/, '') ?? null;
    return {
      address,
      vendorId,
      productId,
      classCode: classCode !== null && /^[0-9a-f]{6}$/.test(classCode) ? classCode : null,
      driver: boundDriver(dir),
      vramBytes: decimal(readAttr(dir, 'mem_info_vram_total')),
    };
  });
}

/** Where distributions install pciutils' id database (Debian, Fedora/Arch, others). */
export const PCI_IDS_PATHS = ['/usr/share/misc/pci.ids', '/usr/share/hwdata/pci.ids', '/usr/share/pci.ids'];

export interface PciIdNames {
  vendor: string;
  device: string | null;
}

/**
 * Names of the wanted 'vvvv:dddd' ids from a pci.ids file: the first of `paths` that can be
 * read. About 1.5 MB of text parsed once, and only when a GPU was found; an empty map when
 * no database is installed (names then fall back to the ids).
 */
export function readPciIdNames(wanted: readonly string[], paths: readonly string[] = PCI_IDS_PATHS): Map<string, PciIdNames> {
  const names = new Map<string, PciIdNames>();
  if (wanted.length === 0) return names;
  let text: string | null = null;
  for (const path of paths) {
    try {
      text = readFileSync(path, 'utf8');
      break;
    } catch {
      // Not installed here: try the next place.
    }
  }
  if (text === null) return names;
  const vendors = new Set(wanted.map((id) => id.slice(0, 4)));
  let vendor: { id: string; name: string } | null = null;
  for (const line of text.split('\n')) {
    if (line.startsWith('#') || line.length === 0) continue;
    if (line.startsWith('C ')) break; // the device classes follow the vendors
    const v = /^([0-9a-f]{4})\s+(.+)$/.exec(line);
    if (v) {
      vendor = vendors.has(v[1]) ? { id: v[1], name: v[2].trim() } : null;
      if (vendor) for (const id of wanted) if (id.startsWith(`${vendor.id}:`)) names.set(id, { vendor: vendor.name, device: null });
      continue;
    }
    const d = vendor && /^\t([0-9a-f]{4})\s+(.+)$/.exec(line);
    if (d && vendor && names.has(`${vendor.id}:${d[1]}`)) names.set(`${vendor.id}:${d[1]}`, { vendor: vendor.name, device: d[2].trim() });
  }
  return names;
}
