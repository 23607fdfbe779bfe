/**
 * The app's compression panel behind two calls:
 * - previewCompression: what a recipe does to a model, per prunable layer and in total (target and
 *   achieved sparsity, dense fp32 / CSR16 / shared / quantized bytes), computed in memory by the same
 *   pipeline `edgescope compress` runs (compress-model.ts), nothing written;
 * - compressVariant: the variant written and verified by compressFile, by default into the
 *   workspace's variants folder under a name derived from the recipe (same recipe, same file).
 *
 * The recipe arrives as JSON and is checked by recipe.ts, so a bad entry is one line naming it.
 */
import { createHash } from 'node:crypto';
import { basename, join } from 'node:path';
import type { CompressionPreview, CompressModelResult, PreviewLayer, RecipeJson } from '../../../shared/api';
import { EdgescopeError } from '../../../shared/errors';
import { elementCount, elementTypeBytes, readModel, tensorDims, type onnx } from '../model/onnx-io';
import { compressFile, compressModel, type CompressResult } from './compress-model';
import { prunableLayerSparsity, prunableWeights } from './prune';
import { parseRecipe, type Recipe } from './recipe';
import { csrBytes, denseBytes } from './storage/formats';
import { layerMatrices } from './storage/matrix';

/** The recipe's label in messages: "recipe for cnn-small.onnx: layers[1] (fc1): ...". */
function recipeLabel(modelPath: string): string {
  return `for ${basename(modelPath)}`;
}

function tensorBytes(t: onnx.ITensorProto): number {
  if (t.rawData && t.rawData.length > 0) return t.rawData.length;
  return elementCount(tensorDims(t)) * elementTypeBytes(t.dataType ?? 0);
}

/**
 * Bytes of the initializers quantization made for each weight: the quantizers name them after it
 * (`<weight>_int8`, `<weight>_q4`, `<weight>_scales`, ...), and they are the ones the float model lacks.
 */
function quantizedBytesByWeight(before: onnx.IModelProto, after: onnx.IModelProto, weights: readonly string[]): Map<string, number> {
  const existing = new Set((before.graph?.initializer ?? []).map((t) => t.name ?? ''));
  const added = (after.graph?.initializer ?? []).filter((t) => !existing.has(t.name ?? ''));
  const bytes = new Map<string, number>();
  // Longest names first, so weight "fc1" does not claim "fc1.weight_int8" when "fc1.weight" is a weight too.
  const byLength = [...weights].sort((a, b) => b.length - a.length);
  for (const t of added) {
    const owner = byLength.find((w) => (t.name ?? '').startsWith(`${w}_`));
    if (owner) bytes.set(owner, (bytes.get(owner) ?? 0) + tensorBytes(t));
  }
  return bytes;
}

function parse(modelPath: string, recipe: RecipeJson): Recipe {
  return parseRecipe(recipe, recipeLabel(modelPath));
}

const noWorker = async (): Promise<never> => {
  // Only int8-static calibration needs the run worker, and it needs calibration samples the panel does not take.
  throw new EdgescopeError('E_BAD_REQUEST', 'int8-static needs calibration samples: use `edgescope compress --quantize int8-static --calibration FILE`');
};

/**
 * The model and what the recipe's float stages (prune, thin, share) make of it, in memory: sizes and
 * views are read from these float weights, before quantization retypes them.
 */
export async function compressFloatStages(
  modelPath: string,
  recipeJson: RecipeJson,
): Promise<{ recipe: Recipe; original: onnx.IModelProto; compressed: Omit<CompressResult, 'prunedSparsity'> }> {
  const recipe = parse(modelPath, recipeJson);
  if (recipe.quantize?.mode === 'int8-static') await noWorker();
  const original = readModel(modelPath).proto;
  const { quantize: _quantize, ...floatStages } = recipe;
  const hasFloatStage = recipe.default !== undefined || recipe.layers.length > 0 || recipe.thin || recipe.shareWeights !== undefined;
  const compressed: Omit<CompressResult, 'prunedSparsity'> = hasFloatStage
    ? await compressModel(original, { recipe: { recipe: { ...floatStages, quantize: undefined }, label: recipeLabel(modelPath) } }, { runWorker: noWorker })
    : { model: original as onnx.ModelProto, stages: [], layers: [] };
  return { recipe, original, compressed };
}

