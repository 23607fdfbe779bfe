/**
 * `edgescope history` as a user runs it: a real `edgescope profile` lands in the workspace's history
 * (EDGESCOPE_WORKSPACE), is listed (table and --json), filtered, and deleted with `history rm`.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RunHistory } from '../../src/main/engine/history/index';
import type { HistoryEntry } from '../../src/shared/api';
import type { Report } from '../../src/shared/report';
import { buildSampleReport } from '../fixtures/reports/sample-report';
import { REPO_ROOT, tempDir } from '../helpers';

const dir = tempDir('history-cli');
const workspace = join(dir, 'workspace');

function cli(args: string[]) {
  const result = spawnSync(process.execPath, [join(REPO_ROOT, 'bin/edgescope.js'), ...args], {
    encoding: 'utf8',
    env: { ...process.env, EDGESCOPE_CACHE_DIR: join(dir, 'cache'), EDGESCOPE_WORKSPACE: workspace },
    timeout: 180_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('edgescope history', () => {
  let profiled: Report;

  it('lists a profile run of the CLI, copied into the workspace whole', () => {
    const out = join(dir, 'out');
    const run = cli(['profile', '--demo', 'mlp-lenet-300-100', '--runs', '3', '--warmup', '1', '--profiled-runs', '1', '--out', out, '--json']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    profiled = JSON.parse(run.stdout) as Report;

    const r = cli(['history', '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const entries = JSON.parse(r.stdout) as HistoryEntry[];
    expect(entries).toHaveLength(1);
    const [entry] = entries;
    expect(entry.source).toBe('cli');
    expect(entry.model).toBe('mlp-lenet-300-100.onnx');
    expect(entry.createdAt).toBe(profiled.generatedAt);
    expect(entry.runs[0].medianMs).toBe(profiled.variants[0].runs[0].latencyMs.median);
    expect(entry.commandLine?.slice(0, 3)).toEqual(['edgescope', 'profile', '--demo']);
    // The history's copy is the run itself, independent of --out.
    const copy = join(workspace, 'runs', entry.id);
    expect(JSON.parse(readFileSync(join(copy, 'report.json'), 'utf8'))).toEqual(profiled);
    expect(existsSync(join(copy, 'trace.json'))).toBe(true);

    const table = cli(['history']);
    expect(table.code).toBe(0);
    expect(table.stdout).toContain(entry.id);
    expect(table.stdout).toContain('mlp-lenet-300-100.onnx');
    expect(table.stdout).toMatch(/1 runs in /);
  }, 200_000);

  it('filters by model, variant, backend and date', async () => {
    const history = new RunHistory(workspace);
    const other = buildSampleReport({ webgpu: true });
    mkdirSync(history.runDir('fixture-run'), { recursive: true });
    writeFileSync(join(history.runDir('fixture-run'), 'report.json'), JSON.stringify(other));
    await history.record('fixture-run', other, 'app');

    const ids = (args: string[]) => (JSON.parse(cli(['history', '--json', ...args]).stdout) as HistoryEntry[]).map((e) => e.id);
    expect(ids([])).toHaveLength(2);
    expect(ids(['--model', 'mlp-9216'])).toEqual(['fixture-run']);
    expect(ids(['--backend', 'webgpu'])).toEqual(['fixture-run']);
    expect(ids(['--variant', 'pruned-0.9'])).toEqual(['fixture-run']);
    expect(ids(['--from', '2025-11-28', '--to', '2025-11-28'])).toEqual(['fixture-run']);
    expect(ids(['--model', 'lenet', '--backend', 'cpu'])).toHaveLength(1);
  });

  it('deletes a run with history rm, and refuses what it cannot do in one line', () => {
    const rm = cli(['history', 'rm', 'fixture-run']);
    expect(rm.stderr).toBe('');
    expect(rm.code).toBe(0);
    expect(rm.stdout.trim()).toBe('deleted fixture-run');
    expect(existsSync(join(workspace, 'runs', 'fixture-run'))).toBe(false);
    expect((JSON.parse(cli(['history', '--json']).stdout) as HistoryEntry[]).map((e) => e.model)).toEqual(['mlp-lenet-300-100.onnx']);

    const again = cli(['history', 'rm', 'fixture-run']);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/^edgescope: error: no run fixture-run in .*\n$/);

    for (const [args, message] of [
      [['history', 'rm'], 'history rm needs one run id: edgescope history rm ID'],
      [['history', 'rm', '../x'], "'../x' is not a run id (edgescope history lists them)"],
      [['history', '--from', 'yesterday'], "--from must be a date like 2026-01-31, got 'yesterday'"],
      [['history', 'list'], "history takes no arguments but 'rm ID', got 'list'"],
      [['history', '--format', 'csv'], "history: Unknown option '--format'"],
    ] as const) {
      const r = cli([...args]);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toBe(`edgescope: error: ${message}\n`);
      expect(r.stdout).toBe('');
    }
  });
});
