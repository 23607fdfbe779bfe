/**
 * Validation of every request that crosses a process or network boundary.
 * Returns the request typed, or throws EdgescopeError('E_BAD_REQUEST') naming the
 * offending field. Unknown fields are rejected so typos do not pass silently.
 */
import { API_METHODS, EXPORT_FORMATS, type ApiMethod, type ApiRequest, type ExportFormat, type ProfileRequest, type RunRef } from './api';
import { EdgescopeError } from './errors';
import type { GraphOptimizationLevel } from './report';

type Obj = Record<string, unknown>;

const OPT_LEVELS: readonly GraphOptimizationLevel[] = ['disabled', 'basic', 'extended', 'all'];
const MAX_PATH = 4096;
const MAX_MODEL_BASE64 = 2 * 1024 * 1024 * 1024; // 1.5 GiB of model bytes

function fail(method: string, message: string): never {
  throw new EdgescopeError('E_BAD_REQUEST', `${method}: ${message}`);
}

function asObject(method: string, value: unknown): Obj {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(method, 'request must be an object');
  return value as Obj;
}

function onlyKeys(method: string, obj: Obj, allowed: readonly string[]): void {
  for (const key of Object.keys(obj)) {
    if (!allowed.includes(key)) fail(method, `unknown field '${key}'`);
  }
}

function str(method: string, obj: Obj, key: string, maxLength = MAX_PATH): string {
  const v = obj[key];
  if (typeof v !== 'string' || v.length === 0) fail(method, `'${key}' must be a non-empty string`);
  if (v.length > maxLength) fail(method, `'${key}' is too long`);
  if (v.includes('\0')) fail(method, `'${key}' contains a NUL character`);
  return v;
}

function optInt(method: string, obj: Obj, key: string, min: number, max: number): number | undefined {
  const v = obj[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    fail(method, `'${key}' must be an integer in [${min}, ${max}]`);
  }
  return v;
}

function optNumberRecord(method: string, obj: Obj, key: string, integer: boolean): Record<string, number> | undefined {
  const v = obj[key];
  if (v === undefined) return undefined;
  const rec = asObject(method, v);
  const out: Record<string, number> = {};
  for (const [k, n] of Object.entries(rec)) {
    if (typeof n !== 'number' || !Number.isFinite(n) || (integer && (!Number.isInteger(n) || n < 1))) {
      fail(method, `'${key}.${k}' must be ${integer ? 'a positive integer' : 'a finite number'}`);
    }
    out[k] = n;
  }
  return out;
}

export function validateProfileRequest(value: unknown, method = 'startProfile'): ProfileRequest {
  const obj = asObject(method, value);
  onlyKeys(method, obj, [
    'modelPath', 'eps', 'threads', 'batch', 'dims', 'shapes', 'inputValues', 'warmup', 'runs', 'minTimeMs',
    'profiledRuns', 'prune', 'pruneScope', 'graphOptimizationLevel', 'seed',
  ]);
  const req: ProfileRequest = { modelPath: str(method, obj, 'modelPath') };
  if (obj.eps !== undefined) {
    if (!Array.isArray(obj.eps) || obj.eps.length === 0 || obj.eps.length > 8) fail(method, "'eps' must be a list of 1 to 8 EP names");
    req.eps = obj.eps.map((ep) => {
      if (typeof ep !== 'string' || !/^[a-z0-9_-]{1,32}$/.test(ep)) fail(method, `invalid EP name ${JSON.stringify(ep)}`);
      return ep;
    });
  }
  req.threads = optInt(method, obj, 'threads', 1, 1024);
  req.batch = optInt(method, obj, 'batch', 1, 1 << 20);
  req.warmup = optInt(method, obj, 'warmup', 0, 10_000);
  req.runs = optInt(method, obj, 'runs', 1, 1_000_000);
  req.minTimeMs = optInt(method, obj, 'minTimeMs', 0, 3_600_000);
  req.profiledRuns = optInt(method, obj, 'profiledRuns', 0, 1000);
  req.seed = optInt(method, obj, 'seed', 0, 2 ** 31 - 1);
  req.dims = optNumberRecord(method, obj, 'dims', true);
  req.inputValues = optNumberRecord(method, obj, 'inputValues', false);
  if (obj.shapes !== undefined) {
    const rec = asObject(method, obj.shapes);
    req.shapes = {};
    for (const [k, dims] of Object.entries(rec)) {
      if (!Array.isArray(dims) || dims.length > 16 || dims.some((d) => typeof d !== 'number' || !Number.isInteger(d) || d < 0)) {
        fail(method, `'shapes.${k}' must be a list of non-negative integers`);
      }
      req.shapes[k] = dims as number[];
    }
  }
  if (obj.prune !== undefined) {
    if (!Array.isArray(obj.prune) || obj.prune.length > 16) fail(method, "'prune' must be a list of sparsities");
    req.prune = obj.prune.map((s) => {
      if (typeof s !== 'number' || !(s >= 0 && s < 1)) fail(method, `sparsity ${JSON.stringify(s)} is outside [0, 1)`);
      return s;
    });
  }
  if (obj.pruneScope !== undefined) {
    if (obj.pruneScope !== 'layer' && obj.pruneScope !== 'global') fail(method, "'pruneScope' must be 'layer' or 'global'");
    req.pruneScope = obj.pruneScope;
  }
  if (obj.graphOptimizationLevel !== undefined) {
    if (!OPT_LEVELS.includes(obj.graphOptimizationLevel as GraphOptimizationLevel)) {
      fail(method, `'graphOptimizationLevel' must be one of ${OPT_LEVELS.join(', ')}`);
    }
    req.graphOptimizationLevel = obj.graphOptimizationLevel as GraphOptimizationLevel;
  }
  for (const key of Object.keys(req) as (keyof ProfileRequest)[]) if (req[key] === undefined) delete req[key];
  return req;
}

