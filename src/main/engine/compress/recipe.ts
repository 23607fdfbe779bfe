/**
 * Compression recipes (JSON): which layers to prune how, and the optional quantization and
 * weight-sharing stages after pruning. The format is in docs/compression.md; an example is
 * resources/recipes/cnn-small.json.
 *
 * Validation is by hand so that every message names the entry it is about
 * ("layers[2] (conv*): ..."). A recipe is checked twice: its shape on parsing, and against
 * a model on resolving (unknown layer names, globs that match nothing).
 */
import { readFileSync } from 'node:fs';
import { EdgescopeError } from '../../../shared/errors';
import type { onnx } from '../model/onnx-io';
import { formatGranularity, impliedSparsity, parseGranularity, type Granularity, type LayerTarget, type Norm } from './granularity';
import { prunableWeights } from './prune';
import { QUANTIZE_MODES, type QuantizeMode } from './quantize/index';
import { MAX_SHARE_BITS, MIN_SHARE_BITS } from './weight-sharing';

export interface PruneSpec {
  sparsity: number;
  granularity: Granularity;
  norm: Norm;
}

export interface RecipeEntry extends PruneSpec {
  /** An initializer or node name, or a glob over them (* and ?). */
  match: string;
}

export interface Recipe {
  /** Target for prunable layers no entry matches; without it they stay dense. */
  default?: PruneSpec;
  /** Entries in order; a later entry overrides an earlier one for the layers both match. */
  layers: RecipeEntry[];
  /** Keep the first / last prunable layer (graph order) dense whatever the entries say. */
  keepFirst: boolean;
  keepLast: boolean;
  quantize?: { mode: QuantizeMode; blockSize?: number };
  shareWeights?: { bits: number };
  /** Physically remove pruned filters and channels after pruning (thin.ts). */
  thin: boolean;
}

type Json = Record<string, unknown>;

function bad(where: string, message: string): never {
  throw new EdgescopeError('E_BAD_REQUEST', `recipe ${where}: ${message}`);
}

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function checkKeys(o: Json, allowed: string[], where: string): void {
  for (const key of Object.keys(o)) {
    if (!allowed.includes(key)) bad(where, `unknown field '${key}' (fields: ${allowed.join(', ')})`);
  }
}

function parsePruneSpec(o: Json, where: string): PruneSpec {
  let granularity: Granularity = { kind: 'element' };
  if (o.granularity !== undefined) {
    if (typeof o.granularity !== 'string') bad(where, 'granularity must be a string like "filter" or "block:4x4"');
    try {
      granularity = parseGranularity(o.granularity);
    } catch (err) {
      bad(where, (err as Error).message);
    }
  }
  const implied = impliedSparsity(granularity);
  const sparsity = o.sparsity ?? implied;
  if (typeof sparsity !== 'number' || !(sparsity >= 0 && sparsity < 1)) bad(where, `sparsity must be a number in [0, 1), got ${JSON.stringify(o.sparsity)}`);
  if (implied !== undefined && Math.abs(implied - sparsity) > 1e-9) {
    bad(where, `${formatGranularity(granularity)} gives sparsity ${implied}; leave sparsity out or set it to that`);
  }
  const norm = o.norm ?? 'l1';
  if (norm !== 'l1' && norm !== 'l2') bad(where, `norm must be "l1" or "l2", got ${JSON.stringify(o.norm)}`);
  return { sparsity, granularity, norm };
}

