/**
 * `edgescope report`: re-exporting a finished report, as a user runs it.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { csvParseRows } from 'd3';
import { describe, expect, it } from 'vitest';
import { buildSampleReport } from '../fixtures/reports/sample-report';
import { REPO_ROOT, tempDir } from '../helpers';

const dir = tempDir();
const runDir = join(dir, 'run');
mkdirSync(runDir);
writeFileSync(join(runDir, 'report.json'), JSON.stringify(buildSampleReport()));

function cli(args: string[], env: NodeJS.ProcessEnv = {}) {
  const r = spawnSync(process.execPath, [join(REPO_ROOT, 'bin/edgescope.js'), ...args], { encoding: 'utf8', env: { ...process.env, ...env } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('edgescope report', () => {
  it('exports CSV, Markdown, LaTeX, HTML, trace and PDF from a run folder', () => {
    const out = join(dir, 'paper');
    const r = cli(['report', runDir, '--format', 'csv,md,tex,html,trace,pdf', '--out', out]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(readdirSync(out).sort()).toEqual(
      ['comparisons.csv', 'energy.csv', 'layers.csv', 'ops.csv', 'report.html', 'report.md', 'report.pdf', 'report.tex', 'reproducibility.csv', 'runs.csv', 'throttling.csv', 'trace.json', 'verification.csv'].sort(),
    );
    const runs = csvParseRows(readFileSync(join(out, 'runs.csv'), 'utf8'));
    expect(runs[0][0]).toBe('variant');
    // The reproducibility block as key,value rows: what a paper's appendix needs, parsed back whole.
    const sample = buildSampleReport();
    const repro = new Map(csvParseRows(readFileSync(join(out, 'reproducibility.csv'), 'utf8')).map(([k, v]) => [k, v]));
    expect(repro.get('key')).toBe('value');
    expect(repro.get('model')).toBe(`${sample.model.path} sha256 ${sample.model.sha256}`);
    expect(repro.get('versions')).toBe(`edgescope ${sample.tool.version}, onnxruntime-node ${sample.tool.onnxruntimeVersion}, Node ${sample.tool.nodeVersion}`);
    expect(repro.get('settings')).toContain(`seed ${sample.settings.seed}`);
    expect(repro.get('command')).toBe(sample.tool.commandLine?.join(' ') ?? '(from the app)');
    expect(repro.get('generated')).toBe(sample.generatedAt);
    expect(readFileSync(join(out, 'report.pdf')).subarray(0, 5).toString()).toBe('%PDF-');
    expect(r.stdout.trim().split('\n')).toHaveLength(13);
  });

  it('defaults to HTML beside the report', () => {
    const r = cli(['report', join(runDir, 'report.json')]);
    expect(r.code).toBe(0);
    expect(existsSync(join(runDir, 'report.html'))).toBe(true);
  });

  const bad: [string, string[], RegExp, NodeJS.ProcessEnv?][] = [
    ['a missing report', ['report', join(dir, 'nowhere')], /no report at .*nowhere$/],
    ['an unknown format', ['report', runDir, '--format', 'docx'], /--format 'docx' is not one of html, pdf, csv, md, tex, trace/],
    ['a flag of another command', ['report', runDir, '--threads', '2'], /^edgescope: error: report: Unknown option '--threads'$/],
    ['a PDF without a browser (nothing else is written either)', ['report', runDir, '--format', 'md,pdf', '--out', join(dir, 'nopdf')], /PDF export needs Chromium or Chrome/, { EDGESCOPE_CHROMIUM: join(dir, 'no-such-browser') }],
  ];
  for (const [what, args, message, env] of bad) {
    it(`rejects ${what} with one line`, () => {
      const r = cli(args, env);
      expect(r.code).not.toBe(0);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr.trim()).toMatch(message);
      expect(existsSync(join(dir, 'nopdf')) ? readdirSync(join(dir, 'nopdf')) : []).toEqual([]);
    });
  }

  it('rejects a JSON file that is not a report', () => {
    writeFileSync(join(dir, 'other.json'), JSON.stringify({ hello: 'world' }));
    const r = cli(['report', join(dir, 'other.json')]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/other\.json is not an edgescope report: \/ must have required property/);
  });
});