/** Per-layer and total sparsity and sizes the recipe gives the model, without writing anything. */
export async function previewCompression(modelPath: string, recipeJson: RecipeJson): Promise<CompressionPreview> {
  const { recipe, original, compressed } = await compressFloatStages(modelPath, recipeJson);
  const { quantize } = recipe;
  // Names and shapes only: the dense model's nonzeros are not shown (a full sparsity table would cost a pass per granularity).
  const before = prunableWeights(original).map((w) => ({ name: w.initializer.name ?? '', node: w.nodeName, opType: w.opType, shape: tensorDims(w.initializer) }));
  const stages = [...compressed.stages];
  const shapes = new Map(prunableWeights(compressed.model).map((w) => [w.initializer.name ?? '', tensorDims(w.initializer)]));
  const counts = new Map(prunableLayerSparsity(compressed.model).map((l) => [l.initializer, l]));
  const rows = new Map(layerMatrices(compressed.model).map((m) => [m.initializer, m.rows]));
  const pruned = new Map(compressed.layers.filter((l) => l.targetSparsity !== undefined).map((l) => [l.name, l]));
  const shared = new Map((compressed.sharing ?? []).map((s) => [s.name, s.bytes]));
  const notes = new Map<string, string[]>();
  const note = (name: string, text: string) => notes.set(name, [...(notes.get(name) ?? []), text]);
  for (const t of compressed.thinning ?? []) if (t.reason) note(t.layer, `not thinned: ${t.reason}`);

  let quantized: Map<string, number> | undefined;
  if (quantize) {
    const result = await compressModel(compressed.model, { quantize, consumeInput: false }, { runWorker: noWorker });
    quantized = quantizedBytesByWeight(compressed.model, result.model, before.map((l) => l.name));
    // The quantizers name a layer by its node; the table goes by weight.
    const weightOf = (layer: string) => before.find((l) => l.node === layer || l.name === layer)?.name ?? layer;
    for (const q of result.quantization ?? []) if (!q.quantized && q.reason) note(weightOf(q.name), `not quantized: ${q.reason}`);
    stages.push('quantize');
  }

  const layers = before.map((dense): PreviewLayer => {
    const params = elementCount(dense.shape);
    const now = counts.get(dense.name);
    const nnz = now ? now.elementCount - now.zeros : params;
    const shape = shapes.get(dense.name) ?? dense.shape;
    const p = pruned.get(dense.name);
    const q = quantized?.get(dense.name);
    return {
      name: dense.name,
      node: dense.node,
      opType: dense.opType,
      shape: dense.shape,
      ...(shape.join('x') !== dense.shape.join('x') ? { thinnedShape: shape } : {}),
      params,
      targetSparsity: p?.targetSparsity ?? null,
      ...(p?.granularity ? { granularity: p.granularity } : {}),
      nnz,
      sparsity: params > 0 ? 1 - nnz / params : 0,
      denseFp32Bytes: denseBytes(params).fp32,
      csr16Bytes: csrBytes(nnz, rows.get(dense.name) ?? 0, 2),
      ...(shared.has(dense.name) ? { sharedBytes: shared.get(dense.name) } : {}),
      ...(q !== undefined ? { quantizedBytes: q } : {}),
      ...(notes.has(dense.name) ? { notes: notes.get(dense.name) } : {}),
    };
  });
  const sum = (f: (l: PreviewLayer) => number) => layers.reduce((s, l) => s + f(l), 0);
  const params = sum((l) => l.params);
  const nnz = sum((l) => l.nnz);
  // A layer a stage left alone keeps its fp32 bytes in that stage's total.
  return {
    modelPath,
    stages,
    layers,
    totals: {
      params,
      nnz,
      sparsity: params > 0 ? 1 - nnz / params : 0,
      denseFp32Bytes: sum((l) => l.denseFp32Bytes),
      csr16Bytes: sum((l) => l.csr16Bytes),
      ...(shared.size > 0 ? { sharedBytes: sum((l) => l.sharedBytes ?? l.denseFp32Bytes) } : {}),
      ...(quantized ? { quantizedBytes: sum((l) => l.quantizedBytes ?? l.denseFp32Bytes) } : {}),
    },
  };
}

/** `<model>.recipe-<first 8 hex of the recipe's hash>.onnx`: a recipe names its variant, so making it again replaces it. */
export function defaultVariantPath(variantsDir: string, modelPath: string, recipe: RecipeJson): string {
  const stem = basename(modelPath).replace(/\.onnx$/i, '');
  const hash = createHash('sha256').update(JSON.stringify(recipe)).digest('hex').slice(0, 8);
  return join(variantsDir, `${stem}.recipe-${hash}.onnx`);
}

/** Build, verify (dense vs variant on seeded inputs, batch 8 as the CLI) and write the variant. */
export async function compressVariant(
  request: { modelPath: string; recipe: RecipeJson; outPath: string },
  workerScriptPath?: string,
): Promise<CompressModelResult> {
  const recipe = parse(request.modelPath, request.recipe);
  if (recipe.quantize?.mode === 'int8-static') await noWorker();
  if (!recipe.default && recipe.layers.length === 0 && !recipe.thin && !recipe.shareWeights && !recipe.quantize) {
    throw new EdgescopeError('E_BAD_REQUEST', 'the recipe changes nothing: set a sparsity, thinning, weight sharing or quantization');
  }
  const result = await compressFile(
    { modelPath: request.modelPath, outPath: request.outPath, recipe: { recipe, label: recipeLabel(request.modelPath) }, verify: { batch: 8 } },
    workerScriptPath,
  );
  return {
    path: result.out,
    fileBytes: result.fileBytes,
    denseFileBytes: result.denseFileBytes,
    stages: result.stages,
    sparsity: result.prunedSparsity,
    verification: result.verification,
  };
}
