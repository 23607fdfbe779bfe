/**
 * Sweep files: a JSON list of models x variants x EPs x batch sizes x thread counts.
 *
 * validateSweep checks the whole file before anything runs and returns every problem,
 * one line each, rather than the first. The normalized spec (defaults filled in, keys in
 * a fixed order) is what the sweep's hash is computed from, so two files that only differ
 * in key order or in spelling out a default are the same sweep.
 */
import { createHash } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { basename, dirname, isAbsolute, resolve } from 'node:path';
import type { GraphOptimizationLevel } from '../../../shared/report';
import { DEMO_MODELS } from '../model/demo-models';
import { KNOWN_EPS } from '../run/ep-names';
import { validateEpOptions, type EpOptions } from '../run/ep-options';

/** One compression variant of every model in the sweep. Exactly one of prune, recipe, model, or none (dense). */
export interface SweepVariant {
  id: string;
  /** Unstructured magnitude pruning to this sparsity in [0, 1). */
  prune?: number;
  /** A compression recipe file (docs/compression.md), applied to the model. Absolute after validation. */
  recipe?: string;
  /** A prebuilt variant model file. Absolute after validation. */
  model?: string;
}

export interface SweepSpec {
  /** Model files (absolute after validation) or demo ids written `demo:ID`, in the file's order. */
  models: string[];
  variants: SweepVariant[];
  eps: string[];
  batches: number[];
  threads: number[];
  runs: number;
  warmup: number;
  profiledRuns: number;
  minTimeMs: number;
  pruneScope: 'layer' | 'global';
  graphOptimizationLevel: GraphOptimizationLevel;
  seed: number;
  /** Options per EP, as `profile --ep-option` takes them: { webgpu: { preferred_layout: 'NHWC' } }. */
  epOptions?: EpOptions;
  /** A labelled or unlabelled input set (model/input-set.ts) to verify variants on, instead of seeded random inputs. Absolute after validation. */
  data?: string;
}

/** One measurement: a model's variant on one EP at one batch size and thread count. */
export interface SweepCell {
  /** The model as the sweep file names it (a path relative to the sweep file, or demo:ID). */
  model: string;
  variant: string;
  ep: string;
  batch: number;
  threads: number;
  /** Stable, filesystem-safe name of the cell: its folder under DIR/cells and its identity in results.json. */
  key: string;
}

export const SWEEP_DEFAULTS = {
  variants: [{ id: 'dense' }] as SweepVariant[],
  eps: ['cpu'],
  batches: [1],
  threads: [1],
  runs: 30,
  warmup: 5,
  profiledRuns: 10,
  minTimeMs: 0,
  pruneScope: 'layer',
  graphOptimizationLevel: 'all',
  seed: 42,
} as const;

const TOP_KEYS = [
  'models', 'variants', 'eps', 'batches', 'threads', 'runs', 'warmup', 'profiledRuns', 'minTimeMs', 'pruneScope',
  'graphOptimizationLevel', 'seed', 'epOptions', 'data', 'description',
];
const VARIANT_KEYS = ['id', 'prune', 'recipe', 'model'];
const OPT_LEVELS: GraphOptimizationLevel[] = ['disabled', 'basic', 'extended', 'all'];
const DEMO_PREFIX = 'demo:';

export type SweepValidation = { ok: true; spec: SweepSpec; raw: SweepSpec } | { ok: false; errors: string[] };

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isInt(v: unknown, min: number, max: number): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;
}

/**
 * Validate a parsed sweep file. Paths are relative to `baseDir` (the sweep file's folder).
 * `spec` has absolute paths (to run); `raw` keeps them as written (for results and the hash,
 * so the sweep and its output folder can move together).
 */
