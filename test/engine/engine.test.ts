/**
 * The engine through its API contract, as the app and the bridge call it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ApiEvents, EngineApi } from '../../src/shared/api';
import { createEngine } from '../../src/main/engine/engine';
import { reportSchemaErrors } from '../../src/main/engine/report/report-schema';
import { REPO_ROOT, tempDir } from '../helpers';

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
});
