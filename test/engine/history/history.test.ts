/**
 * The run history's index: recording, filtering, deleting, and recovery from what a crash or a
 * concurrent writer can leave behind (a stale temp file, a missing or corrupt index, a run without
 * its entry, an entry without its run, a half-finished delete).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compareHistoryRuns } from '../../../src/main/engine/history/compare';
import { newRunId, RunHistory } from '../../../src/main/engine/history/index';
import type { Report } from '../../../src/shared/report';
import { buildSampleReport } from '../../fixtures/reports/sample-report';
import { REPO_ROOT, tempDir } from '../../helpers';

function reportAt(generatedAt: string, modelPath: string, options: { webgpu?: boolean } = {}): Report {
  const report = buildSampleReport(options);
  return { ...report, generatedAt, model: { ...report.model, path: modelPath } };
}

/** A run folder as a profile job leaves it: report.json and trace.json in WORKSPACE/runs/<id>. */
function writeRun(history: RunHistory, id: string, report: Report): void {
  mkdirSync(history.runDir(id), { recursive: true });
  writeFileSync(join(history.runDir(id), 'report.json'), JSON.stringify(report));
  writeFileSync(join(history.runDir(id), 'trace.json'), '[]');
}

async function recorded(history: RunHistory, id: string, report: Report): Promise<void> {
  writeRun(history, id, report);
  await history.record(id, report, 'app');
}

const indexPath = (workspace: string) => join(workspace, 'history', 'index.json');
const ids = async (history: RunHistory, filter = {}) => (await history.list(filter)).map((e) => e.id);

