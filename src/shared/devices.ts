/**
 * The device inventory as it crosses the API (`listDevices`), the same JSON `edgescope devices --json`
 * prints. The engine builds it in src/main/engine/devices/inventory.ts with these types.
 */
import type { CacheInfo } from './report';

/** The values of Node's process.platform. */
export type OsPlatform = 'aix' | 'android' | 'darwin' | 'freebsd' | 'haiku' | 'linux' | 'openbsd' | 'sunos' | 'win32' | 'cygwin' | 'netbsd';

/** One way to run models on a device, and whether it works here. */
export interface DeviceBackend {
  ep: string;
  available: boolean;
  /** Why not, and what to do; present exactly when available is false. */
  reason?: string;
  /** 'onnxruntime-node': an EP of this runtime (probed); 'vendor': a runtime edgescope cannot drive. */
  via: 'onnxruntime-node' | 'vendor';
}

export interface CpuDevice {
  model: string;
  /** Physical cores. */
  cores: number;
  logicalCores: number;
  arch: string;
  caches: CacheInfo[];
  /** cpu0's current frequency, MHz; null when the OS does not say. */
  currentMhz: number | null;
  /** cpu0's maximum frequency, MHz; null when the OS does not say. */
  maxMhz: number | null;
}

export interface GpuDevice {
  name: string;
  vendor: string;
  vendorId: string | null;
  productId: string | null;
  /** PCI address ('0000:01:00.0') or what systeminformation calls the bus; null when unknown. */
  address: string | null;
  vramBytes: number | null;
  /** The bound kernel driver (sysfs only). */
  driver: string | null;
  source: 'sysfs' | 'systeminformation';
  backends: DeviceBackend[];
}

export interface AcceleratorDevice {
  name: string;
  bus: 'usb' | 'pci';
  vendorId: string;
  productId: string;
  /** 'booted', 'not booted (firmware not loaded)', 'driver hailo_pci bound', ... */
  state: string;
  /** USB: 'bus 001 device 004 (1-1.2)'; PCI: '0000:03:00.0'. */
  address: string;
  /** The product string a USB device reports. */
  product: string | null;
  note?: string;
  backends: DeviceBackend[];
}

/** An execution provider of this onnxruntime-node build, from the backend probe. */
export interface EpStatus {
  name: string;
  available: boolean;
  reason?: string;
  /** Shipped inside this onnxruntime-node build. */
  bundled: boolean;
}

export interface DeviceInventory {
  cpu: CpuDevice;
  memoryBytes: number;
  os: string;
  platform: OsPlatform;
  gpus: GpuDevice[];
  accelerators: AcceleratorDevice[];
  eps: EpStatus[];
  /** What was not looked at, and why (a bus that could not be listed, a platform without sysfs). */
  notes: string[];
}
