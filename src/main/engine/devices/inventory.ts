/**
 * The device inventory behind `edgescope devices`: CPU, memory, GPUs and the accelerators
 * recognised by id, each with the execution providers that could drive it and whether this
 * onnxruntime-node can (from the backend probe, passed in, so this module never loads ORT).
 *
 * Where each part comes from:
 * - CPU and memory: machineInventory() (systeminformation, once) and, under a sysfs root other
 *   than /sys, that tree's caches; frequency from cpu0/cpufreq under the sysfs root, else
 *   os.cpus()' speed.
 * - USB and PCI devices: sysfs (usb-pci.ts) on Linux, or wherever EDGESCOPE_SYSFS_ROOT points.
 * - GPUs on Linux: PCI display controllers from sysfs, named from pci.ids when installed.
 *   systeminformation's graphics() is not called there: it spawns lspci and nvidia-smi
 *   synchronously, which costs more than the rest of the inventory together, and sysfs already
 *   has the ids. Only when /sys has no PCI bus at all (WSL2, some containers) is it asked.
 *   On macOS and Windows graphics() is called exactly once.
 */
import { statSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import si, { type Systeminformation } from 'systeminformation';
import { EdgescopeError } from '../../../shared/errors';
import type { BackendStatus } from '../../../shared/report';
import { machineInventory, readLinuxCaches } from '../machine/machine-info';
import {
  GPU_VENDORS,
  KNOWN_DEVICES,
  PCI_DISPLAY_CLASS_PREFIX,
  UNKNOWN_GPU_BACKENDS,
  type BackendCandidate,
  type GpuVendor,
  type KnownDevice,
} from './known-devices';
import { hexId, readAttr, readPciIdNames, scanPci, scanUsb, type PciDevice, type PciIdNames, type UsbDevice } from './usb-pci';

export const DEFAULT_SYSFS_ROOT = '/sys';

/** One way to run models on a device, and whether it works here. */
// The inventory's types are the API contract's (src/shared/devices.ts): the app receives this JSON as is.
import type { AcceleratorDevice, CpuDevice, DeviceBackend, DeviceInventory, EpStatus, GpuDevice } from '../../../shared/devices';
export type { AcceleratorDevice, CpuDevice, DeviceBackend, DeviceInventory, EpStatus, GpuDevice };

/** systeminformation's graphics() controller, the fields used here. */
export type GraphicsController = Pick<Systeminformation.GraphicsControllerData, 'vendor' | 'model' | 'vram' | 'vramDynamic' | 'bus'> &
  Partial<Pick<Systeminformation.GraphicsControllerData, 'vendorId' | 'deviceId' | 'busAddress' | 'name'>>;

export interface InventoryParts {
  cpu: CpuDevice;
  memoryBytes: number;
  os: string;
  platform: NodeJS.Platform;
  usb: UsbDevice[];
  pci: PciDevice[];
  /** graphics()' controllers where it was called, else null. */
  graphics: GraphicsController[] | null;
  /** pci.ids names by 'vvvv:dddd', for the sysfs GPUs. */
  pciNames: ReadonlyMap<string, PciIdNames>;
  backends: readonly BackendStatus[];
  notes: string[];
}

function resolveBackends(candidates: readonly BackendCandidate[], statuses: readonly BackendStatus[], platform: NodeJS.Platform): DeviceBackend[] {
  const out: DeviceBackend[] = [];
  for (const c of candidates) {
    if (c.via === 'vendor') {
      out.push({ ep: c.ep, available: false, reason: c.reason, via: c.via });
      continue;
    }
    if (c.platforms && !c.platforms.includes(platform)) continue;
    const status = statuses.find((s) => s.ep === c.ep);
    if (status?.available) out.push({ ep: c.ep, available: true, via: c.via });
    else out.push({ ep: c.ep, available: false, reason: status ? (status.reason ?? 'unavailable') : `'${c.ep}' was not probed`, via: c.via });
  }
  return out;
}

/** The table entry for an id: an exact product id wins over the vendor's '*'. */
export function findKnownDevice(bus: 'usb' | 'pci', vendorId: string, productId: string): KnownDevice | undefined {
  const ofVendor = KNOWN_DEVICES.filter((d) => d.bus === bus && d.vendorId === vendorId);
  return ofVendor.find((d) => d.productId === productId) ?? ofVendor.find((d) => d.productId === '*');
}

function usbAddress(d: UsbDevice): string {
  const pad = (n: number) => String(n).padStart(3, '0');
  return d.busNumber !== null && d.deviceNumber !== null ? `bus ${pad(d.busNumber)} device ${pad(d.deviceNumber)} (${d.address})` : d.address;
}

function accelerator(
  known: KnownDevice,
  found: { bus: 'usb' | 'pci'; vendorId: string; productId: string; address: string; product: string | null; state: string },
  backends: DeviceBackend[],
): AcceleratorDevice {
  return { name: known.name, ...found, ...(known.note ? { note: known.note } : {}), backends };
}

function pciState(known: KnownDevice, driver: string | null): string {
  if (driver) return `driver ${driver} bound`;
  return `no driver bound${known.driverHint ? `: install ${known.driverHint}` : ''}`;
}

function gpuVendor(vendorId: string | null, vendorText: string): GpuVendor | undefined {
  return GPU_VENDORS.find((v) => v.vendorId === vendorId) ?? GPU_VENDORS.find((v) => v.vendorPattern.test(vendorText));
}

/** 'AD102 [GeForce RTX 4090]' -> 'GeForce RTX 4090': the bracket holds the marketing name. */
function marketingName(device: string): string {
  const bracket = /\[([^\]]+)\]\s*$/.exec(device);
  return bracket ? bracket[1] : device;
}