/** Check a parsed JSON value against the recipe format; `label` names the file in messages. */
export function parseRecipe(value: unknown, label = 'recipe'): Recipe {
  const at = (where: string) => `${label}: ${where}`;
  if (!isObject(value)) bad(label, 'must be a JSON object');
  checkKeys(value, ['$schema', 'description', 'default', 'layers', 'keepFirst', 'keepLast', 'quantize', 'shareWeights', 'thin'], label);
  for (const flag of ['keepFirst', 'keepLast', 'thin'] as const) {
    if (value[flag] !== undefined && typeof value[flag] !== 'boolean') bad(at(flag), 'must be true or false');
  }
  let defaultSpec: PruneSpec | undefined;
  if (value.default !== undefined) {
    if (!isObject(value.default)) bad(at('default'), 'must be an object like {"sparsity": 0.5}');
    checkKeys(value.default, ['sparsity', 'granularity', 'norm'], at('default'));
    defaultSpec = parsePruneSpec(value.default, at('default'));
  }
  const entries = value.layers ?? [];
  if (!Array.isArray(entries)) bad(at('layers'), 'must be an array of {"name", "sparsity", ...}');
  const layers = entries.map((e: unknown, i: number): RecipeEntry => {
    const name = isObject(e) && typeof e.name === 'string' ? e.name : undefined;
    const where = at(`layers[${i}]${name ? ` (${name})` : ''}`);
    if (!isObject(e)) bad(where, 'must be an object like {"name": "conv1.weight", "sparsity": 0.5}');
    checkKeys(e, ['name', 'sparsity', 'granularity', 'norm'], where);
    if (!name || name.trim() === '') bad(where, 'needs a "name" (an initializer or node name, or a glob with * and ?)');
    return { match: name, ...parsePruneSpec(e, where) };
  });
  let quantize: Recipe['quantize'];
  if (value.quantize !== undefined) {
    const q = typeof value.quantize === 'string' ? { mode: value.quantize } : value.quantize;
    if (!isObject(q)) bad(at('quantize'), `must be a mode (${QUANTIZE_MODES.join(', ')}) or {"mode", "blockSize"}`);
    checkKeys(q, ['mode', 'blockSize'], at('quantize'));
    if (!QUANTIZE_MODES.includes(q.mode as QuantizeMode)) bad(at('quantize'), `mode must be one of ${QUANTIZE_MODES.join(', ')}, got ${JSON.stringify(q.mode)}`);
    if (q.blockSize !== undefined && !(Number.isInteger(q.blockSize) && (q.blockSize as number) >= 16 && ((q.blockSize as number) & ((q.blockSize as number) - 1)) === 0)) {
      bad(at('quantize'), `blockSize must be a power of two >= 16, got ${JSON.stringify(q.blockSize)}`);
    }
    quantize = { mode: q.mode as QuantizeMode, ...(q.blockSize !== undefined ? { blockSize: q.blockSize as number } : {}) };
  }
  let shareWeights: Recipe['shareWeights'];
  if (value.shareWeights !== undefined) {
    const bits = isObject(value.shareWeights) ? value.shareWeights.bits : value.shareWeights;
    if (isObject(value.shareWeights)) checkKeys(value.shareWeights, ['bits'], at('shareWeights'));
    if (!Number.isInteger(bits) || (bits as number) < MIN_SHARE_BITS || (bits as number) > MAX_SHARE_BITS) {
      bad(at('shareWeights'), `bits must be an integer in [${MIN_SHARE_BITS}, ${MAX_SHARE_BITS}], got ${JSON.stringify(bits)}`);
    }
    shareWeights = { bits: bits as number };
  }
  return {
    default: defaultSpec,
    layers,
    keepFirst: value.keepFirst === true,
    keepLast: value.keepLast === true,
    quantize,
    shareWeights,
    thin: value.thin === true,
  };
}

/** Read and check a recipe file. */
export function readRecipe(path: string): Recipe {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new EdgescopeError('E_BAD_REQUEST', `recipe file not found or unreadable: ${path}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new EdgescopeError('E_BAD_REQUEST', `recipe ${path} is not valid JSON (${(err as Error).message})`);
  }
  return parseRecipe(value, path);
}

/** A glob with * (any run of characters) and ? (one character) as an anchored regular expression. */
export function globToRegExp(glob: string): RegExp {
  const body = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${body}$`);
}

/**
 * The recipe's per-layer targets for this model: every prunable layer an entry (or the
 * default) covers, minus those kept dense. Throws naming the entry for a name or glob that
 * matches no prunable layer.
 */
export function resolveRecipe(recipe: Recipe, proto: onnx.IModelProto, label = 'recipe'): LayerTarget[] {
  const weights = prunableWeights(proto);
  const specs = new Map<string, PruneSpec>();
  const names = weights.map((w) => ({ key: w.initializer.name ?? '', names: [w.initializer.name ?? '', w.nodeName] }));
  if (recipe.default) for (const w of names) specs.set(w.key, recipe.default);
  recipe.layers.forEach((entry, i) => {
    const re = globToRegExp(entry.match);
    const matched = names.filter((w) => w.names.some((n) => re.test(n)));
    if (matched.length === 0) {
      const kind = /[*?]/.test(entry.match) ? 'matches no prunable layer' : 'is not a prunable layer';
      throw new EdgescopeError(
        'E_BAD_REQUEST',
        `recipe ${label}: layers[${i}] (${entry.match}) ${kind} (layers: ${names.map((w) => w.key).join(', ')})`,
      );
    }
    for (const w of matched) specs.set(w.key, entry);
  });
  if (recipe.keepFirst && weights.length > 0) specs.delete(names[0].key);
  if (recipe.keepLast && weights.length > 0) specs.delete(names[names.length - 1].key);
  return names
    .filter((w) => specs.has(w.key))
    .map((w) => {
      const s = specs.get(w.key)!;
      return { layer: w.key, sparsity: s.sparsity, granularity: s.granularity, norm: s.norm };
    });
}
