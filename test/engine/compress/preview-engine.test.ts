/**
 * The compression panel's calls through the engine's API contract: previewCompression (validated,
 * in memory) and compressModel, which writes a verified variant into the workspace's variants folder
 * (real onnxruntime runs in the run worker) and leaves nothing behind, nor an older variant touched,
 * when the recipe is bad.
 */
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine, type Engine } from '../../../src/main/engine/engine';
import { buildLenet300100 } from '../../../src/main/engine/model/demo-models';
import { writeModel } from '../../../src/main/engine/model/onnx-io';
import type { RecipeJson } from '../../../src/shared/api';
import { tempDir } from '../../helpers';

const RECIPE: RecipeJson = { default: { sparsity: 0.5, granularity: 'filter' }, keepLast: true };

describe('previewCompression and compressModel through the engine', () => {
  let dir: string;
  let model: string;
  let engine: Engine;

  beforeAll(async () => {
    dir = tempDir('preview-engine');
    model = join(dir, 'lenet.onnx');
    await writeModel(model, buildLenet300100());
    engine = createEngine({ workspaceDir: join(dir, 'workspace'), cacheDir: join(dir, 'cache') });
  });

  afterAll(() => engine.dispose());

  it('previews a recipe and validates the request', async () => {
    const preview = await engine.call('previewCompression', { modelPath: model, recipe: RECIPE });
    expect(preview.layers.map((l) => l.sparsity)).toEqual([0.5, 0.5, 0]);
    await expect(engine.call('previewCompression', { modelPath: model, recipe: RECIPE, outPath: 'x' } as never)).rejects.toThrow(
      "previewCompression: unknown field 'outPath'",
    );
    await expect(engine.call('previewCompression', { modelPath: model, recipe: [] } as never)).rejects.toThrow('previewCompression.recipe: request must be an object');
    await expect(engine.call('previewCompression', { modelPath: join(dir, 'missing.onnx'), recipe: RECIPE })).rejects.toThrow('missing.onnx');
  });

  it('writes a verified variant into the workspace, named after the recipe, whose weights have the previewed sparsity', async () => {
    const result = await engine.call('compressModel', { modelPath: model, recipe: RECIPE });
    expect(result.path).toMatch(new RegExp(`^${join(dir, 'workspace', 'variants')}/lenet\\.recipe-[0-9a-f]{8}\\.onnx$`));
    expect(statSync(result.path).size).toBe(result.fileBytes);
    expect(result.denseFileBytes).toBe(statSync(model).size);
    expect(result.stages).toEqual(['prune']);
    // Half of fc1's and fc2's weights, none of fc3's: (117600 + 15000) / (235200 + 30000).
    expect(result.sparsity).toBeCloseTo(132_600 / 265_200, 12);
    expect(result.verification.samples).toBe(8);
    expect(result.verification.cosine).toBeGreaterThan(0);
    expect(result.verification.cosine).toBeLessThanOrEqual(1 + 1e-9);
    const again = await engine.call('previewCompression', { modelPath: result.path, recipe: {} });
    expect(again.layers.map((l) => l.sparsity)).toEqual([0.5, 0.5, 0]);
    // Only the variant is left in the folder: the staging folder is gone.
    expect(readdirSync(join(dir, 'workspace', 'variants'))).toEqual([result.path.split('/').pop()]);
  }, 60_000);

  it('refuses a bad recipe or an empty one without touching the variant already written', async () => {
    const out = join(dir, 'out.onnx');
    const first = await engine.call('compressModel', { modelPath: model, recipe: RECIPE, outPath: out });
    expect(first.path).toBe(out);
    const bytes = readFileSync(out);
    await expect(engine.call('compressModel', { modelPath: model, recipe: { layers: [{ name: 'fc1.weight', sparsity: -0.1 }] }, outPath: out })).rejects.toThrow(
      'recipe for lenet.onnx: layers[0] (fc1.weight): sparsity must be a number in [0, 1), got -0.1',
    );
    await expect(engine.call('compressModel', { modelPath: model, recipe: { keepFirst: true }, outPath: out })).rejects.toThrow('the recipe changes nothing');
    await expect(engine.call('compressModel', { modelPath: model, recipe: RECIPE, outPath: model })).rejects.toThrow('is the input model');
    // Whatever path the renderer sends, only an .onnx file can be written.
    const notes = join(dir, 'notes.txt');
    writeFileSync(notes, 'keep me');
    await expect(engine.call('compressModel', { modelPath: model, recipe: RECIPE, outPath: notes })).rejects.toThrow('is not an .onnx file');
    expect(readFileSync(notes, 'utf8')).toBe('keep me');
    expect(readFileSync(out).equals(bytes)).toBe(true);
    expect(readdirSync(dir).filter((f) => f.startsWith('.edgescope-compress-'))).toEqual([]);
    expect(existsSync(model)).toBe(true);
  }, 60_000);
});
