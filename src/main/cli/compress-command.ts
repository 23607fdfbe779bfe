/**
 * `edgescope compress MODEL --out OUT.onnx [--prune S --granularity G [--norm l1|l2]]
 * [--quantize MODE [--block-size N]] [--share-weights BITS] [--thin] [--recipe FILE]
 * [--calibration FILE] [--seed N] [--json]`: build one compressed variant, verify it against
 * the dense model on seeded random inputs in the run worker, write it atomically.
 * With --json: {layers [{name, sparsity, ...}], verification {maxAbsError, meanAbsError,
 * cosine, top1Agreement, ...}, ...}.
 */
import { badRequest } from '../../shared/errors';
import { integerFlag, parseFlags } from './flags';
import { compressFile, type CompressFileRequest, type CompressFileResult } from '../engine/compress/compress-model';
import { GRANULARITY_SYNTAX, impliedSparsity, parseGranularity, type Norm } from '../engine/compress/granularity';
import { QUANTIZE_MODES, type QuantizeMode } from '../engine/compress/quantize/index';
import { readRecipe } from '../engine/compress/recipe';
import { engineEnv } from '../engine/engine';
import { formatBytes, formatPercent } from '../engine/report/html/format';
import { table } from './summary-table';

export interface CompressCommand {
  request: CompressFileRequest;
  json: boolean;
}

export const COMPRESS_USAGE = `  compress MODEL.onnx --out OUT.onnx
                         prune / thin / share / quantize one variant, verified against MODEL:
                         [--prune S --granularity ${GRANULARITY_SYNTAX} [--norm l1|l2]]
                         [--recipe FILE] [--thin] [--share-weights BITS]
                         [--quantize ${QUANTIZE_MODES.join('|')} [--block-size N]]
                         [--calibration FILE] [--sparse-initializers] [--seed N] [--json] (docs/compression.md)
`;



export function parseCompressCommand(args: string[]): CompressCommand {
  const parsed = parseFlags('compress', args, {
    out: { type: 'string' },
    prune: { type: 'string' },
    granularity: { type: 'string' },
    norm: { type: 'string' },
    quantize: { type: 'string' },
    'block-size': { type: 'string' },
    'share-weights': { type: 'string' },
    thin: { type: 'boolean' },
    recipe: { type: 'string' },
    calibration: { type: 'string' },
    'sparse-initializers': { type: 'boolean' },
    seed: { type: 'string' },
    json: { type: 'boolean' },
  });
  const { values: v, positionals } = parsed;
  if (positionals.length !== 1) badRequest('compress needs exactly one model path: edgescope compress MODEL.onnx --out OUT.onnx');
  if (!v.out || v.out.trim() === '') badRequest('compress needs --out OUT.onnx (where the compressed model goes)');

  const granularity = v.granularity !== undefined ? parseGranularity(v.granularity) : { kind: 'element' as const };
  if (v.granularity !== undefined && v.prune === undefined && impliedSparsity(granularity) === undefined) {
    badRequest('--granularity needs --prune S (only nm:N:M implies its own sparsity)');
  }
  if (v.norm !== undefined && v.norm !== 'l1' && v.norm !== 'l2') badRequest(`--norm must be l1 or l2, got '${v.norm}'`);
  let prune: CompressFileRequest['prune'];
  if (v.prune !== undefined || v.granularity !== undefined) {
    const sparsity = v.prune !== undefined ? Number(v.prune) : impliedSparsity(granularity)!;
    if (v.prune !== undefined && (v.prune.trim() === '' || !(sparsity >= 0 && sparsity < 1))) badRequest(`--prune sparsity must be in [0, 1), got '${v.prune}'`);
    prune = { sparsity, granularity, norm: v.norm as Norm | undefined };
  } else if (v.norm !== undefined) badRequest('--norm needs --prune');

  if (v.quantize !== undefined && !QUANTIZE_MODES.includes(v.quantize as QuantizeMode)) {
    badRequest(`--quantize must be one of ${QUANTIZE_MODES.join(', ')}, got '${v.quantize}'`);
  }
  const blockSize = integerFlag('block-size', v['block-size'], 16, 1 << 20);
  if (blockSize !== undefined && v.quantize === undefined) badRequest('--block-size needs --quantize int4-weight or int8-weight');
  const recipePath = v.recipe;
  return {
    json: v.json === true,
    request: {
      modelPath: positionals[0],
      outPath: v.out,
      prune,
      recipe: recipePath !== undefined ? { recipe: readRecipe(recipePath), label: recipePath } : undefined,
      thin: v.thin === true ? true : undefined,
      shareBits: integerFlag('share-weights', v['share-weights'], 2, 8),
      quantize: v.quantize !== undefined ? { mode: v.quantize as QuantizeMode, ...(blockSize !== undefined ? { blockSize } : {}) } : undefined,
      calibrationPath: v.calibration,
      sparseInitializers: v['sparse-initializers'] === true ? true : undefined,
      // A batch of 8 rows (where the batch dimension is free) makes top-1 agreement a fraction worth reading.
      verify: { seed: integerFlag('seed', v.seed, 0, 2 ** 31 - 1), batch: 8 },
    },
  };
}

