/**
 * The devices edgescope recognises by id, and what could run a model on each: data only.
 * The lookups live in inventory.ts. Sources of the ids: the team's device notes
 * (counters-and-devices.md) and the vendors' own code and docs (XLink's usb_boot.h for
 * Myriad, Kneron PLUS's kp_product_id_t, lspci output of Coral and Hailo cards).
 *
 * Ids are 4 lowercase hex digits without '0x', as sysfs prints them after '0x' is dropped.
 */

/** One way to run a model on a device. */
export type BackendCandidate =
  /** An execution provider of onnxruntime-node: whether it runs here comes from the backend probe. */
  | { ep: string; via: 'onnxruntime-node'; platforms?: readonly NodeJS.Platform[] }
  /** A runtime outside onnxruntime-node: never available in edgescope; the reason says what to do instead. */
  | { ep: string; via: 'vendor'; reason: string };

export interface KnownDevice {
  bus: 'usb' | 'pci';
  vendorId: string;
  /** '*' matches any product of the vendor; an exact id always wins over '*'. */
  productId: string;
  name: string;
  /**
   * What the id itself says about the device (USB accelerators re-enumerate with another id
   * once their firmware is loaded). Absent for PCI devices: their state is whether a kernel
   * driver is bound.
   */
  state?: string;
  /** For PCI accelerators: what to install when no kernel driver is bound. */
  driverHint?: string;
  /** Something the id cannot tell apart, worth showing next to the device. */
  note?: string;
  backends: readonly BackendCandidate[];
}

/** A runtime outside onnxruntime-node: unavailable in edgescope, for the reason given. */
const vendor = (ep: string, reason: string): BackendCandidate => ({ ep, via: 'vendor', reason });

const OPENVINO_NCS2 = vendor(
  'openvino',
  'onnxruntime-node has no OpenVINO EP; NCS2 needs OpenVINO 2022.3 or older (MYRIAD support ended in 2023.0): run its benchmark_app and import the results',
);
const OPENVINO_NCS = vendor(
  'openvino',
  'onnxruntime-node has no OpenVINO EP; the NCS (Myriad 2) needs OpenVINO 2020.3 or older (its support ended in 2020.4): run its benchmark_app and import the results',
);
const DEPTHAI = vendor(
  'openvino',
  'onnxruntime-node has no OpenVINO EP; an OAK runs OpenVINO blobs through the Luxonis depthai SDK: time the model there and import the results',
);
const EDGETPU = vendor('edgetpu', 'runs only fully int8 TFLite models compiled by edgetpu_compiler; use TFLite benchmark_model and import');
const KNERON_PLUS = vendor(
  'kneron-plus',
  'no ORT EP in onnxruntime-node; Kneron devices run NEF models built by the Kneron toolchain through the Kneron PLUS SDK: time the model there and import the results',
);
const HAILORT = vendor(
  'hailort',
  'no ORT EP in onnxruntime-node; Hailo devices run HEF models compiled by the Hailo Dataflow Compiler through HailoRT: use hailortcli benchmark and import the results',
);

const NOT_BOOTED = 'not booted (firmware not loaded)';