describe('run history', () => {
  it('records runs, lists them newest first, and filters by model, variant, backend and date', async () => {
    const workspace = tempDir('history');
    const history = new RunHistory(workspace);
    await recorded(history, 'a-old', reportAt('2026-01-10T08:00:00.000Z', '/m/lenet.onnx'));
    await recorded(history, 'b-mid', reportAt('2026-02-20T12:00:00.000Z', '/m/resnet.onnx', { webgpu: true }));
    await recorded(history, 'c-new', reportAt('2026-03-05T18:30:00.000Z', '/m/lenet.onnx'));

    expect(await ids(history)).toEqual(['c-new', 'b-mid', 'a-old']);
    const entry = (await history.list()).find((e) => e.id === 'b-mid')!;
    expect(entry.model).toBe('resnet.onnx');
    expect(entry.variants).toEqual(['dense', 'pruned-0.9']);
    expect(entry.backends).toEqual(['cpu', 'webgpu']);
    expect(entry.runs.length).toBe(4);
    expect(entry.source).toBe('app');

    expect(await ids(history, { model: 'LENET' })).toEqual(['c-new', 'a-old']);
    expect(await ids(history, { backend: 'webgpu' })).toEqual(['b-mid']);
    expect(await ids(history, { variant: 'pruned-0.9', model: 'resnet' })).toEqual(['b-mid']);
    expect(await ids(history, { variant: 'pruned-0.5' })).toEqual([]);
    expect(await ids(history, { from: '2026-02-01', to: '2026-03-01' })).toEqual(['b-mid']);
    // A bare date as the end includes that whole day.
    expect(await ids(history, { to: '2026-03-05' })).toEqual(['c-new', 'b-mid', 'a-old']);
    expect(await ids(history, { to: '2026-03-04' })).toEqual(['b-mid', 'a-old']);

    const index = JSON.parse(readFileSync(indexPath(workspace), 'utf8')) as { entries: { id: string }[] };
    expect(index.entries.map((e) => e.id)).toEqual(['c-new', 'b-mid', 'a-old']);
  });

  it('copies a run written elsewhere into its own folder, so the history keeps it when the original goes', async () => {
    const workspace = tempDir('history');
    const elsewhere = tempDir('out');
    const report = reportAt('2026-04-01T00:00:00.000Z', '/m/cli.onnx');
    writeFileSync(join(elsewhere, 'report.json'), JSON.stringify(report));
    writeFileSync(join(elsewhere, 'trace.json'), '{"traceEvents":[]}');
    const history = new RunHistory(workspace);
    const entry = await history.importRun(elsewhere, report, 'cli');
    expect(entry.id).toMatch(/^\d{4}-\d{2}-\d{2}T[\d-]+Z-[0-9a-f]{8}$/);
    expect(readFileSync(join(history.runDir(entry.id), 'trace.json'), 'utf8')).toBe('{"traceEvents":[]}');
    expect((await history.readReport(entry.id)).model.path).toBe('/m/cli.onnx');
    expect((await history.list())[0].source).toBe('cli');
    // No staging folder is left behind.
    expect(readdirSync(history.runsDir).filter((n) => n.startsWith('.'))).toEqual([]);
  });

  it('rebuilds a missing or corrupt index from the entries, and removes stale temp files but not fresh ones', async () => {
    const workspace = tempDir('history');
    const history = new RunHistory(workspace);
    await recorded(history, 'one', reportAt('2026-01-01T00:00:00.000Z', '/m/a.onnx'));
    await recorded(history, 'two', reportAt('2026-01-02T00:00:00.000Z', '/m/b.onnx'));

    // A crash mid-write of the index: the temp file of the write is left, the index itself is gone.
    const stale = join(workspace, 'history', '.index.json.4242.deadbeef.tmp');
    const fresh = join(workspace, 'history', 'entries', '.x.json.4243.cafef00d.tmp');
    writeFileSync(stale, '{"version":1,"entr');
    writeFileSync(fresh, '{"id":');
    const old = new Date(Date.now() - 10 * 60_000);
    utimesSync(stale, old, old);
    rmSync(indexPath(workspace));

    const reopened = new RunHistory(workspace);
    expect(await ids(reopened)).toEqual(['two', 'one']);
    expect(existsSync(indexPath(workspace))).toBe(true);
    expect(existsSync(stale)).toBe(false);
    // A temp file this young may be another process's write in progress.
    expect(existsSync(fresh)).toBe(true);

    writeFileSync(indexPath(workspace), '{ not json');
    expect(await ids(new RunHistory(workspace))).toEqual(['two', 'one']);
    expect(JSON.parse(readFileSync(indexPath(workspace), 'utf8')).entries).toHaveLength(2);
  });

  it('recovers a run whose entry was never written, drops entries without a run, and ignores runs in progress', async () => {
    const workspace = tempDir('history');
    const history = new RunHistory(workspace);
    await recorded(history, 'kept', reportAt('2026-01-01T00:00:00.000Z', '/m/a.onnx'));
    // The process died between writing the report and writing the entry.
    writeRun(history, 'orphan-run', reportAt('2026-01-03T00:00:00.000Z', '/m/orphan.onnx'));
    // A job still running: its folder has only a staging folder.
    mkdirSync(join(history.runDir('running'), '.edgescope-staging-abc'), { recursive: true });
    // A run folder deleted by hand, its entry left behind.
    writeFileSync(join(workspace, 'history', 'entries', 'gone.json'), JSON.stringify({ ...(await history.list())[0], id: 'gone' }));

    const list = await history.list();
    expect(list.map((e) => e.id)).toEqual(['orphan-run', 'kept']);
    // The recovered entry comes from the report; its command line says the CLI made it.
    expect(list[0].model).toBe('orphan.onnx');
    expect(list[0].source).toBe('cli');
    expect(existsSync(join(workspace, 'history', 'entries', 'orphan-run.json'))).toBe(true);
    expect(existsSync(join(workspace, 'history', 'entries', 'gone.json'))).toBe(false);
  });

  it('deletes a run: folder, entry and index line go; a delete that died half-way does not bring it back', async () => {
    const workspace = tempDir('history');
    const history = new RunHistory(workspace);
    await recorded(history, 'first', reportAt('2026-01-01T00:00:00.000Z', '/m/a.onnx'));
    await recorded(history, 'second', reportAt('2026-01-02T00:00:00.000Z', '/m/b.onnx'));
    expect(await history.delete('first')).toBe(true);
    expect(await ids(history)).toEqual(['second']);
    expect(existsSync(history.runDir('first'))).toBe(false);
    expect(existsSync(join(workspace, 'history', 'entries', 'first.json'))).toBe(false);
    expect(JSON.parse(readFileSync(indexPath(workspace), 'utf8')).entries.map((e: { id: string }) => e.id)).toEqual(['second']);
    expect(await history.delete('first')).toBe(false);
    await expect(history.readReport('first')).rejects.toThrow(/no run first/);

    // A crash after the rename of the folder, before the entry went: the entry is dropped, not listed.
    renameSync(history.runDir('second'), join(history.runsDir, '.deleted-second-abc'));
    expect(await ids(new RunHistory(workspace))).toEqual([]);
  });

  it('keeps every entry when many runs are recorded at once', async () => {
    const workspace = tempDir('history');
    const runs = Array.from({ length: 24 }, (_, i) => ({ id: newRunId(new Date(Date.UTC(2026, 0, 1, 0, i))), i }));
    // Separate RunHistory objects, as separate processes would have.
    await Promise.all(runs.map(({ id, i }) => recorded(new RunHistory(workspace), id, reportAt(new Date(Date.UTC(2026, 0, 1, 0, i)).toISOString(), `/m/m${i}.onnx`))));
    const list = await new RunHistory(workspace).list();
    expect(list).toHaveLength(24);
    expect(new Set(list.map((e) => e.id))).toEqual(new Set(runs.map((r) => r.id)));
  });

  it('keeps every entry when separate processes record at the same time', async () => {
    const workspace = tempDir('history');
    const report = JSON.stringify(reportAt('2026-01-01T00:00:00.000Z', '/m/p.onnx'));
    writeFileSync(join(workspace, 'report.json'), report);
    // Each writer process records 8 runs as fast as it can, through the built engine (npm run build:node).
    const script = `
      const { RunHistory } = require(${JSON.stringify(join(REPO_ROOT, 'dist/node/src/main/engine/history/index.js'))});
      const { mkdirSync, copyFileSync } = require('node:fs');
      const report = require(${JSON.stringify(join(workspace, 'report.json'))});
      (async () => {
        const history = new RunHistory(${JSON.stringify(workspace)});
        for (let i = 0; i < 8; i++) {
          const id = 'w' + process.argv[1] + '-' + i;
          mkdirSync(history.runDir(id), { recursive: true });
          copyFileSync(${JSON.stringify(join(workspace, 'report.json'))}, history.runDir(id) + '/report.json');
          await history.record(id, report, 'cli');
        }
      })().catch((err) => { console.error(err); process.exit(1); });`;
    const writers = [0, 1, 2, 3].map(
      (w) =>
        new Promise<number | null>((resolveExit) => {
          const child = spawn(process.execPath, ['-e', script, String(w)], { stdio: ['ignore', 'ignore', 'inherit'] });
          child.on('exit', resolveExit);
        }),
    );
    expect(await Promise.all(writers)).toEqual([0, 0, 0, 0]);
    const list = await new RunHistory(workspace).list();
    expect(list).toHaveLength(32);
    expect(new Set(list.map((e) => e.id)).size).toBe(32);
    // The index on disk, whichever writer wrote it last, is made consistent by the read above.
    expect(JSON.parse(readFileSync(indexPath(workspace), 'utf8')).entries).toHaveLength(32);
  });

  it('rejects ids that could leave the runs folder', async () => {
    const history = new RunHistory(tempDir('history'));
    expect(() => history.runDir('../etc')).toThrow(/not a run id/);
    await expect(history.delete('a/b')).rejects.toThrow(/not a run id/);
  });

  it('compares runs of two history runs with the engine comparison, labelled by variant and date', () => {
    const a = buildSampleReport();
    const b = buildSampleReport({ webgpu: true });
    const result = compareHistoryRuns(
      { ref: { runId: '2026-01-01T00-00-00-000Z-aaaa', variant: 'dense', ep: 'cpu' }, report: a },
      { ref: { runId: '2026-02-01T00-00-00-000Z-bbbb', variant: 'pruned-0.9', ep: 'webgpu' }, report: b },
    );
    const dense = a.variants[0].runs[0];
    const pruned = b.variants[1].runs.find((r) => r.ep === 'webgpu')!;
    expect(result.baseline).toBe('dense · 2026-01-01T00-00-00');
    expect(result.candidate).toBe('pruned-0.9 · 2026-02-01T00-00-00');
    expect(result.baselineMedianMs).toBe(dense.latencyMs.median);
    expect(result.candidateMedianMs).toBe(pruned.latencyMs.median);
    expect(result.speedupMedian).toBeCloseTo(dense.latencyMs.median / pruned.latencyMs.median, 6);
    expect(result.ops.length).toBeGreaterThan(0);
    // The same variant of two runs of one day stays two columns.
    const same = compareHistoryRuns(
      { ref: { runId: '2026-01-01T00-00-00-000Z-aaaa', variant: 'dense', ep: 'cpu' }, report: a },
      { ref: { runId: '2026-01-01T00-00-00-000Z-bbbb', variant: 'dense', ep: 'cpu' }, report: a },
    );
    expect(same.baseline).not.toBe(same.candidate);
    expect(() =>
      compareHistoryRuns(
        { ref: { runId: 'x', variant: 'dense', ep: 'cuda' }, report: a },
        { ref: { runId: 'y', variant: 'dense', ep: 'cpu' }, report: a },
      ),
    ).toThrow(/no run dense@cuda in history run x/);
  });
});