function sysfsGpu(d: PciDevice, names: ReadonlyMap<string, PciIdNames>, statuses: readonly BackendStatus[], platform: NodeJS.Platform): GpuDevice {
  const vendor = gpuVendor(d.vendorId, '');
  const id = `${d.vendorId}:${d.productId}`;
  const known = names.get(id);
  const vendorName = vendor?.name ?? known?.vendor ?? `vendor ${d.vendorId}`;
  const name = known?.device ? `${vendorName} ${marketingName(known.device)}` : `${vendorName} GPU`;
  return {
    name,
    vendor: vendorName,
    vendorId: d.vendorId,
    productId: d.productId,
    address: d.address,
    vramBytes: d.vramBytes,
    driver: d.driver,
    source: 'sysfs',
    backends: resolveBackends(vendor?.backends ?? UNKNOWN_GPU_BACKENDS, statuses, platform),
  };
}

function reportedGpu(c: GraphicsController, statuses: readonly BackendStatus[], platform: NodeJS.Platform): GpuDevice {
  const vendorId = hexId(c.vendorId ?? null);
  const vendor = gpuVendor(vendorId, c.vendor ?? '');
  return {
    name: (c.model || c.name || 'unnamed GPU').trim(),
    vendor: vendor?.name ?? (c.vendor || 'unknown'),
    vendorId,
    productId: hexId(c.deviceId ?? null),
    address: c.busAddress || c.bus || null,
    // systeminformation reports MB; a dynamic (shared, unified) size is not the GPU's own.
    vramBytes: c.vram && !c.vramDynamic ? c.vram * 1024 * 1024 : null,
    driver: null,
    source: 'systeminformation',
    backends: resolveBackends(vendor?.backends ?? UNKNOWN_GPU_BACKENDS, statuses, platform),
  };
}

/** Assemble the inventory from what was read: pure, so tests give it fake parts and fake probe results. */
export function assembleDeviceInventory(parts: InventoryParts): DeviceInventory {
  const { backends: statuses, platform } = parts;
  const accelerators: AcceleratorDevice[] = [];
  for (const d of parts.usb) {
    const known = findKnownDevice('usb', d.vendorId, d.productId);
    if (!known) continue;
    accelerators.push(
      accelerator(
        known,
        { bus: 'usb', vendorId: d.vendorId, productId: d.productId, address: usbAddress(d), product: d.product, state: known.state ?? 'connected' },
        resolveBackends(known.backends, statuses, platform),
      ),
    );
  }
  const gpus: GpuDevice[] = [];
  for (const d of parts.pci) {
    const known = findKnownDevice('pci', d.vendorId, d.productId);
    if (known) {
      accelerators.push(
        accelerator(
          known,
          { bus: 'pci', vendorId: d.vendorId, productId: d.productId, address: d.address, product: null, state: pciState(known, d.driver) },
          resolveBackends(known.backends, statuses, platform),
        ),
      );
    } else if (d.classCode?.startsWith(PCI_DISPLAY_CLASS_PREFIX)) {
      gpus.push(sysfsGpu(d, parts.pciNames, statuses, platform));
    }
  }
  for (const c of parts.graphics ?? []) gpus.push(reportedGpu(c, statuses, platform));
  return {
    cpu: parts.cpu,
    memoryBytes: parts.memoryBytes,
    os: parts.os,
    platform,
    gpus,
    accelerators,
    eps: statuses.map((s) => ({ name: s.ep, available: s.available, ...(s.available ? {} : { reason: s.reason ?? 'unavailable' }), bundled: s.bundled })),
    notes: parts.notes,
  };
}