export function validateSweep(value: unknown, baseDir: string): SweepValidation {
  const errors: string[] = [];
  if (!isObject(value)) return { ok: false, errors: ['the sweep file must hold a JSON object'] };
  for (const key of Object.keys(value)) {
    if (!TOP_KEYS.includes(key)) errors.push(`unknown key '${key}' (keys: ${TOP_KEYS.join(', ')})`);
  }
  const abs = (p: string) => (isAbsolute(p) ? p : resolve(baseDir, p));

  const list = <T>(
    key: string,
    fallback: readonly T[] | undefined,
    check: (item: unknown, at: string) => T | undefined,
    uniqueItems = true,
  ): T[] => {
    const v = value[key];
    if (v === undefined) {
      if (fallback === undefined) errors.push(`'${key}' is missing`);
      return [...(fallback ?? [])];
    }
    if (!Array.isArray(v)) {
      errors.push(`'${key}' must be a list`);
      return [];
    }
    if (v.length === 0) errors.push(`'${key}' is empty`);
    const out: T[] = [];
    v.forEach((item, i) => {
      const checked = check(item, `${key}[${i}]`);
      if (checked !== undefined) out.push(checked);
    });
    const seen = new Set<string>();
    for (const item of uniqueItems ? out : []) {
      const k = JSON.stringify(item);
      if (seen.has(k)) errors.push(`'${key}' lists ${k} twice`);
      seen.add(k);
    }
    return out;
  };

  const models = list<string>('models', undefined, (item, at) => {
    if (typeof item !== 'string' || item.trim() === '') return void errors.push(`${at} must be a model path or demo:ID`);
    if (item.startsWith(DEMO_PREFIX)) {
      const id = item.slice(DEMO_PREFIX.length);
      if (!DEMO_MODELS.some((d) => d.id === id)) errors.push(`${at}: unknown demo model '${id}' (demos: ${DEMO_MODELS.map((d) => d.id).join(', ')})`);
      return item;
    }
    if (!isFile(abs(item))) errors.push(`${at}: model file not found: ${abs(item)}`);
    return item;
  });

  const variants = list<SweepVariant>('variants', SWEEP_DEFAULTS.variants, (item, at) => {
    if (!isObject(item)) return void errors.push(`${at} must be an object like {"id": "dense"}`);
    for (const key of Object.keys(item)) {
      if (!VARIANT_KEYS.includes(key)) errors.push(`${at}: unknown key '${key}' (keys: ${VARIANT_KEYS.join(', ')})`);
    }
    const { id, prune, recipe, model } = item;
    if (typeof id !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(id)) {
      errors.push(`${at}.id must be a name of letters, digits, '.', '_' or '-' (it names folders)`);
    }
    const kinds = [prune, recipe, model].filter((k) => k !== undefined).length;
    if (kinds > 1) errors.push(`${at}: give at most one of 'prune', 'recipe', 'model'`);
    const v: SweepVariant = { id: String(id) };
    if (prune !== undefined) {
      if (typeof prune !== 'number' || !(prune >= 0 && prune < 1)) errors.push(`${at}.prune must be a sparsity in [0, 1), got ${JSON.stringify(prune)}`);
      v.prune = prune as number;
    }
    for (const [key, path] of [['recipe', recipe], ['model', model]] as const) {
      if (path === undefined) continue;
      if (typeof path !== 'string' || path.trim() === '') errors.push(`${at}.${key} must be a file path`);
      else if (!isFile(abs(path))) errors.push(`${at}.${key}: file not found: ${abs(path)}`);
      v[key] = String(path);
    }
    return v;
  }, false); // variants are told apart by id, checked next
  const ids = new Set<string>();
  for (const v of variants) {
    if (ids.has(v.id)) errors.push(`variants: duplicate id '${v.id}'`);
    ids.add(v.id);
  }
  if (variants.some((v) => v.model !== undefined) && models.length > 1) {
    errors.push("a variant with 'model' (a prebuilt variant file) needs exactly one entry in 'models': the model it is a variant of");
  }

  const eps = list<string>('eps', SWEEP_DEFAULTS.eps, (item, at) => {
    if (typeof item !== 'string' || !KNOWN_EPS.some((e) => e.name === item)) {
      return void errors.push(`${at}: unknown EP ${JSON.stringify(item)} (EPs: ${KNOWN_EPS.map((e) => e.name).join(', ')})`);
    }
    return item;
  });
  const intList = (key: string, fallback: readonly number[], max: number) =>
    list<number>(key, fallback, (item, at) => (isInt(item, 1, max) ? item : void errors.push(`${at} must be an integer in [1, ${max}], got ${JSON.stringify(item)}`)));
  const batches = intList('batches', SWEEP_DEFAULTS.batches, 1 << 20);
  const threads = intList('threads', SWEEP_DEFAULTS.threads, 1024);

  const int = (key: string, fallback: number, min: number, max: number): number => {
    const v = value[key];
    if (v === undefined) return fallback;
    if (!isInt(v, min, max)) {
      errors.push(`'${key}' must be an integer in [${min}, ${max}], got ${JSON.stringify(v)}`);
      return fallback;
    }
    return v;
  };
  const oneOf = <T extends string>(key: string, allowed: readonly T[], fallback: T): T => {
    const v = value[key];
    if (v === undefined) return fallback;
    if (!allowed.includes(v as T)) errors.push(`'${key}' must be one of ${allowed.join(', ')}, got ${JSON.stringify(v)}`);
    return v as T;
  };
  if (value.description !== undefined && typeof value.description !== 'string') errors.push("'description' must be a string");
  let epOptions: EpOptions | undefined;
  if (value.epOptions !== undefined) {
    try {
      epOptions = validateEpOptions(value.epOptions, eps);
    } catch (err) {
      errors.push((err as Error).message);
    }
  }
  const data = value.data;
  if (data !== undefined) {
    if (typeof data !== 'string' || data.trim() === '') errors.push("'data' must be the path of an input-set file");
    else if (!isFile(abs(data))) errors.push(`data: input-set file not found: ${abs(data)}`);
  }

  const raw: SweepSpec = {
    models,
    variants,
    eps,
    batches,
    threads,
    runs: int('runs', SWEEP_DEFAULTS.runs, 1, 1_000_000),
    warmup: int('warmup', SWEEP_DEFAULTS.warmup, 0, 10_000),
    profiledRuns: int('profiledRuns', SWEEP_DEFAULTS.profiledRuns, 0, 1000),
    minTimeMs: int('minTimeMs', SWEEP_DEFAULTS.minTimeMs, 0, 3_600_000),
    pruneScope: oneOf('pruneScope', ['layer', 'global'], SWEEP_DEFAULTS.pruneScope),
    graphOptimizationLevel: oneOf('graphOptimizationLevel', OPT_LEVELS, SWEEP_DEFAULTS.graphOptimizationLevel),
    seed: int('seed', SWEEP_DEFAULTS.seed, 0, 2 ** 31 - 1),
    ...(epOptions && Object.keys(epOptions).length > 0 ? { epOptions } : {}),
    ...(typeof data === 'string' ? { data } : {}),
  };
  if (errors.length > 0) return { ok: false, errors };
  const spec: SweepSpec = {
    ...raw,
    models: raw.models.map((m) => (m.startsWith(DEMO_PREFIX) ? m : abs(m))),
    variants: raw.variants.map((v) => ({
      ...v,
      ...(v.recipe !== undefined ? { recipe: abs(v.recipe) } : {}),
      ...(v.model !== undefined ? { model: abs(v.model) } : {}),
    })),
    ...(raw.data !== undefined ? { data: abs(raw.data) } : {}),
  };
  return { ok: true, spec, raw };
}

