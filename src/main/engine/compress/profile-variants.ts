/**
 * Compressed variants that `profile` runs next to dense besides its own pruned ones:
 * `--variant FILE.onnx` (a model built elsewhere, e.g. by `edgescope compress`) and
 * `--recipe FILE` (a variant built from a recipe in memory).
 *
 * Everything is read and built in prepareGivenVariants, before the job writes anything, so
 * a bad file, a recipe that does not fit the model or clashing ids fail the job up front.
 */
import { basename, join, resolve } from 'node:path';
import type { ProfileRequest } from '../../../shared/api';
import { badRequest, EdgescopeError } from '../../../shared/errors';
import type { LayerSparsity } from '../../../shared/report';
import { readModel, writeModel, type onnx } from '../model/onnx-io';
import { graphInputs, summarizeModel } from '../model/summary';
import { compressModel } from './compress-model';
import { prunableLayerSparsity } from './prune';
import { readRecipe } from './recipe';

/** What profile-job needs of a variant (its own Variant shape). */
export interface GivenVariant {
  id: string;
  modelPath: string;
  finalPath: string;
  sparsity: number;
  targetSparsity: number | null;
  layers: LayerSparsity[];
  fileBytes: number;
  sha256: string;
  weightBytes: number;
}

export interface PreparedVariant {
  id: string;
  /** A file given with --variant, profiled where it is. */
  path?: string;
  /** A model built from a recipe, written into the job's staging folder. */
  built?: onnx.ModelProto;
  layers: LayerSparsity[];
  sparsity: number;
  weightBytes: number;
  fileBytes: number;
  sha256: string;
}


/** A variant id from a file name: its stem with anything but [A-Za-z0-9._+-] as '-'. */
export function variantIdFromPath(path: string, suffix = /\.onnx$/i): string {
  return basename(path).replace(suffix, '').replace(/[^A-Za-z0-9._+-]/g, '-') || 'variant';
}

function overallSparsity(layers: LayerSparsity[]): number {
  const total = layers.reduce((s, l) => s + l.elementCount, 0);
  return total > 0 ? layers.reduce((s, l) => s + l.zeros, 0) / total : 0;
}

function sameInputs(dense: onnx.IModelProto, variant: onnx.IModelProto): string | null {
  const names = (p: onnx.IModelProto) => graphInputs(p).map((i) => i.name).sort().join(', ');
  return names(dense) === names(variant) ? null : `inputs ${names(variant)} differ from the model's (${names(dense)})`;
}

/**
 * Read every --variant file and build the --recipe variant. `takenIds` are the ids the job
 * already uses (dense, pruned-S, ...); a clash is an error naming the file.
 */
export async function prepareGivenVariants(request: ProfileRequest, dense: onnx.IModelProto, densePath: string, takenIds: string[]): Promise<PreparedVariant[]> {
  const taken = new Set(['dense', ...takenIds]);
  const claim = (id: string, what: string) => {
    if (taken.has(id)) badRequest(`${what} would be variant '${id}', which is already taken (rename the file)`);
    taken.add(id);
    return id;
  };
  const prepared: PreparedVariant[] = [];
  for (const given of request.variantPaths ?? []) {
    const path = resolve(given);
    if (path === resolve(densePath)) badRequest(`--variant ${given} is the model itself`);
    const loaded = readModel(path);
    const mismatch = sameInputs(dense, loaded.proto);
    if (mismatch) badRequest(`--variant ${given}: ${mismatch}`);
    const summary = summarizeModel(loaded);
    const layers = prunableLayerSparsity(loaded.proto);
    prepared.push({
      id: claim(variantIdFromPath(path), `--variant ${given}`),
      path,
      layers,
      sparsity: overallSparsity(layers),
      weightBytes: summary.weightBytes,
      fileBytes: summary.fileBytes,
      sha256: summary.sha256,
    });
  }
  if (request.recipePath) {
    const label = request.recipePath;
    const recipe = readRecipe(resolve(label));
    if (recipe.quantize?.mode === 'int8-static') {
      badRequest(`recipe ${label}: int8-static needs calibration samples; build it with edgescope compress --calibration and pass it with --variant`);
    }
    const noWorker = () => Promise.reject(new EdgescopeError('E_INTERNAL', 'no run worker for a recipe variant'));
    const result = await compressModel(dense, { recipe: { recipe, label } }, { runWorker: noWorker });
    const layers: LayerSparsity[] = result.layers.map((l) => ({
      initializer: l.name,
      node: l.node,
      opType: l.opType,
      elementCount: l.elementCount,
      zeros: l.zeros,
      sparsity: l.sparsity,
      targetSparsity: l.targetSparsity ?? 0,
    }));
    prepared.push({
      id: claim(`recipe-${variantIdFromPath(label, /\.json$/i)}`, `--recipe ${label}`),
      built: result.model,
      layers,
      sparsity: overallSparsity(layers),
      weightBytes: 0,
      fileBytes: 0,
      sha256: '',
    });
  }
  return prepared;
}

/** The variant as the job runs it: a given file where it is; a built one written into staging. */
export async function stageGivenVariant(v: PreparedVariant, staging: string, stem: string, outDir: string): Promise<GivenVariant> {
  const base = { id: v.id, sparsity: v.sparsity, targetSparsity: null, layers: v.layers };
  if (v.path) return { ...base, modelPath: v.path, finalPath: v.path, fileBytes: v.fileBytes, sha256: v.sha256, weightBytes: v.weightBytes };
  const file = `${stem}.${v.id}.onnx`;
  const modelPath = join(staging, file);
  const written = await writeModel(modelPath, v.built!);
  const summary = summarizeModel(readModel(modelPath));
  return { ...base, modelPath, finalPath: join(resolve(outDir), file), fileBytes: written.fileBytes, sha256: written.sha256, weightBytes: summary.weightBytes };
}
