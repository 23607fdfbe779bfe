/**
 * Validation of every request that crosses a process or network boundary.
 * Returns the request typed, or throws EdgescopeError('E_BAD_REQUEST') naming the
 * offending field. Unknown fields are rejected so typos do not pass silently.
 */
import {
  API_METHODS,
  EXPORT_FORMATS,
  VENDOR_IMPORT_FORMATS,
  type ApiMethod,
  type ApiRequest,
  type ExportFormat,
  type HistoryFilter,
  type HistoryRunRef,
  type ImportVendorRequest,
  type ProfileRequest,
  type RecipeJson,
  type RunRef,
  type VendorImportFormat,
} from './api';
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
    'profiledRuns', 'prune', 'pruneScope', 'graphOptimizationLevel', 'seed', 'epOptions', 'sparse', 'sparseLayers',
    'dataPath', 'variantPaths', 'recipePath', 'coldCache', 'sparseCache',
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
  if (obj.epOptions !== undefined) {
    // Shape only: the engine checks names and values against each EP's option spec.
    const isRecord = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
    if (!isRecord(obj.epOptions)) fail(method, "'epOptions' must be an object of { EP: { option: value } }");
    req.epOptions = {};
    for (const [ep, options] of Object.entries(obj.epOptions)) {
      if (!isRecord(options)) fail(method, `'epOptions.${ep}' must be an object of option values`);
      const rec = options;
      for (const [k, v] of Object.entries(rec)) {
        const ok = ['number', 'boolean', 'string'].includes(typeof v) || (Array.isArray(v) && v.every((i) => typeof i === 'string'));
        if (!ok) fail(method, `'epOptions.${ep}.${k}' must be a number, boolean, string or list of strings`);
      }
      req.epOptions[ep] = rec as Record<string, number | boolean | string | string[]>;
    }
  }
  if (obj.sparse !== undefined) {
    if (typeof obj.sparse !== 'boolean') fail(method, "'sparse' must be a boolean");
    // The sparse kernels run pruned variants: without one there is nothing for them to run.
    if (obj.sparse && !(Array.isArray(obj.prune) && obj.prune.length > 0)) fail(method, "'sparse' needs 'prune': the sparse kernels run the pruned variants");
    req.sparse = obj.sparse;
  }
  if (obj.sparseLayers !== undefined) {
    const layers = obj.sparseLayers;
    if (typeof layers !== 'object' || layers === null || Array.isArray(layers)) fail(method, "'sparseLayers' must be an object of { node: 'sparse' | 'dense' }");
    for (const [node, choice] of Object.entries(layers as Obj)) {
      if (choice !== 'sparse' && choice !== 'dense') fail(method, `'sparseLayers.${node}' must be 'sparse' or 'dense'`);
    }
    req.sparseLayers = layers as Record<string, 'sparse' | 'dense'>;
  }
  if (obj.dataPath !== undefined) req.dataPath = str(method, obj, 'dataPath');
  if (obj.variantPaths !== undefined) {
    if (!Array.isArray(obj.variantPaths) || obj.variantPaths.length > 16 || obj.variantPaths.some((p) => typeof p !== 'string' || p.length === 0)) {
      fail(method, "'variantPaths' must be a list of up to 16 model paths");
    }
    req.variantPaths = obj.variantPaths as string[];
  }
  if (obj.recipePath !== undefined) req.recipePath = str(method, obj, 'recipePath');
  if (obj.sparseCache !== undefined) {
    if (obj.sparseCache !== 'use' && obj.sparseCache !== 'recalibrate' && obj.sparseCache !== 'off') fail(method, "'sparseCache' must be 'use', 'recalibrate' or 'off'");
    req.sparseCache = obj.sparseCache;
  }
  if (obj.coldCache !== undefined) {
    if (typeof obj.coldCache !== 'boolean') fail(method, "'coldCache' must be a boolean");
    req.coldCache = obj.coldCache;
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

const ID_PATTERN = /^[A-Za-z0-9_-]+$/;

function idField(method: string, obj: Obj, key: string): string {
  const id = str(method, obj, key, 128);
  if (!ID_PATTERN.test(id)) fail(method, `'${key}' has invalid characters`);
  return id;
}

function optStr(method: string, obj: Obj, key: string, maxLength: number): string | undefined {
  return obj[key] === undefined ? undefined : str(method, obj, key, maxLength);
}

function optDate(method: string, obj: Obj, key: string): string | undefined {
  const v = optStr(method, obj, key, 64);
  if (v !== undefined && Number.isNaN(Date.parse(v))) fail(method, `'${key}' must be an ISO date, got ${JSON.stringify(v)}`);
  return v;
}

function historyFilter(method: string, value: unknown): HistoryFilter {
  const obj = value === undefined ? {} : asObject(method, value);
  onlyKeys(method, obj, ['model', 'variant', 'backend', 'from', 'to']);
  const filter: HistoryFilter = {
    model: optStr(method, obj, 'model', 256),
    variant: optStr(method, obj, 'variant', 64),
    backend: optStr(method, obj, 'backend', 32),
    from: optDate(method, obj, 'from'),
    to: optDate(method, obj, 'to'),
  };
  for (const key of Object.keys(filter) as (keyof HistoryFilter)[]) if (filter[key] === undefined) delete filter[key];
  return filter;
}

function historyRunRef(method: string, value: unknown, field: string): HistoryRunRef {
  const obj = asObject(`${method}.${field}`, value);
  onlyKeys(`${method}.${field}`, obj, ['runId', 'variant', 'ep']);
  return {
    runId: idField(`${method}.${field}`, obj, 'runId'),
    variant: str(`${method}.${field}`, obj, 'variant', 64),
    ep: str(`${method}.${field}`, obj, 'ep', 32),
  };
}

/**
 * previewCompression / compressModel: the recipe's shape only (a JSON object of bounded size); its
 * contents are checked by the engine's recipe module, which names the entry at fault.
 */
function compressionRequest(method: string, value: unknown, withOut: boolean): { modelPath: string; recipe: RecipeJson; outPath?: string } {
  const obj = asObject(method, value);
  onlyKeys(method, obj, withOut ? ['modelPath', 'recipe', 'outPath'] : ['modelPath', 'recipe']);
  const recipe = asObject(`${method}.recipe`, obj.recipe);
  if (JSON.stringify(recipe).length > 1_000_000) fail(method, "'recipe' is too large");
  const req = { modelPath: str(method, obj, 'modelPath'), recipe: recipe as RecipeJson };
  return withOut && obj.outPath !== undefined ? { ...req, outPath: str(method, obj, 'outPath') } : req;
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
    case 'listRuns':
      return historyFilter(method, value) as ApiRequest<M>;
    case 'openRun':
    case 'deleteRun': {
      const obj = asObject(method, value);
      onlyKeys(method, obj, ['runId']);
      return { runId: idField(method, obj, 'runId') } as ApiRequest<M>;
    }
    case 'compareHistoryRuns': {
      const obj = asObject(method, value);
      onlyKeys(method, obj, ['baseline', 'candidate']);
      return { baseline: historyRunRef(method, obj.baseline, 'baseline'), candidate: historyRunRef(method, obj.candidate, 'candidate') } as ApiRequest<M>;
    }
    case 'startSweep': {
      const obj = asObject(method, value);
      onlyKeys(method, obj, ['sweepFile', 'spec', 'outDir', 'retryFailed']);
      if (obj.retryFailed !== undefined && typeof obj.retryFailed !== 'boolean') fail(method, "'retryFailed' must be a boolean");
      if ((obj.sweepFile === undefined) === (obj.spec === undefined)) fail(method, "give either 'sweepFile' or 'spec'");
      // The spec's own keys and values are checked by the sweep validator (engine/sweep/spec.ts), every problem named.
      if (obj.spec !== undefined && JSON.stringify(asObject(`${method}.spec`, obj.spec)).length > 1_000_000) fail(method, "'spec' is too large");
      return {
        ...(obj.sweepFile !== undefined ? { sweepFile: str(method, obj, 'sweepFile') } : { spec: obj.spec }),
        outDir: str(method, obj, 'outDir'),
        ...(obj.retryFailed === true ? { retryFailed: true } : {}),
      } as ApiRequest<M>;
    }
    case 'cancelSweep': {
      const obj = asObject(method, value);
      onlyKeys(method, obj, ['sweepId']);
      return { sweepId: idField(method, obj, 'sweepId') } as ApiRequest<M>;
    }
    case 'readSweep': {
      const obj = asObject(method, value);
      onlyKeys(method, obj, ['dir']);
      return { dir: str(method, obj, 'dir') } as ApiRequest<M>;
    }
    case 'openSweepCell': {
      const obj = asObject(method, value);
      onlyKeys(method, obj, ['dir', 'key']);
      const key = str(method, obj, 'key', 255);
      if (!/^[A-Za-z0-9_.-]+$/.test(key) || key.startsWith('.')) fail(method, "'key' is not a sweep cell key");
      return { dir: str(method, obj, 'dir'), key } as ApiRequest<M>;
    }
    case 'previewCompression':
      return compressionRequest(method, value, false) as ApiRequest<M>;
    case 'compressModel':
      return compressionRequest(method, value, true) as ApiRequest<M>;
    case 'compressionLayerViews': {
      const obj = asObject(method, value);
      onlyKeys(method, obj, ['modelPath', 'recipe', 'layer', 'maxCells']);
      const { modelPath, recipe } = compressionRequest(method, { modelPath: obj.modelPath, recipe: obj.recipe }, false);
      const maxCells = optInt(method, obj, 'maxCells', 1, 256);
      return { modelPath, recipe, layer: str(method, obj, 'layer', 1024), ...(maxCells !== undefined ? { maxCells } : {}) } as ApiRequest<M>;
    }
    case 'importVendorReport':
      return importVendorRequest(method, value) as ApiRequest<M>;
  }
}

/** importVendorReport: the file and format; the file's contents are checked by the engine's readers. */
function importVendorRequest(method: string, value: unknown): ImportVendorRequest {
  const obj = asObject(method, value);
  onlyKeys(method, obj, ['file', 'format', 'modelPath', 'device']);
  if (!VENDOR_IMPORT_FORMATS.includes(obj.format as VendorImportFormat)) fail(method, `'format' must be one of ${VENDOR_IMPORT_FORMATS.join(', ')}`);
  const device = obj.device === undefined ? undefined : str(method, obj, 'device', 64);
  if (device !== undefined && !/^[A-Za-z0-9][A-Za-z0-9_.:-]*$/.test(device)) fail(method, "'device' must be a device name like MYRIAD or edgetpu");
  return {
    file: str(method, obj, 'file'),
    format: obj.format as VendorImportFormat,
    ...(obj.modelPath !== undefined ? { modelPath: str(method, obj, 'modelPath') } : {}),
    ...(device !== undefined ? { device } : {}),
  };
}
