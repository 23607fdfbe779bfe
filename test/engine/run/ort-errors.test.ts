import { describe, expect, it } from 'vitest';
import { condenseOrtError } from '../../../src/main/engine/run/ort-errors';

describe('condensing onnxruntime errors', () => {
  it('keeps the explanation of a failed ORT_ENFORCE without paths or signatures', () => {
    // Recorded from onnxruntime-node 1.30 creating a WebGPU session on a machine without a GPU.
    const raw =
      '/onnxruntime_src/onnxruntime/core/providers/webgpu/webgpu_context.cc:136 onnxruntime::webgpu::WebGpuContext::Initialize(const onnxruntime::webgpu::WebGpuContextConfig&)::<lambda()> adapter_result.status == wgpu::RequestAdapterStatus::Success was false. Failed to get a WebGPU adapter: No supported adapters\n';
    expect(condenseOrtError(new Error(raw))).toBe('Failed to get a WebGPU adapter: No supported adapters');
  });

  it('keeps a plain message on one line', () => {
    expect(condenseOrtError(new Error('Load model failed:\n  bad   thing'))).toBe('Load model failed: bad thing');
    expect(condenseOrtError('no available backend found. ERR: [foo] backend not found.')).toBe('no available backend found. ERR: [foo] backend not found.');
  });
});