export const KNOWN_DEVICES: readonly KnownDevice[] = [
  { bus: 'usb', vendorId: '03e7', productId: '2150', name: 'Intel NCS (Myriad 2)', state: NOT_BOOTED, backends: [OPENVINO_NCS] },
  { bus: 'usb', vendorId: '03e7', productId: '2485', name: 'Intel NCS2 (Myriad X)', state: NOT_BOOTED, note: 'a Luxonis OAK (also Myriad X) has the same id before boot', backends: [OPENVINO_NCS2] },
  { bus: 'usb', vendorId: '03e7', productId: 'f63b', name: 'Intel NCS2 (Myriad X)', state: 'booted', note: 'any booted Myriad (NCS, NCS2, OAK) enumerates as 03e7:f63b', backends: [OPENVINO_NCS2] },
  { bus: 'usb', vendorId: '03e7', productId: 'f63c', name: 'Luxonis OAK (Myriad X)', state: 'in its bootloader', backends: [DEPTHAI] },
  { bus: 'usb', vendorId: '03e7', productId: 'f63d', name: 'Luxonis OAK (Myriad X)', state: 'booted from flash', backends: [DEPTHAI] },
  { bus: 'usb', vendorId: '03e7', productId: '*', name: 'Luxonis OAK (Myriad X)', state: 'connected', backends: [DEPTHAI] },
  { bus: 'usb', vendorId: '1a6e', productId: '089a', name: 'Google Coral USB Accelerator', state: NOT_BOOTED, backends: [EDGETPU] },
  { bus: 'usb', vendorId: '18d1', productId: '9302', name: 'Google Coral USB Accelerator', state: 'booted', backends: [EDGETPU] },
  { bus: 'pci', vendorId: '1ac1', productId: '089a', name: 'Google Coral M.2 / PCIe Accelerator', driverHint: 'gasket-dkms (the apex driver)', backends: [EDGETPU] },
  { bus: 'usb', vendorId: '3231', productId: '0100', name: 'Kneron KL520', state: 'connected', backends: [KNERON_PLUS] },
  { bus: 'usb', vendorId: '3231', productId: '0200', name: 'Kneron KL720', state: 'connected (legacy KDP firmware: update it with Kneron PLUS)', backends: [KNERON_PLUS] },
  { bus: 'usb', vendorId: '3231', productId: '0720', name: 'Kneron KL720', state: 'connected', backends: [KNERON_PLUS] },
  { bus: 'pci', vendorId: '1e60', productId: '2864', name: 'Hailo-8', driverHint: "HailoRT's PCIe driver", backends: [HAILORT] },
  { bus: 'pci', vendorId: '1e60', productId: '43a2', name: 'Hailo-8L', driverHint: "HailoRT's PCIe driver", backends: [HAILORT] },
  { bus: 'pci', vendorId: '1e60', productId: '26a2', name: 'Hailo-10H', driverHint: "HailoRT's PCIe driver", backends: [HAILORT] },
];

/** A GPU maker: how to spot it (PCI vendor id, or the vendor string systeminformation reports) and the EPs that could drive its GPUs. */
export interface GpuVendor {
  vendorId: string;
  name: string;
  /** Matches systeminformation graphics()' vendor string on macOS and Windows. */
  vendorPattern: RegExp;
  backends: readonly BackendCandidate[];
}

const ort = (ep: string, platforms?: readonly NodeJS.Platform[]): BackendCandidate =>
  platforms ? { ep, via: 'onnxruntime-node', platforms } : { ep, via: 'onnxruntime-node' };

/** DirectML drives any D3D12 GPU, but exists only on Windows. */
const DML = ort('dml', ['win32']);

export const GPU_VENDORS: readonly GpuVendor[] = [
  { vendorId: '10de', name: 'NVIDIA', vendorPattern: /nvidia/i, backends: [ort('cuda'), ort('tensorrt'), ort('webgpu'), DML] },
  { vendorId: '1002', name: 'AMD', vendorPattern: /\bamd\b|advanced micro devices|\bati\b/i, backends: [ort('webgpu'), DML] },
  { vendorId: '8086', name: 'Intel', vendorPattern: /intel/i, backends: [ort('webgpu'), DML] },
  { vendorId: '106b', name: 'Apple', vendorPattern: /apple/i, backends: [ort('coreml', ['darwin']), ort('webgpu')] },
  // Display-only controllers (server BMCs, emulated VGA): no compute API any EP could use.
  { vendorId: '1a03', name: 'ASPEED', vendorPattern: /aspeed/i, backends: [] },
  { vendorId: '102b', name: 'Matrox', vendorPattern: /matrox/i, backends: [] },
  { vendorId: '1013', name: 'Cirrus Logic', vendorPattern: /cirrus/i, backends: [] },
  { vendorId: '1234', name: 'QEMU', vendorPattern: /qemu|bochs/i, backends: [] },
];

/** A GPU from a maker not in GPU_VENDORS: WebGPU is the only EP that might reach it (through Vulkan, D3D12 or Metal). */
export const UNKNOWN_GPU_BACKENDS: readonly BackendCandidate[] = [ort('webgpu'), DML];

/** PCI base class 0x03: display controllers (VGA 0x0300, XGA 0x0301, 3D 0x0302, other 0x0380). */
export const PCI_DISPLAY_CLASS_PREFIX = '03';
