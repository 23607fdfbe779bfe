/**
 * `edgescope sweep` as a user runs it (node bin/edgescope.js in a child process; needs
 * `npm run build:node`): a real sweep of the bundled LeNet, bad sweep files, and a sweep
 * killed with SIGKILL mid-cell and resumed.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { SweepResults } from '../../src/main/engine/sweep/results';
import type { Report } from '../../src/shared/report';
import { REPO_ROOT, tempDir } from '../helpers';

const dir = tempDir();
const cacheDir = join(dir, 'cache');
const BIN = join(REPO_ROOT, 'bin/edgescope.js');
const ENV = { ...process.env, EDGESCOPE_CACHE_DIR: cacheDir };
const LENET = join(REPO_ROOT, 'resources/models/mlp-lenet-300-100.onnx');

function cli(args: string[]) {
  const result = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: ENV, timeout: 120_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

function sweepFile(name: string, spec: object): string {
  const path = join(dir, name);
  writeFileSync(path, JSON.stringify(spec));
  return path;
}

function readResults(out: string): SweepResults {
  return JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as SweepResults;
}

const lenetSpec = {
  models: [LENET],
  variants: [{ id: 'dense' }, { id: 'pruned-0.5', prune: 0.5 }],
  eps: ['cpu'],
  batches: [1, 4],
  threads: [1],
  runs: 5,
  warmup: 1,
  profiledRuns: 1,
};

describe('edgescope sweep', () => {
  it('runs every cell of a LeNet sweep, one report folder each, and skips them all on a rerun', () => {
    // int8-static needs calibration samples a sweep does not give: the recipe's cells fail, one line each.
    const recipe = sweepFile('int8-static.json', { quantize: 'int8-static' });
    const file = sweepFile('lenet.json', { ...lenetSpec, variants: [...lenetSpec.variants, { id: 'int8', recipe: 'int8-static.json' }] });
    const out = join(dir, 'lenet-out');
    const r = cli(['sweep', file, '--out', out, '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(1); // the recipe cells fail, the others go on
    const results = JSON.parse(r.stdout) as SweepResults;
    expect(results).toEqual(readResults(out));
    expect(results.complete).toBe(true);
    expect(results.cells.map((c) => `${c.variant} b${c.batch} ${c.status}`)).toEqual([
      'dense b1 ok', 'dense b4 ok', 'pruned-0.5 b1 ok', 'pruned-0.5 b4 ok', 'int8 b1 failed', 'int8 b4 failed',
    ]);
    for (const cell of results.cells.filter((c) => c.status === 'ok')) {
      expect(cell).toMatchObject({ model: LENET, ep: 'cpu', threads: 1 });
      expect(cell.latencyMs!.median).toBeGreaterThan(0);
      const report = JSON.parse(readFileSync(join(out, cell.report!), 'utf8')) as Report;
      expect(report.variants.map((v) => v.id)).toEqual(['dense']); // each cell profiles one model file
      expect(report.settings).toMatchObject({ batch: cell.batch, threads: 1, timedRuns: 5, profiledRuns: 1 });
      expect(report.variants[0].runs[0].latencyMs).toEqual(cell.latencyMs);
    }
    expect(results.cells[0].sparsity).toBe(0);
    expect(results.cells[2].sparsity).toBeCloseTo(0.5, 2);
    expect(results.cells[4].error).toBe(`recipe ${recipe}: int8-static needs calibration samples; build the variant with edgescope compress --calibration and give it as a 'model' variant`);
    // Every ok cell is verified against dense on the same batch: dense against itself, pruned against dense.
    for (const cell of results.cells.filter((c) => c.status === 'ok')) {
      expect(cell.verification).toMatchObject({ baseline: 'dense', inputs: 'random', samples: cell.batch });
    }
    expect(results.cells[0].verification).toMatchObject({ top1Agreement: 1, cosine: 1, maxAbsError: 0 });
    const pruned = results.cells[3].verification!;
    expect(pruned.maxAbsError).toBeGreaterThan(0); // half the weights are gone
    expect(pruned.cosine).toBeGreaterThan(0.5);
    expect(pruned.cosine).toBeLessThan(1);
    expect(pruned.top1Agreement * 4).toBe(Math.round(pruned.top1Agreement * 4)); // a fraction of 4 rows
    expect(readdirSync(join(out, 'cells'))).toHaveLength(4);
    expect(readdirSync(out).sort()).toEqual(['cells', 'models', 'results.json']);

    const again = cli(['sweep', file, '--out', out]);
    expect(again.stderr).toBe('');
    expect(again.stdout).toMatch(/6 of 6 cells: 4 ok, 2 failed \(rerun with --retry-failed/);
    expect(readResults(out).cells).toEqual(results.cells); // nothing reran

    const retried = cli(['sweep', file, '--out', out, '--retry-failed', '--json']);
    const after = JSON.parse(retried.stdout) as SweepResults;
    expect(after.cells.slice(0, 4)).toEqual(results.cells.slice(0, 4));
    expect(after.cells[4].finishedAt).not.toBe(results.cells[4].finishedAt);

    const changed = cli(['sweep', sweepFile('lenet-changed.json', { ...lenetSpec, runs: 6 }), '--out', out]);
    expect(changed.code).toBe(2);
    expect(changed.stderr).toMatch(/^edgescope: error: .* holds results of a different sweep .*--restart\n$/);
  });

  it('rejects a bad sweep file before running anything: one line per problem, exit 2', () => {
    const file = sweepFile('bad.json', { models: ['missing.onnx'], variants: [{ id: 'a' }, { id: 'a' }], eps: [], colour: 'red' });
    const out = join(dir, 'bad-out');
    const r = cli(['sweep', file, '--out', out]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toEqual([
      `edgescope: error: ${file}: unknown key 'colour' (keys: models, variants, eps, batches, threads, runs, warmup, profiledRuns, minTimeMs, pruneScope, graphOptimizationLevel, seed, epOptions, data, description)`,
      `edgescope: error: ${file}: models[0]: model file not found: ${join(dir, 'missing.onnx')}`,
      `edgescope: error: ${file}: variants: duplicate id 'a'`,
      `edgescope: error: ${file}: 'eps' is empty`,
    ]);
    expect(existsSync(out)).toBe(false);
    expect(cli(['sweep', file]).stderr).toBe('edgescope: error: sweep needs --out DIR (where results.json and the cell reports go)\n');
    expect(cli(['sweep', file, '--out', out, '--prune', '0.5']).code).toBe(2);
  });

  it('resumes after a SIGKILL mid-cell: every cell completed exactly once, no partial copies left', async () => {
    // minTimeMs makes each cell last long enough to be killed in the middle of one.
    const file = sweepFile('kill.json', { ...lenetSpec, runs: 5, minTimeMs: 1500 });
    const out = join(dir, 'kill-out');
    const child = spawn(process.execPath, [BIN, 'sweep', file, '--out', out], { env: ENV, stdio: 'ignore' });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const partial = join(out, '.partial');
    const deadline = Date.now() + 60_000;
    // Kill once the first cell is recorded and the second is running in its staging folder.
    for (;;) {
      if (Date.now() > deadline) throw new Error('the sweep did not reach its second cell');
      const first = existsSync(join(out, 'results.json')) ? readResults(out).cells.length : 0;
      if (first >= 1 && existsSync(partial) && readdirSync(partial).length > 0) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    child.kill('SIGKILL');
    await exited;
    const killed = readResults(out); // a valid file whatever moment the kill came
    expect(killed.cells).toHaveLength(1);
    expect(killed.complete).toBe(false);
    const firstReport = join(out, killed.cells[0].report!);
    const firstMtime = statSync(firstReport).mtimeMs;
    expect(readdirSync(partial)).toEqual(['mlp-lenet-300-100__dense__cpu__b4__t1']);

    const r = cli(['sweep', file, '--out', out, '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const results = readResults(out);
    expect(results.complete).toBe(true);
    const keys = results.cells.map((c) => c.key);
    expect(keys).toEqual([
      'mlp-lenet-300-100__dense__cpu__b1__t1',
      'mlp-lenet-300-100__dense__cpu__b4__t1',
      'mlp-lenet-300-100__pruned-0.5__cpu__b1__t1',
      'mlp-lenet-300-100__pruned-0.5__cpu__b4__t1',
    ]);
    expect(results.cells.every((c) => c.status === 'ok')).toBe(true);
    expect(results.cells[0]).toEqual(killed.cells[0]); // kept, not rerun
    expect(statSync(firstReport).mtimeMs).toBe(firstMtime);
    expect(readdirSync(join(out, 'cells')).sort()).toEqual(keys);
    for (const c of results.cells) {
      expect(readdirSync(join(out, 'cells', c.key)).sort()).toEqual(['report.html', 'report.json', 'trace.json']);
    }
    expect(existsSync(partial)).toBe(false);
    expect(readdirSync(out).sort()).toEqual(['cells', 'models', 'results.json']);
  });
});
