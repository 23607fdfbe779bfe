/**
 * Compression work the app asks for runs in a worker process: while the engine previews a
 * large model, the calling thread's event loop keeps turning (the same preview called in
 * process stalls it for the whole computation).
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine, type Engine } from '../../../src/main/engine/engine';
import { previewCompression } from '../../../src/main/engine/compress/preview';
import { buildFcLayer } from '../../../src/main/engine/model/demo-models';
import { writeModel } from '../../../src/main/engine/model/onnx-io';
import type { RecipeJson } from '../../../src/shared/api';
import { tempDir } from '../../helpers';

const RECIPE: RecipeJson = { default: { sparsity: 0.9, granularity: 'row' } };

/** The longest pause between 5 ms ticks while `work` runs, and how long it ran. */
async function longestStall(work: () => Promise<unknown>): Promise<{ stallMs: number; totalMs: number }> {
  let last = performance.now();
  let stallMs = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    stallMs = Math.max(stallMs, now - last);
    last = now;
  }, 5);
  const start = performance.now();
  try {
    await work();
  } finally {
    clearInterval(timer);
  }
  stallMs = Math.max(stallMs, performance.now() - last);
  return { stallMs, totalMs: performance.now() - start };
}

describe('engine tasks off the calling thread', () => {
  let dir: string;
  let model: string;
  let engine: Engine;

  beforeAll(async () => {
    dir = tempDir('engine-tasks');
    model = join(dir, 'fc.onnx');
    await writeModel(model, buildFcLayer('fc', 4096, 4096, 7));
    engine = createEngine({ workspaceDir: join(dir, 'workspace'), cacheDir: join(dir, 'cache') });
  });

  afterAll(() => engine.dispose());

  it('previews a 16.8M-parameter model without stalling the caller, unlike an in-process call', async () => {
    const inProcess = await longestStall(() => previewCompression(model, RECIPE));
    // The in-process call is one synchronous stretch: the stall is most of its duration.
    expect(inProcess.stallMs).toBeGreaterThan(0.5 * inProcess.totalMs);

    await engine.call('previewCompression', { modelPath: model, recipe: { default: { sparsity: 0.1 } } }); // start the worker
    let preview: Awaited<ReturnType<typeof previewCompression>> | undefined;
    const viaEngine = await longestStall(async () => {
      preview = await engine.call('previewCompression', { modelPath: model, recipe: RECIPE });
    });
    expect(preview?.layers[0].sparsity).toBeCloseTo(0.9, 3);
    expect(viaEngine.stallMs).toBeLessThan(Math.max(100, 0.25 * inProcess.stallMs));
  });
});
