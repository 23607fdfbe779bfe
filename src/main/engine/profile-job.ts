/**
 * The main job: model -> compress -> run -> trace -> analyse -> report.
 *
 * Every check that can fail on user input (model file, shapes, EPs, sparsities) runs
 * before anything is written. Pruned models and profiles are staged in a hidden
 * folder inside the output folder and moved into place only when the whole job
 * succeeded, so a failed or cancelled job leaves the output folder as it was.
 */
import { mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import type { HistorySource, JobStage, ProfileRequest } from '../../shared/api';
import { EdgescopeError } from '../../shared/errors';
import {
  REPORT_SCHEMA_VERSION,
  type BackendStatus,
  type Ceilings,
  type ProfileSettings,
  type Report,
  type RunReport,
  type VariantReport,
} from '../../shared/report';
import { SourceGraph } from './analysis/source-graph';
import { compareRuns } from './analysis/compare';
import { measureRun } from './measure-run';
import { throttlingWarning } from './trace/counters/thermal-throttle';
import { compareOutputs, verifyOnInputSet } from './analysis/verify';
import { readInputSet } from './model/input-set';
import { prunableLayerSparsity, pruneModel } from './compress/prune';
import { prepareGivenVariants, stageGivenVariant } from './compress/profile-variants';
import { ceilingsFor } from './machine/ceilings';
import { collectEnvironment } from './machine/environment';
import { lastLevelCacheBytes, machineInventory } from './machine/machine-info';
import { resolveInputs } from './model/inputs';
import { readModel, writeModel } from './model/onnx-io';
import { summarizeModel } from './model/summary';
import { writeReportFiles } from './report/report-writer';
import { recordInHistory } from './history/record';
import { probeBackends, requireBackends } from './run/backends';
import type { OutputTensor, RunPhase } from './run/messages';
import { RunWorker } from './run/runner';
import { validateEpOptions } from './run/ep-options';
import { DEFAULT_SAMPLE_PERIOD_MS } from './trace/counters';
import type { BreakEvenCacheSpec } from './sparse/hybrid/break-even';
import { hybridMeasurer } from './sparse/hybrid/measure-hybrid';
import type { HybridRunInfo } from './sparse/hybrid/messages';
import { checkSparseRequest, hybridReport, hybridVariantId } from './sparse/hybrid/variant';

export interface EngineEnv {
  workerScriptPath: string;
  cacheDir: string;
  toolVersion: string;
  samplePeriodMs?: number;
  /** The workspace whose run history records every finished job (history/); none: not recorded. */
  workspaceDir?: string;
}

export interface JobHooks {
  /** The backend probe's answer when the caller already has it (the app, a sweep); else the job probes. */
  backends?: BackendStatus[];
  onProgress?: (stage: JobStage, fraction: number, message: string) => void;
  signal?: AbortSignal;
  commandLine?: string[];
  /** Who runs the job, for the history (default: 'cli' with a command line, else 'app'). */
  historySource?: HistorySource;
}

export interface ProfileJobResult {
  report: Report;
  outDir: string;
  files: { report: string; html: string; trace: string; models: string[] };
  /** The job's id in the run history, when it was recorded there. */
  historyId?: string;
  /** Why recording in the history failed (the job's own output is complete regardless). */
  historyError?: string;
}

export const DEFAULTS = {
  eps: ['cpu'],
  batch: 1,
  warmup: 5,
  runs: 30,
  minTimeMs: 0,
  profiledRuns: 10,
  graphOptimizationLevel: 'all',
  seed: 42,
} as const;

interface Variant {
  id: string;
  modelPath: string;
  finalPath: string;
  sparsity: number;
  targetSparsity: number | null;
  layers: VariantReport['layers'];
  fileBytes: number;
  sha256: string;
  weightBytes: number;
  /** For a `pruned-S+sparse` variant: the pruned variant it runs hybrid (ORT + sparse kernels). */
  hybridOf?: string;
}

export function variantId(sparsity: number): string {
  return `pruned-${Number(sparsity.toFixed(4))}`;
}

function throwIfCancelled(signal?: AbortSignal): void {
  if (signal?.aborted) throw new EdgescopeError('E_CANCELLED', 'profile cancelled');
}

export async function runProfileJob(env: EngineEnv, request: ProfileRequest, outDir: string, hooks: JobHooks = {}): Promise<ProfileJobResult> {
  const progress = (stage: JobStage, fraction: number, message: string) => hooks.onProgress?.(stage, Math.min(1, Math.max(0, fraction)), message);
  const signal = hooks.signal;

  // 1. Everything that can be wrong with the request, before any output.
  progress('prepare', 0, 'reading the model');
  const modelPath = resolve(request.modelPath);
  const loaded = readModel(modelPath);
  const model = summarizeModel(loaded);
  const machine = await machineInventory();
  const settings: ProfileSettings = {
    eps: request.eps ?? [...DEFAULTS.eps],
    threads: request.threads ?? machine.cores,
    batch: request.batch ?? DEFAULTS.batch,
    dims: request.dims ?? {},
    shapes: request.shapes ?? {},
    inputValues: request.inputValues ?? {},
    warmupRuns: request.warmup ?? DEFAULTS.warmup,
    timedRuns: request.runs ?? DEFAULTS.runs,
    minTimeMs: request.minTimeMs ?? DEFAULTS.minTimeMs,
    profiledRuns: request.profiledRuns ?? DEFAULTS.profiledRuns,
    graphOptimizationLevel: request.graphOptimizationLevel ?? DEFAULTS.graphOptimizationLevel,
    seed: request.seed ?? DEFAULTS.seed,
    pruneSparsities: [...new Set(request.prune ?? [])],
    pruneScope: request.pruneScope ?? 'layer',
    samplePeriodMs: env.samplePeriodMs ?? DEFAULT_SAMPLE_PERIOD_MS,
    ...(request.sparse ? { sparse: true } : {}),
    ...(request.sparseLayers && Object.keys(request.sparseLayers).length > 0 ? { sparseLayers: request.sparseLayers } : {}),
    ...(request.sparseCache && request.sparseCache !== 'use' ? { sparseCache: request.sparseCache } : {}),
    ...(request.epOptions && Object.keys(request.epOptions).length > 0
      ? { epOptions: validateEpOptions(request.epOptions, request.eps ?? [...DEFAULTS.eps]) }
      : {}),
    ...(request.coldCache ? { coldCache: true } : {}),
  };
  for (const s of settings.pruneSparsities) {
    if (!(s >= 0 && s < 1)) throw new EdgescopeError('E_BAD_REQUEST', `sparsity ${s} is outside [0, 1)`);
  }
  checkSparseRequest(settings, loaded.proto);
  // --data: samples to verify variants on, checked before anything runs or is written.
  const inputSet = request.dataPath ? readInputSet(resolve(request.dataPath), model.inputs) : undefined;
  // --variant files and the --recipe variant: read and built now, written only with the job's output.
  const givenVariants = await prepareGivenVariants(request, loaded.proto, modelPath, settings.pruneSparsities.map(variantId));
  const inputs = resolveInputs(model.inputs, {
    batch: settings.batch,
    dims: settings.dims,
    shapes: settings.shapes,
    values: settings.inputValues,
    seed: settings.seed,
  });

  const clockOriginNs = process.hrtime.bigint();
  // A worker for the probe and for measuring ceilings, started only if one of them is needed:
  // with backends given and ceilings cached, a job starts no process before its runs.
  let service = null as RunWorker | null;
  const serviceWorker = async (): Promise<RunWorker> => (service ??= await RunWorker.start(env.workerScriptPath));
  const cancelService = () => service?.cancel();
  signal?.addEventListener('abort', cancelService);
  let staging: string | null = null;
  try {
    const backends = hooks.backends ?? (await probeBackends(await serviceWorker(), env.cacheDir));
    requireBackends(settings.eps, backends);
    throwIfCancelled(signal);

    // 2. Ceilings of this machine for each EP and the thread count in use (cached).
    const ceilingsByEp = new Map<string, Ceilings>();
    for (const [i, ep] of settings.eps.entries()) {
      progress('ceilings', 0.05 + (0.1 * i) / settings.eps.length, `machine ceilings for ${ep}`);
      ceilingsByEp.set(
        ep,
        await ceilingsFor(
          {
            worker: serviceWorker,
            cacheDir: env.cacheDir,
            fingerprint: machine.fingerprint,
            lastLevelCacheBytes: lastLevelCacheBytes(machine.caches),
            clockOriginNs,
            onProgress: (m) => progress('ceilings', 0.05 + (0.1 * i) / settings.eps.length, m),
          },
          ep,
          settings.threads,
        ),
      );
      throwIfCancelled(signal);
    }
    await service?.dispose();

    // 3. Variants: dense, then one pruned model per sparsity, staged until the job succeeds.
    await mkdir(outDir, { recursive: true });
    staging = await mkdtemp(join(outDir, '.edgescope-staging-'));
    const stem = basename(modelPath).replace(/\.onnx$/i, '');
    const variants: Variant[] = [
      {
        id: 'dense',
        modelPath,
        finalPath: modelPath,
        sparsity: 0,
        targetSparsity: null,
        layers: prunableLayerSparsity(loaded.proto),
        fileBytes: model.fileBytes,
        sha256: model.sha256,
        weightBytes: model.weightBytes,
      },
    ];
    for (const [i, s] of settings.pruneSparsities.entries()) {
      progress('compress', 0.15 + (0.05 * i) / settings.pruneSparsities.length, `pruning to ${(s * 100).toFixed(0)}% sparsity`);
      const pruned = pruneModel(loaded.proto, { sparsity: s, global: settings.pruneScope === 'global' });
      const id = variantId(s);
      const file = `${stem}.${id}.onnx`;
      const stagedPath = join(staging, file);
      const written = await writeModel(stagedPath, pruned.model);
      variants.push({
        id,
        modelPath: stagedPath,
        finalPath: join(resolve(outDir), file),
        sparsity: pruned.sparsity,
        targetSparsity: s,
        layers: pruned.layers,
        fileBytes: written.fileBytes,
        sha256: written.sha256,
        weightBytes: model.weightBytes,
      });
      if (settings.sparse) variants.push({ ...variants.at(-1)!, id: hybridVariantId(id), hybridOf: id });
      throwIfCancelled(signal);
    }

    for (const given of givenVariants) variants.push(await stageGivenVariant(given, staging, stem, outDir));

    // 4. Runs: each variant on each EP in a fresh worker, sampled from here.
    const total = variants.length * settings.eps.length;
    const sourceGraph = new SourceGraph(loaded.proto);
    const runReports = new Map<string, RunReport>();
    const outputs = new Map<string, OutputTensor[]>();
    const failures = new Map<string, { ep: string; error: string }[]>();
    const hybridRuns = new Map<string, HybridRunInfo>();
    const warnings: string[] = [];
    let index = 0;
    for (const ep of settings.eps) {
      for (const variant of variants) {
        const base = 0.2 + (0.7 * index) / total;
        const span = 0.7 / total;
        const label = `${variant.id} on ${ep}`;
        progress('run', base, `running ${label}`);
        try {
          const breakEven: BreakEvenCacheSpec | undefined =
            settings.sparseCache === 'off' ? undefined : { cacheDir: env.cacheDir, fingerprint: machine.fingerprint, mode: settings.sparseCache ?? 'use' };
          const { run, result } = await (variant.hybridOf ? hybridMeasurer(settings.sparseLayers, breakEven) : measureRun)({
            workerScriptPath: env.workerScriptPath,
            modelPath: variant.modelPath,
            ep,
            settings,
            inputs,
            ceilings: ceilingsByEp.get(ep)!,
            staging,
            clockOriginNs,
            signal,
            modelWeightBytes: model.weightBytes,
            sourceGraph,
            onPhase: (phase, done, totalRuns) => progress('run', base + span * phaseFraction(phase, done, totalRuns), `${label}: ${phase} ${done}/${totalRuns}`),
          });
          runReports.set(`${variant.id}@${ep}`, run);
          const throttled = throttlingWarning(label, run.throttling);
          if (throttled) warnings.push(throttled);
          if (result.outputs) outputs.set(`${variant.id}@${ep}`, result.outputs);
          if (result.hybrid) hybridRuns.set(`${variant.id}@${ep}`, result.hybrid);
        } catch (err) {
          if (err instanceof EdgescopeError && err.code === 'E_CANCELLED') throw err;
          // The dense run on the first EP is the baseline of everything: its failure is the job's.
          if (variant.id === 'dense') throw err;
          const message = err instanceof Error ? err.message : String(err);
          failures.set(variant.id, [...(failures.get(variant.id) ?? []), { ep, error: message }]);
          warnings.push(`${label} failed: ${message}`);
        }
        index++;
        throwIfCancelled(signal);
      }
    }

    // 5. Analysis across runs: verification against dense, comparisons.
    progress('analyse', 0.9, 'comparing variants');
    const verifiedOnData = inputSet
      ? await verifyOnInputSet({
          workerScriptPath: env.workerScriptPath,
          baseline: { id: 'dense', modelPath },
          candidates: variants.filter((v) => v.id !== 'dense' && !v.hybridOf),
          declared: model.inputs,
          set: inputSet,
          dataPath: resolve(request.dataPath!),
          ep: settings.eps[0],
          threads: settings.threads,
          signal,
        })
      : undefined;
    const variantReports: VariantReport[] = variants.map((v) => {
      const runs = settings.eps.flatMap((ep) => runReports.get(`${v.id}@${ep}`) ?? []);
      const report: VariantReport = {
        id: v.id,
        modelPath: v.finalPath,
        modelSha256: v.sha256,
        fileBytes: v.fileBytes,
        sparsity: v.sparsity,
        targetSparsity: v.targetSparsity,
        weightBytes: v.weightBytes,
        layers: v.layers,
        runs,
        failures: failures.get(v.id) ?? [],
        ...(v.hybridOf
          ? { hybrid: hybridReport(v.hybridOf, settings.eps.map((ep) => hybridRuns.get(`${v.id}@${ep}`)), failures.get(v.id) ?? []) }
          : {}),
      };
      if (v.id !== 'dense') {
        const ep = settings.eps.find((e) => outputs.has(`dense@${e}`) && outputs.has(`${v.id}@${e}`));
        if (ep) report.verification = compareOutputs(outputs.get(`dense@${ep}`)!, outputs.get(`${v.id}@${ep}`)!, 'dense', ep);
        report.verification = verifiedOnData?.get(v.id) ?? report.verification;
      }
      return report;
    });
    const comparisons = compareRuns(variantReports, settings.eps);

    const report: Report = {
      schemaVersion: REPORT_SCHEMA_VERSION,
      generatedAt: new Date().toISOString(),
      tool: {
        name: 'edgescope',
        version: env.toolVersion,
        onnxruntimeVersion: onnxruntimeVersion(),
        nodeVersion: process.versions.node,
        ...(hooks.commandLine ? { commandLine: hooks.commandLine } : {}),
      },
      machine: {
        ...machine,
        ceilings: ceilingsByEp.get(settings.eps[0])!,
        ceilingsByRun: [...ceilingsByEp.values()],
      },
      model: { ...model, path: modelPath },
      settings,
      backends,
      variants: variantReports,
      comparisons,
      warnings,
      environment: collectEnvironment({
        onnxruntimeVersion: onnxruntimeVersion(),
        eps: settings.eps,
        modelSha256: Object.fromEntries(variantReports.map((v) => [v.id, v.modelSha256])),
      }),
    };

    // 6. Output, all or nothing.
    progress('report', 0.95, 'writing the report');
    throwIfCancelled(signal);
    const files = await writeReportFiles(outDir, report);
    const models: string[] = [];
    for (const v of variants.slice(1).filter((v) => !v.hybridOf)) {
      await rename(v.modelPath, v.finalPath);
      models.push(v.finalPath);
    }
    const history = await recordJob(env, hooks, outDir, report);
    progress('report', 1, 'done');
    return { report, outDir: resolve(outDir), files: { ...files, models }, ...history };
  } finally {
    signal?.removeEventListener('abort', cancelService);
    await service?.dispose();
    if (staging) await rm(staging, { recursive: true, force: true });
  }
}

/** A finished job into the workspace's history; a failure there is reported, never the job's failure. */
async function recordJob(env: EngineEnv, hooks: JobHooks, outDir: string, report: Report): Promise<{ historyId?: string; historyError?: string }> {
  if (!env.workspaceDir) return {};
  try {
    const entry = await recordInHistory(env.workspaceDir, outDir, report, hooks.historySource ?? (hooks.commandLine ? 'cli' : 'app'));
    return { historyId: entry.id };
  } catch (err) {
    return { historyError: err instanceof Error ? err.message : String(err) };
  }
}

function onnxruntimeVersion(): string {
  try {
    // Read the version without loading the native binding into this process.
    return (require('onnxruntime-node/package.json') as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

function phaseFraction(phase: RunPhase, done: number, total: number): number {
  const within = total > 0 ? done / total : 0;
  switch (phase) {
    case 'session':
      return 0.05;
    case 'first-run':
      return 0.1;
    case 'warmup':
      return 0.1 + 0.1 * within;
    case 'timed':
      return 0.2 + 0.5 * within;
    case 'profiled':
      return 0.7 + 0.3 * within;
  }
}
