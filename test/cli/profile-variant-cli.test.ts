/**
 * `edgescope profile --variant FILE.onnx --recipe FILE`: compressed variants profiled and
 * verified next to dense, with ids from the file names; bad variants fail before output.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { pruneLayers } from '../../src/main/engine/compress/granularity';
import { buildCnnSmall, buildLenet300100 } from '../../src/main/engine/model/demo-models';
import { writeModel } from '../../src/main/engine/model/onnx-io';
import { reportSchemaErrors } from '../../src/main/engine/report/report-schema';
import type { Report } from '../../src/shared/report';
import { REPO_ROOT, tempDir } from '../helpers';

const dir = tempDir('profile-variant');
const cacheDir = join(dir, 'cache');
const cnn = join(REPO_ROOT, 'resources/models/cnn-small.onnx');

function cli(args: string[]) {
  const r = spawnSync(process.execPath, [join(REPO_ROOT, 'bin/edgescope.js'), ...args], {
    encoding: 'utf8',
    env: { ...process.env, EDGESCOPE_CACHE_DIR: cacheDir },
    timeout: 180_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('edgescope profile --variant / --recipe', () => {
  it('profiles given and recipe-built variants next to dense and verifies each', async () => {
    const filters = join(dir, 'cnn-filters.onnx');
    await writeModel(filters, pruneLayers(buildCnnSmall(), [{ layer: 'conv2', sparsity: 0.5, granularity: { kind: 'filter' } }]).model);
    const out = join(dir, 'out');
    const recipe = join(REPO_ROOT, 'resources/recipes/cnn-small.json');
    const r = cli(['profile', cnn, '--variant', filters, '--recipe', recipe, '--prune', '0.5', '--runs', '3', '--warmup', '1', '--profiled-runs', '1', '--out', out, '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as Report;
    expect(reportSchemaErrors(report)).toEqual([]);
    expect(report.variants.map((v) => v.id)).toEqual(['dense', 'pruned-0.5', 'cnn-filters', 'recipe-cnn-small']);
    const given = report.variants[2];
    expect(given.modelPath).toBe(filters);
    expect(given.layers.find((l) => l.initializer === 'conv2.weight')!.sparsity).toBe(0.5);
    expect(given.sparsity).toBeCloseTo((0.5 * 32 * 16 * 25) / (16 * 25 + 32 * 16 * 25 + 512 * 1568 + 10 * 512), 10);
    for (const v of report.variants.slice(1)) {
      expect(v.runs.length).toBe(1);
      expect(v.verification?.baseline).toBe('dense');
      expect(v.verification!.maxAbsError).toBeGreaterThan(0);
    }
    const built = report.variants[3];
    expect(built.modelPath).toBe(join(out, 'cnn-small.recipe-cnn-small.onnx'));
    expect(existsSync(built.modelPath)).toBe(true);
    // The thinned recipe variant is smaller than dense.
    expect(built.fileBytes).toBeLessThan(report.variants[0].fileBytes * 0.6);
    expect(report.comparisons.map((c) => c.candidate)).toEqual(expect.arrayContaining(['cnn-filters', 'recipe-cnn-small']));
    expect(readdirSync(out).filter((f) => f.startsWith('.'))).toEqual([]);
  });

  it('fails before writing anything for a variant that does not fit or a recipe that does not apply', async () => {
    const lenet = join(dir, 'lenet.onnx');
    await writeModel(lenet, buildLenet300100());
    const badRecipe = join(dir, 'bad-recipe.json');
    writeFileSync(badRecipe, JSON.stringify({ layers: [{ name: 'fc*', sparsity: 0.5, granularity: 'kernel' }] }));
    const out = join(dir, 'never');
    const cases: [string[], string][] = [
      [['--variant', lenet], `--variant ${lenet}: inputs input differ from the model's (image)`],
      [['--variant', join(dir, 'missing.onnx')], `model file not found: ${join(dir, 'missing.onnx')}`],
      [['--variant', cnn], `--variant ${cnn} is the model itself`],
      [['--recipe', badRecipe], "granularity kernel does not fit layer 'fc1.weight': a fully connected weight has no kernels (use row, column or block)"],
    ];
    for (const [args, message] of cases) {
      const r = cli(['profile', cnn, ...args, '--runs', '2', '--out', out]);
      expect(r.stderr).toBe(`edgescope: error: ${message}\n`);
      expect(r.code).not.toBe(0);
      expect(existsSync(out)).toBe(false);
    }
    expect(readFileSync(badRecipe, 'utf8')).toContain('kernel');
  });
});