/** The JSON printed with --json: the fields first, then the details. */
export function compressJson(result: CompressFileResult): unknown {
  return {
    model: result.model,
    out: result.out,
    stages: result.stages,
    fileBytes: result.fileBytes,
    denseFileBytes: result.denseFileBytes,
    sha256: result.sha256,
    sparsity: result.prunedSparsity,
    layers: result.layers,
    verification: result.verification,
    ...(result.thinning ? { thinning: result.thinning } : {}),
    ...(result.sharing ? { sharing: result.sharing } : {}),
    ...(result.quantization ? { quantization: result.quantization } : {}),
    ...(result.sparseStorage ? { sparseStorage: result.sparseStorage } : {}),
  };
}

export function formatCompress(result: CompressFileResult): string {
  const v = result.verification;
  const lines = [
    `wrote ${result.out} (${formatBytes(result.fileBytes)}, dense ${formatBytes(result.denseFileBytes)}; stages: ${result.stages.join(' -> ')})`,
    '',
    table(
      ['layer', 'type', 'granularity', 'target', 'pruned', 'sparsity now'],
      result.layers.map((l) => [
        l.name,
        l.opType,
        l.granularity ?? '',
        l.targetSparsity !== undefined ? formatPercent(l.targetSparsity, 1) : '',
        l.prunedSparsity !== undefined ? formatPercent(l.prunedSparsity, 1) : '',
        formatPercent(l.sparsity, 1),
      ]),
      [3, 4, 5],
    ),
  ];
  if (result.thinning) {
    lines.push('', table(['thinned layer', 'removed', 'kept', 'note'], result.thinning.map((t) => [t.layer, String(t.removed), String(t.kept), t.reason ?? '']), [1, 2]));
  }
  if (result.quantization) {
    lines.push('', table(['quantized layer', 'type', 'quantized', 'note'], result.quantization.map((q) => [q.name, q.opType, q.quantized ? 'yes' : 'no', q.reason ?? ''])));
  }
  if (result.sparseStorage) {
    lines.push(
      '',
      table(
        ['weight', 'nnz', 'dense tensor', 'COO sparse_initializer', 'stored as'],
        result.sparseStorage.map((l) => [l.initializer, String(l.nnz), formatBytes(l.denseBytes), formatBytes(l.cooBytes), l.stored ? 'sparse' : 'dense']),
        [1, 2, 3],
      ),
    );
  }
  lines.push(
    '',
    `verification vs dense (${v.samples} rows, seeded random inputs): max |error| ${v.maxAbsError.toPrecision(3)}, mean |error| ${v.meanAbsError.toPrecision(3)}, cosine ${v.cosine.toFixed(6)}, top-1 agreement ${formatPercent(v.top1Agreement, 1)}`,
  );
  return lines.join('\n');
}

export async function compress(args: string[]): Promise<number> {
  const cmd = parseCompressCommand(args);
  const result = await compressFile(cmd.request, engineEnv().workerScriptPath);
  process.stdout.write(cmd.json ? `${JSON.stringify(compressJson(result))}\n` : `${formatCompress(result)}\n`);
  return 0;
}
