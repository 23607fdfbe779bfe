/**
 * The engine through its API contract, as the app and the bridge call it.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ApiEvents, EngineApi } from '../../src/shared/api';
import { createEngine } from '../../src/main/engine/engine';
import { reportSchemaErrors } from '../../src/main/engine/report/report-schema';
import { REPO_ROOT, tempDir } from '../helpers';
import { writeFakeSysfs } from './devices/fake-sysfs';

const dir = tempDir();
const engine = createEngine({ cacheDir: join(dir, 'cache'), workspaceDir: join(dir, 'workspace') });

function waitForJob(api: EngineApi, jobId: string): Promise<ApiEvents['jobDone'] | ApiEvents['jobFailed']> {
  return new Promise((resolve) => {
    const offDone = api.on('jobDone', (e) => e.jobId === jobId && (offDone(), offFailed(), resolve(e)));
    const offFailed = api.on('jobFailed', (e) => e.jobId === jobId && (offDone(), offFailed(), resolve(e)));
  });
}

describe('engine API', () => {
  it('lists the demo models, the bundled ones present on disk', async () => {
    const demos = await engine.call('listDemoModels', {});
    expect(demos.map((d) => d.id)).toEqual(expect.arrayContaining(['cnn-small', 'mlp-lenet-300-100', 'fc-alexnet-fc7', 'fc-vgg16-fc6']));
    const cnn = demos.find((d) => d.id === 'cnn-small')!;
    expect(cnn.path).toBe(join(REPO_ROOT, 'resources/models/cnn-small.onnx'));
  });

  it('generates an EIE benchmark layer on first open (large demo models are never committed)', async () => {
    const fc8 = (await engine.call('listDemoModels', {})).find((d) => d.id === 'fc-alexnet-fc8')!;
    expect(fc8.path).toBe(join(dir, 'cache', 'models', 'fc-alexnet-fc8.onnx'));
    const summary = await engine.call('openModel', { path: fc8.path });
    expect(summary.inputs).toEqual([{ name: 'x', dtype: 'float32', shape: ['batch', 4096] }]);
    expect(summary.parameterCount).toBe(4096 * 1000);
    expect(summary.opHistogram).toEqual({ MatMul: 1 });
  });

  it('opens a model, remembers it, and imports dropped bytes', async () => {
    const path = join(REPO_ROOT, 'resources/models/mlp-lenet-300-100.onnx');
    const summary = await engine.call('openModel', { path });
    expect(summary.parameterCount).toBe(266610);
    expect((await engine.call('recentModels', {}))[0].path).toBe(path);
    const imported = await engine.call('importModel', { fileName: 'dropped model.onnx', dataBase64: readFileSync(path).toString('base64') });
    expect(imported.sha256).toBe(summary.sha256);
    expect(imported.path).toMatch(/dropped_model\.onnx$/);
  });

  it('validates every request and names the problem', async () => {
    await expect(engine.call('openModel', { path: 42 } as never)).rejects.toMatchObject({ code: 'E_BAD_REQUEST' });
    await expect(engine.call('startProfile', { modelPath: 'x.onnx', prune: [1.2] })).rejects.toThrow(/sparsity 1.2 is outside \[0, 1\)/);
    await expect(engine.call('startProfile', { modelPath: 'x.onnx', bogus: 1 } as never)).rejects.toThrow(/unknown field 'bogus'/);
    await expect(engine.call('openModel', { path: join(dir, 'missing.onnx') })).rejects.toMatchObject({ code: 'E_MODEL_NOT_FOUND' });
    await expect(engine.call('getReport', { jobId: 'nope' })).rejects.toMatchObject({ code: 'E_NOT_FOUND' });
  });

  it('runs a profile job with progress events and exports the report', async () => {
    const progress: string[] = [];
    const off = engine.on('jobProgress', (p) => progress.push(p.stage));
    const { jobId } = await engine.call('startProfile', {
      modelPath: join(REPO_ROOT, 'resources/models/mlp-lenet-300-100.onnx'),
      prune: [0.8],
      runs: 5,
      profiledRuns: 2,
      batch: 2,
    });
    const outcome = await waitForJob(engine, jobId);
    off();
    expect('report' in outcome).toBe(true);
    const report = (outcome as ApiEvents['jobDone']).report;
    expect(reportSchemaErrors(report)).toEqual([]);
    expect(report.variants.map((v) => v.id)).toEqual(['dense', 'pruned-0.8']);
    expect(new Set(progress)).toEqual(new Set(['prepare', 'ceilings', 'compress', 'run', 'analyse', 'report']));
    expect(await engine.call('getReport', { jobId })).toEqual(report);
    const json = await engine.call('exportReport', { jobId, format: 'json' });
    expect(JSON.parse(json.content)).toEqual(report);
    const html = await engine.call('exportReport', { jobId, format: 'html' });
    expect(html.mimeType).toBe('text/html');
    expect(html.fileName).toBe('mlp-lenet-300-100.report.html');
    const trace = await engine.call('exportReport', { jobId, format: 'trace' });
    expect(JSON.parse(trace.content).traceEvents.length).toBeGreaterThan(0);
    const md = await engine.call('exportReport', { jobId, format: 'md' });
    expect([md.fileName, md.mimeType]).toEqual(['mlp-lenet-300-100.report.md', 'text/markdown']);
    expect(md.content).toMatch(/^# edgescope report: mlp-lenet-300-100\.onnx/);
    expect(md.content).toContain('## Reproducibility');
    const tex = await engine.call('exportReport', { jobId, format: 'tex' });
    expect(tex.fileName).toBe('mlp-lenet-300-100.report.tex');
    expect(tex.content).toContain('\\toprule');
    // CSV: one row per run under the runs header; the ops file has a row per op of every run.
    const runsCsv = await engine.call('exportReport', { jobId, format: 'csv' });
    expect([runsCsv.fileName, runsCsv.mimeType]).toEqual(['mlp-lenet-300-100.runs.csv', 'text/csv']);
    const runLines = runsCsv.content.trimEnd().split('\r\n');
    expect(runLines[0]).toMatch(/^variant,ep,.*median_ms/);
    expect(runLines.slice(1).map((line) => line.split(',').slice(0, 2).join('@'))).toEqual(['dense@cpu', 'pruned-0.8@cpu']);
    const opsCsv = await engine.call('exportReport', { jobId, format: 'ops-csv' });
    expect(opsCsv.fileName).toBe('mlp-lenet-300-100.ops.csv');
    const opCount = report.variants.reduce((n, v) => n + v.runs.reduce((m, r) => m + r.ops.length, 0), 0);
    expect(opsCsv.content.trimEnd().split('\r\n').length).toBe(1 + opCount);
    // PDF: the report page printed (by a headless Chromium here, Electron's printToPDF in the app), base64.
    const pdf = await engine.call('exportReport', { jobId, format: 'pdf' });
    expect([pdf.fileName, pdf.mimeType, pdf.encoding]).toEqual(['mlp-lenet-300-100.report.pdf', 'application/pdf', 'base64']);
    expect(Buffer.from(pdf.content, 'base64').subarray(0, 5).toString()).toBe('%PDF-');
    await expect(engine.call('exportReport', { jobId, format: 'docx' } as never)).rejects.toThrow(/'format' must be one of json, html, pdf, trace, md, tex, csv, ops-csv/);
    // Any pair, in either direction: the reverse of the report's comparison inverts the speedup.
    const reverse = await engine.call('compareRuns', { jobId, baseline: { variant: 'pruned-0.8', ep: 'cpu' }, candidate: { variant: 'dense', ep: 'cpu' } });
    const forward = report.comparisons[0];
    expect(reverse.speedupMedian).toBeCloseTo(1 / forward.speedupMedian, 9);
    expect(reverse.ops.map((o) => o.name)).toEqual(forward.ops.map((o) => o.name));
    await expect(engine.call('compareRuns', { jobId, baseline: { variant: 'dense', ep: 'cpu' }, candidate: { variant: 'dense', ep: 'webgpu' } })).rejects.toThrow(
      /no run dense@webgpu in this report \(runs: dense@cpu, pruned-0.8@cpu\)/,
    );
    await expect(engine.call('compareRuns', { jobId, baseline: { variant: 'dense' }, candidate: { variant: 'dense', ep: 'cpu' } } as never)).rejects.toMatchObject({
      code: 'E_BAD_REQUEST',
    });
  });

  it('cancels a running job: it fails with E_CANCELLED', async () => {
    const { jobId } = await engine.call('startProfile', {
      modelPath: join(REPO_ROOT, 'resources/models/cnn-small.onnx'),
      runs: 1_000_000,
      minTimeMs: 600_000,
    });
    const outcome = waitForJob(engine, jobId);
    await new Promise((r) => setTimeout(r, 2500));
    expect(await engine.call('cancelJob', { jobId })).toEqual({ cancelled: true });
    const result = await outcome;
    expect(result).toMatchObject({ jobId, error: { code: 'E_CANCELLED' } });
    await expect(engine.call('getReport', { jobId })).rejects.toMatchObject({ code: 'E_NOT_FOUND' });
  });

  it('lists backends with reasons', async () => {
    const backends = await engine.call('listBackends', {});
    expect(backends[0]).toMatchObject({ ep: 'cpu', available: true });
    expect(backends.filter((b) => !b.available).every((b) => typeof b.reason === 'string' && b.reason.length > 0)).toBe(true);
  });

  it('lists the devices: CPU, memory and the EPs of the backend probe', async () => {
    const inventory = await engine.call('listDevices', {});
    expect(inventory.cpu.logicalCores).toBeGreaterThan(0);
    expect(inventory.cpu.model.length).toBeGreaterThan(0);
    expect(inventory.memoryBytes).toBeGreaterThan(0);
    expect(inventory.eps.find((ep) => ep.name === 'cpu')).toMatchObject({ available: true, bundled: true });
    expect(inventory.eps.map((ep) => ep.name)).toEqual((await engine.call('listBackends', {})).map((b) => b.ep));
    await expect(engine.call('listDevices', { all: true } as never)).rejects.toThrow(/listDevices: unknown field 'all'/);
  });

  it('emits devicesChanged when a USB device appears under EDGESCOPE_SYSFS_ROOT, only while someone listens', async () => {
    const sysfs = writeFakeSysfs(join(tempDir(), 'sys'));
    const saved = process.env.EDGESCOPE_SYSFS_ROOT;
    process.env.EDGESCOPE_SYSFS_ROOT = sysfs;
    const fake = createEngine({ cacheDir: join(dir, 'cache'), workspaceDir: join(dir, 'workspace-devices') });
    if (saved === undefined) delete process.env.EDGESCOPE_SYSFS_ROOT;
    else process.env.EDGESCOPE_SYSFS_ROOT = saved;
    try {
      const before = await fake.call('listDevices', {});
      expect(before.accelerators.some((a) => a.address.includes('(1-10)'))).toBe(false);
      let changes = 0;
      const changed = new Promise<void>((resolve) => {
        const off = fake.on('devicesChanged', () => {
          changes++;
          off();
          resolve();
        });
      });
      // A Coral plugged in, booted: the device folder, then its attributes (as the kernel adds them).
      const device = join(sysfs, 'bus/usb/devices/1-10');
      mkdirSync(device);
      for (const [file, value] of Object.entries({ idVendor: '18d1', idProduct: '9302', busnum: '1', devnum: '12' })) writeFileSync(join(device, file), `${value}\n`);
      await changed;
      const after = await fake.call('listDevices', {});
      expect(after.accelerators.find((a) => a.address.includes('(1-10)'))).toMatchObject({ name: 'Google Coral USB Accelerator', state: 'booted' });

      // Nobody listens any more: unplugging it is not reported.
      rmSync(device, { recursive: true });
      await new Promise((r) => setTimeout(r, 800));
      expect(changes).toBe(1);
    } finally {
      await fake.dispose();
    }
  });

  it('takes the sysfs root from its options before the environment', async () => {
    const sysfs = writeFakeSysfs(join(tempDir(), 'sys'));
    const fake = createEngine({ cacheDir: join(dir, 'cache'), workspaceDir: join(dir, 'workspace-devices'), sysfsRoot: sysfs });
    try {
      const inventory = await fake.call('listDevices', {});
      expect(inventory.accelerators.map((a) => a.name)).toContain('Hailo-8');
      expect(inventory.cpu.caches.map((c) => c.level)).toContain('L3');
    } finally {
      await fake.dispose();
    }
  });
});
