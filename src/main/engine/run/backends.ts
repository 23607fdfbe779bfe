/**
 * Which execution providers can run on this machine, each unavailable one with its
 * reason. Decided by creating a session on a tiny model in the run worker: the error
 * ORT gives (no WebGPU adapter, CUDA libraries missing, ...) is the reason.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { EdgescopeError } from '../../../shared/errors';
import type { BackendStatus } from '../../../shared/report';
import { buildModel, node, valueInfo } from '../model/graph-builder';
import { writeModel } from '../model/onnx-io';
import { KNOWN_EPS, knownEp } from './ep-names';
import { RunWorker } from './runner';

async function probeModelPath(cacheDir: string): Promise<string> {
  const path = join(cacheDir, 'calibration', 'probe-add.onnx');
  if (!existsSync(path)) {
    await writeModel(
      path,
      buildModel({
        name: 'probe',
        nodes: [node('Add', ['a', 'b'], ['c'], 'probe_add')],
        initializers: [],
        inputs: [valueInfo('a', [4]), valueInfo('b', [4])],
        outputs: [valueInfo('c', [4])],
      }),
    );
  }
  return path;
}

export async function probeBackends(worker: RunWorker, cacheDir: string): Promise<BackendStatus[]> {
  const results = await worker.probe(KNOWN_EPS.map((e) => e.name), await probeModelPath(cacheDir));
  return results.map((r) => ({
    ep: r.ep,
    available: r.available,
    ...(r.available ? {} : { reason: r.reason ?? 'unavailable' }),
    bundled: r.available || !/not bundled|not in this onnxruntime-node build/.test(r.reason ?? ''),
  }));
}

/** The probe in a run worker started for it and stopped after (the CLI's and the app's entry point). */
export async function probeBackendsInNewWorker(workerScriptPath: string, cacheDir: string): Promise<BackendStatus[]> {
  const worker = await RunWorker.start(workerScriptPath);
  try {
    return await probeBackends(worker, cacheDir);
  } finally {
    await worker.dispose();
  }
}

/** Throw the one clear error for a requested EP that cannot run here. */
export function requireBackends(requested: readonly string[], statuses: readonly BackendStatus[]): void {
  for (const ep of requested) {
    if (!knownEp(ep)) {
      throw new EdgescopeError('E_BACKEND_UNAVAILABLE', `unknown execution provider '${ep}' (known: ${KNOWN_EPS.map((e) => e.name).join(', ')})`);
    }
    const status = statuses.find((s) => s.ep === ep);
    if (status && !status.available) {
      throw new EdgescopeError('E_BACKEND_UNAVAILABLE', `execution provider '${ep}' is unavailable on this machine: ${status.reason}`);
    }
  }
}
