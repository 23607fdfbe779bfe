/**
 * The compression pipeline behind `edgescope compress` (and the app's compression panel):
 * prune (any granularity, one target or a recipe) -> thin -> share weights -> quantize,
 * then verify the variant against the dense model in the run worker and write it.
 *
 * All checks on the request run before any stage; the variant is written into a staging
 * folder beside the output, verified there, and only then renamed into place, so bad input
 * or a variant onnxruntime cannot run leaves nothing behind (and any old file intact).
 */
import { realpathSync } from 'node:fs';
import { mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import type { Verification } from '../../../shared/report';
import { badRequest } from '../../../shared/errors';
import { graphInputs } from '../model/summary';
import { readInputSet } from '../model/input-set';
import { readModel, writeModel, type onnx } from '../model/onnx-io';
import { withCooWeights, type CooLayer } from './storage/coo';
import { RunWorker } from '../run/runner';
import { pruneLayers, type Granularity, type LayerTarget, type Norm, type StructuredLayerSparsity } from './granularity';
import { prunableLayerSparsity } from './prune';
import { quantizeModel, type CalibrationFeed, type QuantizeMode } from './quantize/index';
import { resolveRecipe, type Recipe } from './recipe';
import { thinModel, type ThinLayer } from './thin';
import { verificationInputs, verifyVariant, type VerifyOptions } from './verify-variant';
import { MAX_SHARE_BITS, MIN_SHARE_BITS, shareModelWeights } from './weight-sharing';

export interface CompressOptions {
  /** One target for every prunable layer (exclusive with `recipe`). */
  prune?: { sparsity: number; granularity: Granularity; norm?: Norm };
  /** A parsed recipe and its name for messages; its stages apply unless the options below set them. */
  recipe?: { recipe: Recipe; label: string };
  thin?: boolean;
  shareBits?: number;
  quantize?: { mode: QuantizeMode; blockSize?: number };
  /** Samples for int8-static calibration. */
  calibration?: CalibrationFeed[];
  /** The caller hands over the model: pruning may change its weights in place (saves a copy of every weight). */
  consumeInput?: boolean;
}

export interface CompressedLayer {
  /** The weight initializer. */
  name: string;
  node: string;
  opType: string;
  /** Achieved sparsity after pruning, thinning and sharing (before quantization changes the weights' type). */
  sparsity: number;
  elementCount: number;
  zeros: number;
  /** Present for the layers a target pruned: its target and the sparsity pruning reached (before thinning removed structures). */
  targetSparsity?: number;
  prunedSparsity?: number;
  granularity?: string;
  norm?: Norm;
  structures?: number;
  prunedStructures?: number;
}

export interface CompressResult {
  model: onnx.ModelProto;
  /** Stages applied, in order: prune, thin, share, quantize. */
  stages: string[];
  layers: CompressedLayer[];
  /** Sparsity over the weights of the pruned layers (0 when nothing was pruned). */
  prunedSparsity: number;
  thinning?: ThinLayer[];
  sharing?: { name: string; bits: number; nnz: number; bytes: number }[];
  quantization?: { name: string; opType: string; quantized: boolean; reason?: string }[];
}

export interface CompressContext {
  /** The run worker for int8-static calibration (started on demand; the caller disposes it). */
  runWorker: () => Promise<RunWorker>;
}


/** The stages the options ask for, with a recipe's stages filled in where the options are silent. */
function plan(options: CompressOptions) {
  const recipe = options.recipe?.recipe;
  if (options.prune && recipe) badRequest('give either --prune (with --granularity) or --recipe, not both');
  const shareBits = options.shareBits ?? recipe?.shareWeights?.bits;
  if (shareBits !== undefined && !(Number.isInteger(shareBits) && shareBits >= MIN_SHARE_BITS && shareBits <= MAX_SHARE_BITS)) {
    badRequest(`--share-weights must be an integer in [${MIN_SHARE_BITS}, ${MAX_SHARE_BITS}], got ${shareBits}`);
  }
  const quantize = options.quantize ?? recipe?.quantize;
  const thin = options.thin ?? recipe?.thin ?? false;
  if (!options.prune && !recipe && !thin && shareBits === undefined && !quantize) {
    badRequest('nothing to do: give --prune, --recipe, --thin, --share-weights or --quantize');
  }
  if (quantize?.mode === 'int8-static' && !(options.calibration && options.calibration.length > 0)) badRequest('--quantize int8-static needs --calibration FILE');
  if (options.calibration && quantize?.mode !== 'int8-static') badRequest('--calibration is for --quantize int8-static');
  return { shareBits, quantize, thin };
}

/** Per-layer targets: one for every prunable layer, or the recipe's. */
function targetsFor(proto: onnx.IModelProto, options: CompressOptions): LayerTarget[] {
  if (options.recipe) return resolveRecipe(options.recipe.recipe, proto, options.recipe.label);
  if (!options.prune) return [];
  const layers = prunableLayerSparsity(proto);
  if (layers.length === 0) badRequest('the model has no prunable weights (float32 Conv/ConvTranspose/Gemm/MatMul initializers)');
  return layers.map((l) => ({ layer: l.initializer, ...options.prune! }));
}

/** Compress a model in memory. Throws E_BAD_REQUEST for anything wrong with the request, before any work. */
export async function compressModel(proto: onnx.IModelProto, options: CompressOptions, context: CompressContext): Promise<CompressResult> {
  const { shareBits, quantize, thin } = plan(options);
  const targets = targetsFor(proto, options);
  const stages: string[] = [];
  let model = proto as onnx.ModelProto;
  let pruned: StructuredLayerSparsity[] = [];
  let prunedSparsity = 0;
  if (targets.length > 0) {
    const result = pruneLayers(model, targets, { inPlace: options.consumeInput === true });
    model = result.model;
    pruned = result.layers;
    prunedSparsity = result.sparsity;
    stages.push('prune');
  }
  let thinning: ThinLayer[] | undefined;
  if (thin) {
    const result = thinModel(model);
    model = result.model;
    thinning = result.layers;
    stages.push('thin');
  }
  let sharing: CompressResult['sharing'];
  if (shareBits !== undefined) {
    const result = shareModelWeights(model, shareBits);
    model = result.model;
    sharing = result.layers.map((l) => ({ name: l.initializer, bits: l.bits, nnz: l.nnz, bytes: l.storage.bytes }));
    stages.push('share');
  }
  // Sparsity per layer as it stands now: quantization turns weights into int8/int4 tensors.
  const byName = new Map(pruned.map((l) => [l.initializer, l]));
  const layers: CompressedLayer[] = prunableLayerSparsity(model).map((l) => {
    const p = byName.get(l.initializer);
    return {
      name: l.initializer,
      node: l.node,
      opType: l.opType,
      sparsity: l.sparsity,
      elementCount: l.elementCount,
      zeros: l.zeros,
      ...(p ? { targetSparsity: p.targetSparsity ?? undefined, prunedSparsity: p.sparsity, granularity: p.granularity, norm: p.norm, structures: p.structures, prunedStructures: p.prunedStructures } : {}),
    };
  });
  let quantization: CompressResult['quantization'];
  if (quantize) {
    const result = await quantizeModel(model, { ...quantize, calibration: options.calibration }, context);
    model = result.model;
    quantization = result.layers;
    stages.push('quantize');
  }
  return { model, stages, layers, prunedSparsity, thinning, sharing, quantization };
}

export interface CompressFileRequest extends CompressOptions {
  modelPath: string;
  outPath: string;
  /** Path of an input set (model/input-set.ts) for int8-static calibration. */
  calibrationPath?: string;
  verify?: VerifyOptions;
  /** Store pruned weights as ONNX sparse_initializers (COO) where that is smaller: a smaller file, the same run time. */
  sparseInitializers?: boolean;
}

export interface CompressFileResult extends Omit<CompressResult, 'model'> {
  model: string;
  out: string;
  fileBytes: number;
  denseFileBytes: number;
  sha256: string;
  verification: Verification;
  /** With sparseInitializers: each prunable weight's dense and COO bytes and which form the file holds. */
  sparseStorage?: CooLayer[];
}

function samePath(a: string, b: string): boolean {
  const real = (p: string) => {
    try {
      return realpathSync(p);
    } catch {
      return resolve(p);
    }
  };
  return resolve(a) === resolve(b) || real(a) === real(b);
}

/**
 * Read MODEL, compress it, verify the variant against it in a run worker and write it to
 * OUT atomically. Nothing is written unless every step succeeds.
 */
export async function compressFile(request: CompressFileRequest, workerScriptPath?: string): Promise<CompressFileResult> {
  const modelPath = resolve(request.modelPath);
  const outPath = resolve(request.outPath);
  if (samePath(modelPath, outPath)) badRequest(`--out ${request.outPath} is the input model: write the variant to another file`);
  const loaded = readModel(modelPath);
  const calibration = request.calibrationPath
    ? readInputSet(request.calibrationPath, graphInputs(loaded.proto)).samples.map((s) => s.feeds)
    : request.calibration;
  const inputs = verificationInputs(loaded.proto, request.verify);

  let worker: RunWorker | null = null;
  const runWorker = async () => (worker ??= await RunWorker.start(workerScriptPath));
  let staging: string | null = null;
  try {
    // The dense model is read from its file again for verification, so the in-memory one can be consumed.
    const result = await compressModel(loaded.proto, { ...request, calibration, consumeInput: true }, { runWorker });
    const coo = request.sparseInitializers ? withCooWeights(result.model) : undefined;
    await mkdir(dirname(outPath), { recursive: true });
    staging = await mkdtemp(join(dirname(outPath), '.edgescope-compress-'));
    const staged = join(staging, basename(outPath));
    const written = await writeModel(staged, coo?.model ?? result.model);
    const verification = await verifyVariant(await runWorker(), modelPath, staged, inputs, request.verify);
    if (written.externalDataPath) await rename(written.externalDataPath, join(dirname(outPath), basename(written.externalDataPath)));
    await rename(staged, outPath);
    const { model: _model, ...rest } = result;
    return {
      ...rest,
      model: modelPath,
      out: outPath,
      fileBytes: written.fileBytes,
      denseFileBytes: loaded.bytes.length,
      sha256: written.sha256,
      verification,
      ...(coo ? { sparseStorage: coo.layers } : {}),
    };
  } finally {
    await (worker as RunWorker | null)?.dispose();
    if (staging) await rm(staging, { recursive: true, force: true });
  }
}

