/**
 * Execution providers edgescope knows, by its short name, with what each needs.
 * Whether one really runs here is decided by a probe in the run worker (backends.ts).
 */
export interface KnownEp {
  /** edgescope's name and onnxruntime-node's executionProviders name. */
  name: string;
  /** The provider name onnxruntime writes in its trace. */
  provider: string;
  title: string;
  /** Platforms (process.platform) where onnxruntime-node can have it. */
  platforms: readonly NodeJS.Platform[];
  /** What to do when it is not in this onnxruntime-node build. */
  installHint: string;
}

export const KNOWN_EPS: readonly KnownEp[] = [
  { name: 'cpu', provider: 'CPUExecutionProvider', title: 'CPU', platforms: ['linux', 'darwin', 'win32'], installHint: '' },
  {
    name: 'webgpu',
    provider: 'WebGpuExecutionProvider',
    title: 'WebGPU (Vulkan / D3D12 / Metal)',
    platforms: ['linux', 'darwin', 'win32'],
    installHint: 'needs a GPU driver with Vulkan (Linux), D3D12 (Windows) or Metal (macOS)',
  },
  {
    name: 'cuda',
    provider: 'CUDAExecutionProvider',
    title: 'NVIDIA CUDA',
    platforms: ['linux', 'win32'],
    installHint: 'run ONNXRUNTIME_NODE_INSTALL=cuda12 node node_modules/onnxruntime-node/script/install.js (downloads the CUDA EP) with CUDA 12 and cuDNN 9 installed',
  },
  {
    name: 'tensorrt',
    provider: 'TensorrtExecutionProvider',
    title: 'NVIDIA TensorRT',
    platforms: ['linux', 'win32'],
    installHint: 'run ONNXRUNTIME_NODE_INSTALL=cuda12 node node_modules/onnxruntime-node/script/install.js with CUDA 12, cuDNN 9 and TensorRT 10 installed',
  },
  { name: 'dml', provider: 'DmlExecutionProvider', title: 'DirectML (Windows GPUs and NPUs)', platforms: ['win32'], installHint: 'DirectML exists only on Windows' },
  { name: 'coreml', provider: 'CoreMLExecutionProvider', title: 'CoreML (Apple GPU / Neural Engine)', platforms: ['darwin'], installHint: 'CoreML exists only on macOS' },
];

export function knownEp(name: string): KnownEp | undefined {
  return KNOWN_EPS.find((ep) => ep.name === name);
}
