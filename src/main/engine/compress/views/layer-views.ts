/**
 * The views of one model's prunable layers, for the app and `edgescope inspect --out`: each layer's
 * zero-pattern heat map (of the compressed weight) and its weight histogram before and after.
 *
 * - recipeLayerViews: one layer under a recipe, computed in memory the way the panel's preview is
 *   (preview.ts's float stages: pruned, thinned, shared; quantization does not change the float view);
 * - modelLayerViews: every layer of a model file, against an optional dense baseline.
 */
import type { LayerViews, RecipeJson } from '../../../../shared/api';
import { EdgescopeError } from '../../../../shared/errors';
import { elementCount, floatValues, type onnx } from '../../model/onnx-io';
import { parseGranularity } from '../granularity';
import { compressFloatStages } from '../preview';
import { prunableWeights } from '../prune';
import { layerMatrices, type LayerMatrix } from '../storage/matrix';
import { weightHistogram } from './histogram';
import { DEFAULT_MAX_CELLS, zeroPattern, type CellUnits } from './zero-pattern';

/** The app's heat maps: small enough to send over IPC at every preview, large enough to see structure. */
export const APP_MAX_CELLS = 128;

/**
 * The structures a down-sampled map keeps whole: the blocks or N:M groups the layer was pruned in
 * when known, else a conv weight's kernels (its columns are (input channel, kernel position)).
 */
function cellUnits(matrix: LayerMatrix, granularity: string | undefined): CellUnits {
  const g = granularity ? parseGranularity(granularity) : undefined;
  const conv = matrix.opType.startsWith('Conv');
  if (g?.kind === 'block') return { rows: g.rows, cols: g.cols };
  if (g?.kind === 'nm' && !conv) return { cols: g.m };
  return conv ? { cols: elementCount(matrix.dims.slice(2)) } : {};
}

function viewsOf(matrix: LayerMatrix, denseValues: Float32Array | undefined, maxCells: number, granularity?: string): LayerViews {
  return {
    name: matrix.initializer,
    opType: matrix.opType,
    shape: matrix.dims,
    zeroPattern: zeroPattern(matrix, maxCells, cellUnits(matrix, granularity)),
    histogram: denseValues ? weightHistogram(denseValues, matrix.values) : weightHistogram(matrix.values),
  };
}

/** Float values of every prunable weight, by initializer name. */
function weightValues(proto: onnx.IModelProto): Map<string, Float32Array> {
  return new Map(prunableWeights(proto).map((w) => [w.initializer.name ?? '', floatValues(w.initializer)]));
}

export async function recipeLayerViews(modelPath: string, recipe: RecipeJson, layer: string, maxCells = APP_MAX_CELLS): Promise<LayerViews> {
  const { original, compressed } = await compressFloatStages(modelPath, recipe);
  const matrix = layerMatrices(compressed.model).find((m) => m.initializer === layer);
  const dense = weightValues(original).get(layer);
  if (!matrix || !dense) throw new EdgescopeError('E_BAD_REQUEST', `layer '${layer}' is not a prunable weight of ${modelPath}`);
  return viewsOf(matrix, dense, maxCells, compressed.layers.find((l) => l.name === layer)?.granularity);
}

/**
 * Every prunable layer of `model`; with `baseline` (the dense model it was made from) each histogram
 * compares the baseline's weight (before) with the model's (after), matched by initializer name.
 */
export function modelLayerViews(model: onnx.IModelProto, baseline?: { proto: onnx.IModelProto; path: string }, maxCells = DEFAULT_MAX_CELLS): LayerViews[] {
  const dense = baseline ? weightValues(baseline.proto) : undefined;
  return layerMatrices(model).map((m) => {
    const before = dense?.get(m.initializer);
    if (dense && !before) throw new EdgescopeError('E_BAD_REQUEST', `the baseline ${baseline!.path} has no prunable weight named '${m.initializer}'`);
    return viewsOf(m, before, maxCells);
  });
}
