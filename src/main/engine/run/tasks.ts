/**
 * Engine work that is not inference but can still take seconds of synchronous CPU
 * (pruning, quantizing and verifying a VGG-sized model), run inside a worker process so
 * the app's main process keeps answering IPC. The worker is the run worker: it already
 * has the engine's modules and onnxruntime loaded.
 */
import type { CompressModelResult, CompressionPreview, LayerViews, RecipeJson } from '../../../shared/api';
import { compressVariant, previewCompression } from '../compress/preview';
import { recipeLayerViews } from '../compress/views/layer-views';

export type EngineTask =
  | { kind: 'previewCompression'; modelPath: string; recipe: RecipeJson }
  /** `workerScriptPath`: the run worker script, for the verification runs compressVariant starts. */
  | { kind: 'compressVariant'; modelPath: string; recipe: RecipeJson; outPath: string; workerScriptPath: string }
  | { kind: 'compressionLayerViews'; modelPath: string; recipe: RecipeJson; layer: string; maxCells?: number };

export interface EngineTaskResults {
  previewCompression: CompressionPreview;
  compressVariant: CompressModelResult;
  compressionLayerViews: LayerViews;
}

export type EngineTaskResult<K extends EngineTask['kind']> = EngineTaskResults[K];

export async function runEngineTask(task: EngineTask): Promise<EngineTaskResults[EngineTask['kind']]> {
  switch (task.kind) {
    case 'previewCompression':
      return previewCompression(task.modelPath, task.recipe);
    case 'compressVariant':
      return compressVariant({ modelPath: task.modelPath, recipe: task.recipe, outPath: task.outPath }, task.workerScriptPath);
    case 'compressionLayerViews':
      return recipeLayerViews(task.modelPath, task.recipe, task.layer, task.maxCells);
  }
}
