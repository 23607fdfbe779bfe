/**
 * The history through the API contract (engine.call, as the app and the bridge call it): validation of
 * every new request, listRuns with filters, openRun registering the run as a finished job (getReport,
 * exportReport and compareRuns then work on its id), compareHistoryRuns, deleteRun.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createEngine } from '../../../src/main/engine/engine';
import { RunHistory } from '../../../src/main/engine/history/index';
import { validateRequest } from '../../../src/shared/api-validate';
import type { Report } from '../../../src/shared/report';
import { buildSampleReport } from '../../fixtures/reports/sample-report';
import { tempDir } from '../../helpers';

const workspace = tempDir('history-api');
const engine = createEngine({ workspaceDir: workspace, cacheDir: join(workspace, 'cache') });
afterAll(() => engine.dispose());

async function record(id: string, report: Report): Promise<void> {
  const history = new RunHistory(workspace);
  mkdirSync(history.runDir(id), { recursive: true });
  writeFileSync(join(history.runDir(id), 'report.json'), JSON.stringify(report));
  await history.record(id, report, 'app');
}

describe('history API', () => {
  it('validates requests: unknown fields, bad ids, bad dates, bad refs', () => {
    expect(validateRequest('listRuns', {})).toEqual({});
    expect(validateRequest('listRuns', { model: 'lenet', from: '2026-01-01' })).toEqual({ model: 'lenet', from: '2026-01-01' });
    expect(() => validateRequest('listRuns', { modle: 'x' })).toThrow("listRuns: unknown field 'modle'");
    expect(() => validateRequest('listRuns', { from: 'last week' })).toThrow(/'from' must be an ISO date/);
    expect(() => validateRequest('openRun', { runId: '../../etc' })).toThrow("openRun: 'runId' has invalid characters");
    expect(() => validateRequest('deleteRun', {})).toThrow("deleteRun: 'runId' must be a non-empty string");
    expect(() => validateRequest('compareHistoryRuns', { baseline: { runId: 'a', variant: 'dense' }, candidate: { runId: 'b', variant: 'dense', ep: 'cpu' } })).toThrow(
      "compareHistoryRuns.baseline: 'ep' must be a non-empty string",
    );
    expect(() => validateRequest('startSweep', { sweepFile: 'a.json' })).toThrow("startSweep: 'outDir' must be a non-empty string");
    expect(() => validateRequest('openSweepCell', { dir: '/x', key: '../y' })).toThrow("openSweepCell: 'key' is not a sweep cell key");
  });

  it('lists, opens (then the report calls work on the run id), compares and deletes runs', async () => {
    await record('run-cpu', { ...buildSampleReport(), generatedAt: '2026-01-01T00:00:00.000Z' });
    await record('run-gpu', { ...buildSampleReport({ webgpu: true }), generatedAt: '2026-02-01T00:00:00.000Z' });

    expect((await engine.call('listRuns', {})).map((e) => e.id)).toEqual(['run-gpu', 'run-cpu']);
    expect((await engine.call('listRuns', { backend: 'webgpu' })).map((e) => e.id)).toEqual(['run-gpu']);
    expect((await engine.call('listRuns', { to: '2026-01-15' })).map((e) => e.id)).toEqual(['run-cpu']);

    await expect(engine.call('getReport', { jobId: 'run-gpu' })).rejects.toThrow(/no job run-gpu/);
    const report = await engine.call('openRun', { runId: 'run-gpu' });
    expect(report.variants[0].runs.map((r) => r.ep)).toEqual(['cpu', 'webgpu']);
    expect(await engine.call('getReport', { jobId: 'run-gpu' })).toEqual(report);
    const exported = await engine.call('exportReport', { jobId: 'run-gpu', format: 'md' });
    expect(exported.content).toContain('## Reproducibility');
    const inside = await engine.call('compareRuns', { jobId: 'run-gpu', baseline: { variant: 'dense', ep: 'cpu' }, candidate: { variant: 'dense', ep: 'webgpu' } });
    expect(inside.baselineEp).toBe('cpu');
    expect(inside.ep).toBe('webgpu');

    const across = await engine.call('compareHistoryRuns', {
      baseline: { runId: 'run-cpu', variant: 'dense', ep: 'cpu' },
      candidate: { runId: 'run-gpu', variant: 'pruned-0.9', ep: 'webgpu' },
    });
    expect(across.baselineMedianMs).toBe(buildSampleReport().variants[0].runs[0].latencyMs.median);
    expect(across.candidate).toMatch(/^pruned-0\.9 · run-gpu/);
    await expect(
      engine.call('compareHistoryRuns', { baseline: { runId: 'nope', variant: 'dense', ep: 'cpu' }, candidate: { runId: 'run-cpu', variant: 'dense', ep: 'cpu' } }),
    ).rejects.toThrow(/no run nope in the history/);

    expect(await engine.call('deleteRun', { runId: 'run-gpu' })).toEqual({ deleted: true });
    expect(await engine.call('deleteRun', { runId: 'run-gpu' })).toEqual({ deleted: false });
    expect((await engine.call('listRuns', {})).map((e) => e.id)).toEqual(['run-cpu']);
    // A deleted run's id no longer names a job either.
    await expect(engine.call('getReport', { jobId: 'run-gpu' })).rejects.toThrow(/no job run-gpu/);
  });

  it('refuses to open a run whose report is not an edgescope report', async () => {
    const history = new RunHistory(workspace);
    mkdirSync(history.runDir('broken'), { recursive: true });
    writeFileSync(join(history.runDir('broken'), 'report.json'), JSON.stringify({ schemaVersion: 1, hello: 'world' }));
    // Not a report at all: not a run of the history.
    expect((await engine.call('listRuns', {})).map((e) => e.id)).not.toContain('broken');
    await expect(engine.call('openRun', { runId: 'broken' })).rejects.toThrow(/no run broken in the history/);
    // A report of another schema version is listed but not opened as if it were this one.
    await record('future', { ...buildSampleReport(), schemaVersion: 2 } as unknown as Report);
    await expect(engine.call('openRun', { runId: 'future' })).rejects.toThrow('run future: report.json is not an edgescope report (schema v1)');
  });
});