function emptyRequest(method: string, value: unknown): Record<string, never> {
  const obj = value === undefined ? {} : asObject(method, value);
  onlyKeys(method, obj, []);
  return {};
}

function runRef(method: string, value: unknown, field: string): RunRef {
  const obj = asObject(`${method}.${field}`, value);
  onlyKeys(`${method}.${field}`, obj, ['variant', 'ep']);
  return { variant: str(`${method}.${field}`, obj, 'variant', 64), ep: str(`${method}.${field}`, obj, 'ep', 32) };
}

function jobIdRequest(method: string, value: unknown, extraKeys: readonly string[] = []): { jobId: string } {
  const obj = asObject(method, value);
  onlyKeys(method, obj, ['jobId', ...extraKeys]);
  const jobId = str(method, obj, 'jobId', 64);
  if (!/^[A-Za-z0-9_-]+$/.test(jobId)) fail(method, "'jobId' has invalid characters");
  return { jobId };
}

/** Validate `value` as the request of `method`; throws E_BAD_REQUEST. */
export function validateRequest<M extends ApiMethod>(method: M, value: unknown): ApiRequest<M> {
  if (!API_METHODS.includes(method)) fail(String(method), 'unknown method');
  switch (method as ApiMethod) {
    case 'listDemoModels':
    case 'recentModels':
    case 'listBackends':
    case 'listDevices':
      return emptyRequest(method, value) as ApiRequest<M>;
    case 'openModel': {
      const obj = asObject(method, value);
      onlyKeys(method, obj, ['path']);
      return { path: str(method, obj, 'path') } as ApiRequest<M>;
    }
    case 'importModel': {
      const obj = asObject(method, value);
      onlyKeys(method, obj, ['fileName', 'dataBase64']);
      const fileName = str(method, obj, 'fileName', 255);
      if (/[\\/]/.test(fileName)) fail(method, "'fileName' must not contain a path separator");
      const dataBase64 = str(method, obj, 'dataBase64', MAX_MODEL_BASE64);
      return { fileName, dataBase64 } as ApiRequest<M>;
    }
    case 'startProfile':
      return validateProfileRequest(value, method) as ApiRequest<M>;
    case 'cancelJob':
    case 'getReport':
      return jobIdRequest(method, value) as ApiRequest<M>;
    case 'compareRuns': {
      const { jobId } = jobIdRequest(method, value, ['baseline', 'candidate']);
      const obj = value as Obj;
      return { jobId, baseline: runRef(method, obj.baseline, 'baseline'), candidate: runRef(method, obj.candidate, 'candidate') } as ApiRequest<M>;
    }
    case 'exportReport': {
      const { jobId } = jobIdRequest(method, value, ['format']);
      const format = (value as Obj).format;
      if (!EXPORT_FORMATS.includes(format as ExportFormat)) fail(method, `'format' must be one of ${EXPORT_FORMATS.join(', ')}`);
      return { jobId, format } as ApiRequest<M>;
    }
  }
}
