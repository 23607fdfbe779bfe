/**
 * Runs a sweep: every cell (model x variant x EP x batch x threads) through runProfileJob,
 * one after the other, resumable.
 *
 * Layout of the output folder DIR:
 *   results.json             progress and results (results.ts), replaced atomically after each cell
 *   cells/<key>/             one cell's report.json, report.html, trace.json
 *   models/<model>.<id>.onnx pruned variants, written once per sweep run (atomically)
 *   .partial/<key>/          the cell being run; moved to cells/<key> when it succeeds
 *
 * Why a cell runs in .partial: a cell killed mid-run leaves at most a folder there, which
 * the next start deletes, and the cell is rerun (it has no results entry). A cell killed
 * after its folder moved into cells/ but before results.json was written is rerun too and
 * its folder replaced, so no cell is ever listed or stored twice.
 *
 * A pruned variant is pruned here (compress/prune.ts), a recipe variant built here
 * (compress/compress-model.ts), and its file profiled alone, so each cell costs one profile,
 * not dense + variant; its numbers are the variant's. Its outputs are then checked against
 * the dense model's on the same EP, batch and threads (verify-cell.ts: one inference each, in
 * a run worker the sweep shares), which the Pareto chart uses as its quality axis.
 */
import { mkdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { JobStage } from '../../../shared/api';
import { badRequest, EdgescopeError, toApiError } from '../../../shared/errors';
import type { LayerSparsity, Report } from '../../../shared/report';
import { compressModel } from '../compress/compress-model';
import { pruneModel } from '../compress/prune';
import { readRecipe } from '../compress/recipe';
import { DEMO_MODELS, ensureDemoModel } from '../model/demo-models';
import { readInputSet, type InputSet } from '../model/input-set';
import { readModel, writeModel, type onnx } from '../model/onnx-io';
import { graphInputs } from '../model/summary';
import type { BackendStatus, TensorInfo } from '../../../shared/report';
import { runProfileJob, type EngineEnv } from '../profile-job';
import { probeBackendsInNewWorker } from '../run/backends';
import { RunWorker } from '../run/runner';
import { pendingCells, readResults, recordCell, RESULTS_FILE, RESULTS_VERSION, writeResults, type CellResult, type SweepResults } from './results';
import { demoIdOf, expandCells, modelKeys, sweepHash, type SweepCell, type SweepSpec, type SweepVariant } from './spec';
import { verifyCell, type CellVerification } from './verify-cell';

export interface SweepOptions {
  /** The sweep file (recorded in results.json). */
  sweepFile: string;
  /** Validated spec with absolute paths. */
  spec: SweepSpec;
  /** The same spec with paths as written (hash, results). */
  raw: SweepSpec;
  outDir: string;
  /** Start over: delete this sweep's earlier output in DIR (results.json, cells/, models/). */
  restart?: boolean;
  /** Rerun cells that failed before (default: only cells without a result run). */
  retryFailed?: boolean;
}

export interface SweepProgress {
  /** Cells finished in this run / cells this run has to do. */
  done: number;
  todo: number;
  cell: SweepCell;
  /** Progress within the current cell, 0..1. */
  cellFraction: number;
  stage: JobStage;
  message: string;
}

export interface SweepHooks {
  signal?: AbortSignal;
  onProgress?: (p: SweepProgress) => void;
  onCellDone?: (result: CellResult, done: number, todo: number) => void;
  commandLine?: string[];
}

type SweepEnv = EngineEnv & { demoDirs: { bundledDir: string; generatedDir: string } };

export async function runSweep(env: SweepEnv, options: SweepOptions, hooks: SweepHooks = {}): Promise<SweepResults> {
  const { spec, raw, outDir } = options;
  const cells = expandCells(raw);
  const specHash = sweepHash(raw);

  if (options.restart) {
    for (const name of [RESULTS_FILE, 'cells', 'models', '.partial']) await rm(join(outDir, name), { recursive: true, force: true });
  }
  const existing = readResults(outDir);
  if (existing && existing.specHash !== specHash) {
    throw new EdgescopeError('E_BAD_REQUEST', `${outDir} holds results of a different sweep (the spec changed); use another --out or pass --restart`);
  }
  const keys = modelKeys(raw.models);
  const models = new Models(env, spec, keys, outDir);
  // An input set that does not fit a model is the sweep's error, before anything is written.
  if (spec.data !== undefined) for (const m of spec.models.keys()) await models.inputSet(m);
  await rm(join(outDir, '.partial'), { recursive: true, force: true });
  await mkdir(outDir, { recursive: true });

  const now = new Date().toISOString();
  let results: SweepResults = existing ?? {
    version: RESULTS_VERSION,
    specHash,
    sweepFile: options.sweepFile,
    total: cells.length,
    complete: false,
    startedAt: now,
    updatedAt: now,
    cells: [],
  };
  await writeResults(outDir, results);

  const todo = pendingCells(cells, results.cells, options.retryFailed === true);
  const modelIndex = new Map(raw.models.map((m, i) => [m, i]));
  // One backend probe for the whole sweep, not one per cell (a cell on an unavailable EP still fails with its reason).
  let backends: Promise<BackendStatus[]> | null = null;
  const verifier = new Verifier(env.workerScriptPath, hooks.signal);
  try {
    for (const [done, cell] of todo.entries()) {
      if (hooks.signal?.aborted) throw new EdgescopeError('E_CANCELLED', 'sweep interrupted');
      const m = modelIndex.get(cell.model)!;
      const variant = spec.variants.find((v) => v.id === cell.variant)!;
      const started = Date.now();
      // The job profiles one file, which it calls "dense" whatever variant it is: drop that label.
      const report = (stage: JobStage, fraction: number, message: string) =>
        hooks.onProgress?.({ done, todo: todo.length, cell, cellFraction: fraction, stage, message: message.replace(/^running dense on \S+$/, 'running').replace(/^dense on \S+: /, '') });
      let result: CellResult;
      try {
        report('prepare', 0, 'preparing the model');
        const { path, sparsity } = await models.variantFile(m, variant);
        const partial = join(outDir, '.partial', cell.key);
        await rm(partial, { recursive: true, force: true });
        const job = await runProfileJob(
          env,
          {
            modelPath: path,
            eps: [cell.ep],
            batch: cell.batch,
            threads: cell.threads,
            runs: spec.runs,
            warmup: spec.warmup,
            profiledRuns: spec.profiledRuns,
            minTimeMs: spec.minTimeMs,
            graphOptimizationLevel: spec.graphOptimizationLevel,
            seed: spec.seed,
            ...(spec.epOptions?.[cell.ep] ? { epOptions: { [cell.ep]: spec.epOptions[cell.ep] } } : {}),
          },
          partial,
          {
            signal: hooks.signal,
            onProgress: report,
            commandLine: hooks.commandLine,
            historySource: 'sweep',
            backends: await (backends ??= probeBackendsInNewWorker(env.workerScriptPath, env.cacheDir)),
          },
        );
        report('analyse', 0.95, 'comparing outputs with dense');
        const checked = await verifier.verify(cell, path, await models.dense(m), spec, spec.data !== undefined ? await models.inputSet(m) : undefined);
        const final = join(outDir, 'cells', cell.key);
        await mkdir(join(outDir, 'cells'), { recursive: true });
        await rm(final, { recursive: true, force: true });
        await rename(partial, final);
        result = { ...okResult(cell, job.report, sparsity), ...checked, wallMs: Date.now() - started, finishedAt: new Date().toISOString() };
      } catch (err) {
        if (hooks.signal?.aborted || (err instanceof EdgescopeError && err.code === 'E_CANCELLED')) {
          await rm(join(outDir, '.partial'), { recursive: true, force: true });
          throw new EdgescopeError('E_CANCELLED', 'sweep interrupted');
        }
        result = {
          ...cellIdentity(cell),
          status: 'failed',
          error: toApiError(err).message,
          wallMs: Date.now() - started,
          finishedAt: new Date().toISOString(),
        };
      }
      results = recordCell(results, cells, result);
      await writeResults(outDir, results);
      hooks.onCellDone?.(result, done + 1, todo.length);
    }
  } finally {
    await verifier.dispose();
  }
  await rm(join(outDir, '.partial'), { recursive: true, force: true });
  return results;
}

/**
 * Verification of ok cells against dense, in one run worker for the whole sweep (started on the
 * first cell). A verification that fails leaves the cell ok, with the reason in
 * `verificationError`, and a fresh worker for the next cell (the old one may have died).
 */
class Verifier {
  private worker: Promise<RunWorker> | null = null;

  constructor(
    private readonly workerScriptPath: string,
    private readonly signal: AbortSignal | undefined,
  ) {
    signal?.addEventListener('abort', () => void this.worker?.then((w) => w.cancel(), () => undefined));
  }

  async verify(
    cell: SweepCell,
    cellPath: string,
    dense: { path: string; declared: TensorInfo[] },
    spec: SweepSpec,
    inputSet: InputSet | undefined,
  ): Promise<{ verification: CellVerification } | { verificationError: string }> {
    try {
      const worker = await (this.worker ??= RunWorker.start(this.workerScriptPath));
      const verification = await verifyCell({
        worker,
        densePath: dense.path,
        declared: dense.declared,
        cellPath,
        ep: cell.ep,
        ...(spec.epOptions?.[cell.ep] ? { epOptions: spec.epOptions[cell.ep] } : {}),
        batch: cell.batch,
        threads: cell.threads,
        seed: spec.seed,
        graphOptimizationLevel: spec.graphOptimizationLevel,
        ...(inputSet ? { inputSet } : {}),
      });
      return { verification };
    } catch (err) {
      if (this.signal?.aborted) throw new EdgescopeError('E_CANCELLED', 'sweep interrupted');
      await this.dispose();
      return { verificationError: toApiError(err).message };
    }
  }

  async dispose(): Promise<void> {
    const worker = this.worker;
    this.worker = null;
    await worker?.then((w) => w.dispose(), () => undefined);
  }
}

function cellIdentity(cell: SweepCell): Pick<CellResult, 'model' | 'variant' | 'ep' | 'batch' | 'threads' | 'key'> {
  return { model: cell.model, variant: cell.variant, ep: cell.ep, batch: cell.batch, threads: cell.threads, key: cell.key };
}

function okResult(cell: SweepCell, report: Report, sparsity: number | undefined): Omit<CellResult, 'wallMs' | 'finishedAt'> {
  const variant = report.variants[0];
  const run = variant.runs[0];
  const t = run.totals;
  return {
    ...cellIdentity(cell),
    status: 'ok',
    report: `cells/${cell.key}/report.json`,
    latencyMs: run.latencyMs,
    throughputPerSec: run.throughputPerSec,
    sparsity: sparsity ?? overallSparsity(variant.layers),
    ...(t.opUs > 0 ? { shares: { memory: t.memoryUs / t.opUs, compute: t.computeUs / t.opUs, overhead: t.overheadUs / t.opUs } } : {}),
    sessionCreateMs: run.sessionCreateMs,
  };
}

function overallSparsity(layers: readonly LayerSparsity[]): number {
  const total = layers.reduce((s, l) => s + l.elementCount, 0);
  return total > 0 ? layers.reduce((s, l) => s + l.zeros, 0) / total : 0;
}

/** Model files of the sweep: demo models generated on first use, pruned variants written once per run. */
class Models {
  private readonly resolved = new Map<number, Promise<string>>();
  private readonly built = new Map<string, Promise<{ path: string; sparsity?: number }>>();
  private readonly denseModels = new Map<number, Promise<{ path: string; declared: TensorInfo[] }>>();
  private readonly inputSets = new Map<number, Promise<InputSet>>();

  constructor(
    private readonly env: SweepEnv,
    private readonly spec: SweepSpec,
    private readonly keys: readonly string[],
    private readonly outDir: string,
  ) {}

  private model(index: number): Promise<string> {
    let p = this.resolved.get(index);
    if (!p) {
      const entry = this.spec.models[index];
      const demo = demoIdOf(entry);
      p = demo === undefined ? Promise.resolve(entry) : ensureDemoModel(DEMO_MODELS.find((d) => d.id === demo)!, this.env.demoDirs);
      this.resolved.set(index, p);
    }
    return p;
  }

  /** The model as the sweep names it and its declared inputs: the baseline every cell of it is verified against. */
  dense(index: number): Promise<{ path: string; declared: TensorInfo[] }> {
    let p = this.denseModels.get(index);
    if (!p) {
      p = this.model(index).then((path) => ({ path, declared: graphInputs(readModel(path).proto) }));
      this.denseModels.set(index, p);
    }
    return p;
  }

  /** The sweep's input set read against model `index`'s inputs (throws one line when it does not fit). */
  inputSet(index: number): Promise<InputSet> {
    let p = this.inputSets.get(index);
    if (!p) {
      p = this.dense(index).then(({ declared }) => readInputSet(this.spec.data!, declared));
      this.inputSets.set(index, p);
    }
    return p;
  }

  /** The file a variant of model `index` is profiled from; sparsity when this sweep pruned or compressed it. */
  async variantFile(index: number, variant: SweepVariant): Promise<{ path: string; sparsity?: number }> {
    if (variant.model !== undefined) return { path: variant.model };
    const source = await this.model(index);
    if (variant.prune === undefined && variant.recipe === undefined) return { path: source };
    const key = `${this.keys[index]}.${variant.id}`;
    let p = this.built.get(key);
    if (!p) {
      p = (async () => {
        const { model, sparsity } = variant.recipe !== undefined ? await fromRecipe(readModel(source).proto, variant.recipe) : this.prune(source, variant.prune!);
        const path = join(this.outDir, 'models', `${key}.onnx`);
        await writeModel(path, model);
        return { path, sparsity };
      })();
      // A failed build fails every cell of the variant with its reason; it is not retried per cell.
      this.built.set(key, p);
    }
    return p;
  }

  private prune(source: string, sparsity: number): { model: onnx.ModelProto; sparsity: number } {
    const result = pruneModel(readModel(source).proto, { sparsity, global: this.spec.pruneScope === 'global' });
    return { model: result.model, sparsity: result.sparsity };
  }
}

/** A recipe variant (prune, thin, share, quantize as the recipe says), built in memory. */
async function fromRecipe(proto: onnx.IModelProto, recipePath: string): Promise<{ model: onnx.ModelProto; sparsity?: number }> {
  const recipe = readRecipe(recipePath);
  if (recipe.quantize?.mode === 'int8-static') {
    badRequest(`recipe ${recipePath}: int8-static needs calibration samples; build the variant with edgescope compress --calibration and give it as a 'model' variant`);
  }
  const noWorker = () => Promise.reject(new EdgescopeError('E_INTERNAL', 'no run worker for a recipe variant'));
  const result = await compressModel(proto, { recipe: { recipe, label: recipePath } }, { runWorker: noWorker });
  // Quantized weights are no longer float: their sparsity is the one reached before quantization.
  const elements = result.layers.reduce((n, l) => n + l.elementCount, 0);
  return { model: result.model, sparsity: elements > 0 ? result.layers.reduce((n, l) => n + l.zeros, 0) / elements : undefined };
}
