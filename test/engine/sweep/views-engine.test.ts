/**
 * Sweeps from the app's side of the API, with real runs: startSweep streams progress with an ETA and
 * ends with the results and their dataset views; every cell lands in the run history as a sweep run;
 * a cell's report opens as a job; a bad sweep file is one clear error before anything runs.
 */
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createEngine } from '../../../src/main/engine/engine';
import type { ApiEvents, SweepProgressEvent } from '../../../src/shared/api';
import { tempDir } from '../../helpers';
import { checkXml } from '../report/charts-xml';

const LENET = resolve(__dirname, '../../../resources/models/mlp-lenet-300-100.onnx');
const dir = tempDir('sweep-app');
const engine = createEngine({ workspaceDir: join(dir, 'workspace'), cacheDir: join(dir, 'cache') });
afterAll(() => engine.dispose());

describe('sweeps through the API', () => {
  it('runs a sweep with progress and an ETA, and ends with its cells and views', async () => {
    const sweepFile = join(dir, 'sweep.json');
    writeFileSync(
      sweepFile,
      JSON.stringify({ models: [LENET], variants: [{ id: 'dense' }, { id: 'pruned-0.9', prune: 0.9 }], eps: ['cpu'], batches: [1], threads: [1], runs: 3, warmup: 1, profiledRuns: 1 }),
    );
    const progress: SweepProgressEvent[] = [];
    engine.on('sweepProgress', (p) => progress.push(p));
    const done = new Promise<ApiEvents['sweepDone']>((resolveDone, reject) => {
      engine.on('sweepDone', resolveDone);
      engine.on('sweepFailed', ({ error }) => reject(new Error(error.message)));
    });
    const outDir = join(dir, 'results');
    const { sweepId } = await engine.call('startSweep', { sweepFile, outDir });
    const { overview, sweepId: finished } = await done;
    expect(finished).toBe(sweepId);

    expect(progress.length).toBeGreaterThan(2);
    expect(progress.every((p) => p.sweepId === sweepId && p.todo === 2 && p.fraction >= 0 && p.fraction <= 1)).toBe(true);
    expect(progress.at(-1)!.done).toBe(1);
    expect(progress.some((p) => p.etaMs !== null && p.etaMs >= 0)).toBe(true);

    expect(overview.cells.map((c) => [c.variant, c.status])).toEqual([['dense', 'ok'], ['pruned-0.9', 'ok']]);
    expect(overview.cells[1].sparsity).toBeCloseTo(0.9, 2);
    expect(overview.charts.map((c) => c.id)).toEqual(['latency-vs-sparsity', 'speedup-heatmap-1', 'pareto']);
    for (const chart of overview.charts) expect(checkXml(chart.svg).problems, chart.id).toEqual([]);
    // Each cell was verified against dense: the Pareto chart's quality axis is output agreement.
    expect(overview.cells[0].agreement).toBe(1);
    expect(overview.cells[1].agreement).toBeGreaterThanOrEqual(0);
    expect(overview.charts.find((c) => c.id === 'pareto')!.svg).toContain('Pareto: output agreement vs latency vs size');
    // Same views when the folder is read again.
    expect((await engine.call('readSweep', { dir: outDir })).charts.map((c) => c.svg)).toEqual(overview.charts.map((c) => c.svg));

    const runs = await engine.call('listRuns', {});
    expect(runs).toHaveLength(2);
    expect(runs.every((r) => r.source === 'sweep')).toBe(true);

    const { jobId, report } = await engine.call('openSweepCell', { dir: outDir, key: overview.cells[1].key });
    expect(report.variants[0].runs[0].latencyMs.median).toBe(overview.cells[1].medianMs);
    expect((await engine.call('exportReport', { jobId, format: 'csv' })).content.split('\n')[0]).toContain('variant');
  }, 200_000);

  it('refuses a bad sweep file in one line, before anything runs', async () => {
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ models: [], variants: [{ id: 'dense' }], eps: ['cpu'] }));
    await expect(engine.call('startSweep', { sweepFile: bad, outDir: join(dir, 'bad-out') })).rejects.toThrow(/^.*bad\.json: .*'models' is empty/);
    await expect(engine.call('startSweep', { sweepFile: join(dir, 'missing.json'), outDir: join(dir, 'bad-out') })).rejects.toThrow(/cannot read the sweep file/);
    await expect(engine.call('readSweep', { dir: join(dir, 'bad-out') })).rejects.toThrow(/no sweep results in/);
    expect(await engine.call('cancelSweep', { sweepId: 'sweep-unknown' })).toEqual({ cancelled: false });
  });
});
