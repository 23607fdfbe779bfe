/**
 * EP options: validation against each EP's spec, the executionProviders entry they become,
 * and real sessions: a WebGPU run with options set (forceCpuNodeNames moves a node to the CPU,
 * which the trace shows), and a CUDA option where CUDA is absent (the probe's reason, no crash).
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ortProviderEntry, parseEpOptionArgs, validateEpOptions } from '../../../src/main/engine/run/ep-options';
import { probeBackendsInNewWorker, requireBackends } from '../../../src/main/engine/run/backends';
import { RunWorker, defaultWorkerScriptPath } from '../../../src/main/engine/run/runner';
import { parseTrace, readTraceFile } from '../../../src/main/engine/trace/ort-trace';
import { REPO_ROOT, tempDir } from '../../helpers';

const dir = tempDir('ep-options');

describe('EP option validation', () => {
  it('parses EP.NAME=VALUE into typed values', () => {
    expect(parseEpOptionArgs(['cuda.device_id=1', 'webgpu.preferred_layout=NHWC', 'webgpu.enable_robustness=true', 'webgpu.force_cpu_node_names=a, b'])).toEqual({
      cuda: { device_id: 1 },
      webgpu: { preferred_layout: 'NHWC', enable_robustness: true, force_cpu_node_names: ['a', 'b'] },
    });
  });

  it('refuses unknown options, bad values and options the Node binding drops, naming each', () => {
    expect(() => parseEpOptionArgs(['cuda.devce_id=1'])).toThrow(/unknown EP option cuda\.devce_id \(cuda takes: device_id\)/);
    expect(() => parseEpOptionArgs(['cuda.device_id=-1'])).toThrow(/cuda\.device_id must be an integer in \[0, 255\], got "-1"/);
    expect(() => parseEpOptionArgs(['webgpu.preferred_layout=NWHC'])).toThrow(/webgpu\.preferred_layout must be one of NCHW, NHWC/);
    expect(() => parseEpOptionArgs(['cuda.gpu_mem_limit=1000000'])).toThrow(/cuda\.gpu_mem_limit is not passed on by onnxruntime-node 1\.30/);
    expect(() => parseEpOptionArgs(['coreml.compute_units=CPUAndNeuralEngine'])).toThrow(/no CPU\+Neural-Engine setting/);
    expect(() => parseEpOptionArgs(['npu.x=1'])).toThrow(/unknown execution provider 'npu'/);
    // Names an object has by inheritance are not EPs.
    for (const ep of ['constructor', '__proto__']) expect(() => parseEpOptionArgs([`${ep}.x=1`])).toThrow(`unknown execution provider '${ep}'`);
    expect(() => validateEpOptions(JSON.parse('{"toString": {}}'))).toThrow("unknown execution provider 'toString'");
    expect(({} as Record<string, unknown>).x).toBeUndefined();
    expect(() => parseEpOptionArgs(['cuda.device_id'])).toThrow(/--ep-option expects EP\.NAME=VALUE/);
    expect(() => validateEpOptions({ cuda: { device_id: 0 } }, ['cpu'])).toThrow(/EP options given for 'cuda', which is not among the requested EPs \(cpu\)/);
  });

  it('becomes the executionProviders entry the binding reads', () => {
    expect(ortProviderEntry('cpu', undefined)).toBe('cpu');
    expect(ortProviderEntry('cuda', { device_id: 1 })).toEqual({ name: 'cuda', deviceId: 1 });
    expect(ortProviderEntry('dml', { device_id: 2 })).toEqual({ name: 'dml', deviceId: 2 });
    // coreMlFlags bits from coreml_provider_factory.h: CPUAndGPU 0x020 | MLProgram 0x010 | ANE-only 0x004.
    expect(ortProviderEntry('coreml', { compute_units: 'CPUAndGPU', model_format: 'MLProgram', require_ane: true })).toEqual({ name: 'coreml', coreMlFlags: 0x034 });
    expect(ortProviderEntry('coreml', { compute_units: 'CPUOnly' })).toEqual({ name: 'coreml', coreMlFlags: 0x001 });
    expect(ortProviderEntry('webgpu', { preferred_layout: 'NHWC', force_cpu_node_names: ['x'] })).toEqual({ name: 'webgpu', preferredLayout: 'NHWC', forceCpuNodeNames: ['x'] });
  });
});

describe('EP options reach the session', () => {
  it('a WebGPU run with options: the node named in force_cpu_node_names runs on the CPU, the others on the GPU', async () => {
    const worker = await RunWorker.start(defaultWorkerScriptPath());
    try {
      const result = await worker.run({
        modelPath: join(REPO_ROOT, 'resources/models/cnn-small.onnx'),
        ep: 'webgpu',
        epOptions: { preferred_layout: 'NHWC', validation_mode: 'basic', force_cpu_node_names: ['softmax'] },
        threads: 1,
        graphOptimizationLevel: 'disabled',
        inputs: [{ name: 'image', dtype: 'float32', dims: [1, 1, 28, 28] }],
        seed: 1,
        warmupRuns: 0,
        timedRuns: 1,
        minTimeMs: 0,
        profiledRuns: 1,
        profileDir: dir,
        returnOutputs: false,
        clockOriginNs: process.hrtime.bigint().toString(),
      });
      const kernels = parseTrace(readTraceFile(result.profilePath!)).runs[1].kernels;
      const provider = (name: string) => kernels.find((k) => k.name === name)?.provider;
      expect(provider('softmax')).toBe('CPUExecutionProvider');
      // Layout transformation renames the GPU's convs (NHWC); their type and provider stay.
      expect(kernels.filter((k) => k.opType === 'Conv').map((k) => k.provider)).toEqual(['WebGpuExecutionProvider', 'WebGpuExecutionProvider']);
    } finally {
      await worker.dispose();
    }
  }, 120_000);

  it('a CUDA option where CUDA is absent: the probe reason, not a crash', async () => {
    const options = parseEpOptionArgs(['cuda.device_id=1']);
    expect(options.cuda.device_id).toBe(1);
    const statuses = await probeBackendsInNewWorker(defaultWorkerScriptPath(), join(dir, 'cache'));
    const cuda = statuses.find((s) => s.ep === 'cuda')!;
    expect(cuda.available).toBe(false);
    expect(() => requireBackends(['cuda'], statuses)).toThrow(`execution provider 'cuda' is unavailable on this machine: ${cuda.reason}`);
  }, 120_000);
});