/** kHz in a cpufreq file -> MHz. */
function cpufreqMhz(dir: string, file: string): number | null {
  const text = readAttr(dir, file);
  return text !== null && /^\d+$/.test(text) && Number(text) > 0 ? Math.round(Number(text) / 1000) : null;
}

/** cpu0's current and maximum frequency from sysfs; os.cpus()' speed when sysfs has no cpufreq (it is 0 on many VMs). */
export function readCpuFrequencyMhz(sysfsRoot: string): { currentMhz: number | null; maxMhz: number | null } {
  const dir = join(sysfsRoot, 'devices/system/cpu/cpu0/cpufreq');
  const speed = cpus()[0]?.speed ?? 0;
  return { currentMhz: cpufreqMhz(dir, 'scaling_cur_freq') ?? (speed > 0 ? speed : null), maxMhz: cpufreqMhz(dir, 'cpuinfo_max_freq') };
}

/** The sysfs root: EDGESCOPE_SYSFS_ROOT when set (tests point it at fake trees), else /sys. */
export function sysfsRootFromEnv(env: NodeJS.ProcessEnv = process.env): string {
  return env.EDGESCOPE_SYSFS_ROOT || DEFAULT_SYSFS_ROOT;
}

export interface CollectOptions {
  /** The backend probe's result (probeBackends). */
  backends: readonly BackendStatus[];
  sysfsRoot?: string;
  platform?: NodeJS.Platform;
  /** Where to look for pci.ids (tests). */
  pciIdsPaths?: readonly string[];
}

/** Read this machine (or the given sysfs tree) and assemble the inventory. */
export async function collectDeviceInventory(options: CollectOptions): Promise<DeviceInventory> {
  const sysfsRoot = options.sysfsRoot ?? sysfsRootFromEnv();
  const platform = options.platform ?? process.platform;
  const customRoot = sysfsRoot !== DEFAULT_SYSFS_ROOT;
  if (customRoot && !isDirectory(sysfsRoot)) {
    throw new EdgescopeError('E_BAD_REQUEST', `EDGESCOPE_SYSFS_ROOT is not a directory: ${sysfsRoot}`);
  }
  const machine = await machineInventory();
  const notes: string[] = [];
  const readSysfs = platform === 'linux' || customRoot;
  let usb: UsbDevice[] = [];
  let pci: PciDevice[] = [];
  let graphics: GraphicsController[] | null = null;
  if (readSysfs) {
    const usbScan = scanUsb(sysfsRoot);
    const pciScan = scanPci(sysfsRoot);
    usb = usbScan.devices;
    pci = pciScan.devices;
    for (const note of [usbScan.note, pciScan.note]) if (note) notes.push(note);
    if (pciScan.note && !customRoot) graphics = await graphicsOnce(notes);
  } else {
    notes.push(`USB and PCI accelerators are recognised from Linux sysfs only; not scanned on ${platform}`);
    graphics = await graphicsOnce(notes);
  }
  const displayIds = pci.filter((d) => d.classCode?.startsWith(PCI_DISPLAY_CLASS_PREFIX)).map((d) => `${d.vendorId}:${d.productId}`);
  const frequency = readSysfs ? readCpuFrequencyMhz(sysfsRoot) : { currentMhz: cpus()[0]?.speed || null, maxMhz: null };
  return assembleDeviceInventory({
    cpu: {
      model: machine.cpu,
      cores: machine.cores,
      logicalCores: machine.logicalCores,
      arch: machine.arch,
      // machineInventory() read /sys itself; a fake tree's caches are that tree's.
      caches: customRoot ? readLinuxCaches(sysfsRoot) : machine.caches,
      ...frequency,
    },
    memoryBytes: machine.memoryBytes,
    os: machine.os,
    platform,
    usb,
    pci,
    graphics,
    pciNames: readPciIdNames(displayIds, options.pciIdsPaths),
    backends: options.backends,
    notes,
  });
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** graphics() spawns tools synchronously: called at most once per inventory. */
async function graphicsOnce(notes: string[]): Promise<GraphicsController[]> {
  try {
    return (await si.graphics()).controllers;
  } catch (err) {
    notes.push(`GPUs not listed: systeminformation graphics() failed (${(err as Error).message})`);
    return [];
  }
}