function isFile(path: string): boolean {
  try {
    return existsSync(path) && statSync(path).isFile();
  } catch {
    return false;
  }
}

/** The demo id of a `demo:ID` model entry, else undefined. */
export function demoIdOf(model: string): string | undefined {
  return model.startsWith(DEMO_PREFIX) ? model.slice(DEMO_PREFIX.length) : undefined;
}

/**
 * sha256 of the normalized spec (paths as written, defaults filled, fixed key order). Keys added
 * later (epOptions, data) enter only when set, so older sweeps keep their hash and still resume.
 */
export function sweepHash(raw: SweepSpec): string {
  const normalized = {
    models: raw.models,
    variants: raw.variants.map((v) => ({ id: v.id, prune: v.prune ?? null, recipe: v.recipe ?? null, model: v.model ?? null })),
    eps: raw.eps,
    batches: raw.batches,
    threads: raw.threads,
    runs: raw.runs,
    warmup: raw.warmup,
    profiledRuns: raw.profiledRuns,
    minTimeMs: raw.minTimeMs,
    pruneScope: raw.pruneScope,
    graphOptimizationLevel: raw.graphOptimizationLevel,
    seed: raw.seed,
    ...(raw.epOptions ? { epOptions: sortedKeys(raw.epOptions) } : {}),
    ...(raw.data !== undefined ? { data: raw.data } : {}),
  };
  return createHash('sha256').update(JSON.stringify(normalized)).digest('hex');
}

/** The same options with EPs and option names in sorted order (so key order does not change the hash). */
function sortedKeys(options: EpOptions): EpOptions {
  return Object.fromEntries(
    Object.keys(options).sort().map((ep) => [ep, Object.fromEntries(Object.keys(options[ep]).sort().map((k) => [k, options[ep][k]]))]),
  );
}

/** A short folder-safe name per model entry; repeated file names get -2, -3, ... in list order. */
export function modelKeys(models: readonly string[]): string[] {
  const used = new Map<string, number>();
  return models.map((m) => {
    const stem = (demoIdOf(m) ?? basename(m).replace(/\.onnx$/i, '')).replace(/[^A-Za-z0-9._-]/g, '_') || 'model';
    const n = (used.get(stem) ?? 0) + 1;
    used.set(stem, n);
    return n === 1 ? stem : `${stem}-${n}`;
  });
}

/**
 * Every cell, in run order: model, then variant, then EP, then batch, then threads (the
 * innermost loop varies fastest, so one model's variant is finished before the next).
 */
export function expandCells(raw: SweepSpec): SweepCell[] {
  const keys = modelKeys(raw.models);
  const cells: SweepCell[] = [];
  raw.models.forEach((model, m) => {
    for (const v of raw.variants) {
      for (const ep of raw.eps) {
        for (const batch of raw.batches) {
          for (const threads of raw.threads) {
            cells.push({ model, variant: v.id, ep, batch, threads, key: `${keys[m]}__${v.id}__${ep}__b${batch}__t${threads}` });
          }
        }
      }
    }
  });
  return cells;
}

/** The sweep file's folder, against which its paths resolve. */
export function sweepBaseDir(sweepFile: string): string {
  return dirname(resolve(sweepFile));
}
