/**
 * Execution-provider options: a typed, validated spec per EP, and how each set of options
 * becomes the `executionProviders` entry onnxruntime-node takes.
 *
 * Option names are edgescope's (snake_case, as on the CLI: `--ep-option cuda.device_id=1`).
 * Only options onnxruntime-node 1.30's binding actually passes on are offered
 * (js/node/src/session_options_helper.cc): `deviceId` for cuda, tensorrt and dml,
 * `coreMlFlags` for coreml, and the WebGPU provider's own keys. Options that exist in
 * ORT's C API but that the Node binding drops (cuda.gpu_mem_limit, ...) are refused
 * with that reason, rather than silently ignored.
 */
import { badRequest } from '../../../shared/errors';

export type EpOptionValue = number | boolean | string | string[];
/** Validated options of one EP, by edgescope's option name. */
export type EpOptionValues = Record<string, EpOptionValue>;
/** Validated options by EP name. */
export type EpOptions = Record<string, EpOptionValues>;

export type EpOptionKind =
  | { kind: 'integer'; min: number; max: number }
  | { kind: 'enum'; values: readonly string[] }
  | { kind: 'boolean' }
  | { kind: 'list' };

export type EpOptionSpec = EpOptionKind & {
  name: string;
  description: string;
  /** What onnxruntime uses when the option is not given. */
  defaultValue?: string;
};

const DEVICE_ID: EpOptionSpec = {
  name: 'device_id',
  kind: 'integer',
  min: 0,
  max: 255,
  description: 'index of the device to run on',
  defaultValue: '0',
};

const BUFFER_CACHE_MODES = ['disabled', 'lazyRelease', 'simple', 'bucket'] as const;

const bufferCache = (name: string, what: string, defaultValue: string): EpOptionSpec => ({
  name,
  kind: 'enum',
  values: BUFFER_CACHE_MODES,
  description: `cache mode of ${what} buffers`,
  defaultValue,
});

/** CoreML compute units as coreMlFlags bits (coreml_provider_factory.h). */
const COREML_FLAG = {
  useCpuOnly: 0x001,
  enableOnSubgraph: 0x002,
  onlyEnableDeviceWithAne: 0x004,
  onlyAllowStaticInputShapes: 0x008,
  createMlProgram: 0x010,
  useCpuAndGpu: 0x020,
} as const;

export const EP_OPTION_SPECS: Readonly<Record<string, readonly EpOptionSpec[]>> = {
  cpu: [],
  cuda: [DEVICE_ID],
  tensorrt: [DEVICE_ID],
  dml: [DEVICE_ID],
  coreml: [
    {
      name: 'compute_units',
      kind: 'enum',
      values: ['ALL', 'CPUOnly', 'CPUAndGPU'],
      description: 'where CoreML may run the model (ALL lets it use the Neural Engine)',
      defaultValue: 'ALL',
    },
    { name: 'model_format', kind: 'enum', values: ['NeuralNetwork', 'MLProgram'], description: 'CoreML model type to compile to', defaultValue: 'NeuralNetwork' },
    { name: 'require_ane', kind: 'boolean', description: 'enable CoreML only on devices with a Neural Engine', defaultValue: 'false' },
    { name: 'enable_on_subgraph', kind: 'boolean', description: 'also use CoreML inside control-flow subgraphs', defaultValue: 'false' },
    { name: 'static_input_shapes', kind: 'boolean', description: 'only hand CoreML nodes whose input shapes are static', defaultValue: 'false' },
  ],
  webgpu: [
    { name: 'preferred_layout', kind: 'enum', values: ['NCHW', 'NHWC'], description: 'layout for layout-sensitive operators', defaultValue: 'NCHW' },
    { name: 'validation_mode', kind: 'enum', values: ['disabled', 'wgpuOnly', 'basic', 'full'], description: 'WebGPU validation', defaultValue: 'basic' },
    { name: 'enable_robustness', kind: 'boolean', description: 'robust buffer access on the Dawn device ORT creates', defaultValue: 'false' },
    { name: 'force_cpu_node_names', kind: 'list', description: 'comma-separated node names to keep on the CPU' },
    bufferCache('storage_buffer_cache_mode', 'storage', 'bucket'),
    bufferCache('uniform_buffer_cache_mode', 'uniform', 'simple'),
    bufferCache('query_resolve_buffer_cache_mode', 'query-resolve', 'disabled'),
    bufferCache('default_buffer_cache_mode', 'other', 'disabled'),
  ],
};

/** Options of ORT's C API that onnxruntime-node 1.30 does not pass on, with why. */
const NOT_PASSED_BY_NODE_BINDING: Readonly<Record<string, readonly string[]>> = {
  cuda: ['gpu_mem_limit', 'arena_extend_strategy', 'cudnn_conv_algo_search', 'do_copy_in_default_stream', 'enable_cuda_graph', 'tunable_op_enable'],
  tensorrt: ['trt_max_workspace_size', 'trt_fp16_enable', 'trt_int8_enable', 'trt_engine_cache_enable', 'trt_engine_cache_path'],
  coreml: ['MLComputeUnits', 'ModelFormat'],
};


function known(ep: string): readonly EpOptionSpec[] {
  // Own keys only: 'constructor' or 'toString' must not pass for an EP.
  const specs = Object.hasOwn(EP_OPTION_SPECS, ep) ? EP_OPTION_SPECS[ep] : undefined;
  if (!specs) badRequest(`EP option for unknown execution provider '${ep}' (known: ${Object.keys(EP_OPTION_SPECS).join(', ')})`);
  return specs;
}

function specFor(ep: string, name: string): EpOptionSpec {
  const specs = known(ep);
  const spec = specs.find((s) => s.name === name);
  if (spec) return spec;
  if (NOT_PASSED_BY_NODE_BINDING[ep]?.includes(name)) {
    badRequest(`EP option ${ep}.${name} is not passed on by onnxruntime-node 1.30 (its ${ep} binding reads only ${specs.map((s) => s.name).join(', ')})`);
  }
  badRequest(`unknown EP option ${ep}.${name} (${ep} takes: ${specs.length > 0 ? specs.map((s) => s.name).join(', ') : 'no options'})`);
}

/** A value given as text (the CLI) or as JSON (the app's request), checked against its spec. */
function coerce(ep: string, spec: EpOptionSpec, value: unknown): EpOptionValue {
  const label = `${ep}.${spec.name}`;
  switch (spec.kind) {
    case 'integer': {
      const n = typeof value === 'string' && /^\s*\d+\s*$/.test(value) ? Number(value) : value;
      if (typeof n !== 'number' || !Number.isInteger(n) || n < spec.min || n > spec.max) {
        badRequest(`EP option ${label} must be an integer in [${spec.min}, ${spec.max}], got ${JSON.stringify(value)}`);
      }
      return n;
    }
    case 'enum':
      if (typeof value !== 'string' || !spec.values.includes(value)) {
        const hint = ep === 'coreml' && value === 'CPUAndNeuralEngine'
          ? ' (onnxruntime-node 1.30 passes CoreML only coreMlFlags, which has no CPU+Neural-Engine setting: use ALL, optionally with coreml.require_ane=true)'
          : '';
        badRequest(`EP option ${label} must be one of ${spec.values.join(', ')}, got ${JSON.stringify(value)}${hint}`);
      }
      return value;
    case 'boolean':
      if (typeof value === 'boolean') return value;
      if (value === 'true' || value === '1') return true;
      if (value === 'false' || value === '0') return false;
      badRequest(`EP option ${label} must be true or false, got ${JSON.stringify(value)}`);
    case 'list': {
      const items = typeof value === 'string' ? value.split(',') : value;
      if (!Array.isArray(items) || items.some((i) => typeof i !== 'string')) badRequest(`EP option ${label} must be a comma-separated list of names`);
      const names = (items as string[]).map((i) => i.trim()).filter((i) => i.length > 0);
      if (names.length === 0) badRequest(`EP option ${label} must name at least one node`);
      return names;
    }
  }
}

/**
 * `EP.NAME=VALUE` entries (the CLI's repeatable --ep-option) into validated options.
 * A later entry for the same option replaces an earlier one.
 */
export function parseEpOptionArgs(entries: readonly string[]): EpOptions {
  // Prototype-free maps: a name like '__proto__' or 'constructor' is a key here, never an inherited member.
  const raw: Record<string, Record<string, string>> = Object.create(null);
  for (const entry of entries) {
    const match = /^([a-z0-9_-]+)\.([A-Za-z0-9_]+)=(.*)$/.exec(entry.trim());
    if (!match || match[3] === '') badRequest(`--ep-option expects EP.NAME=VALUE (e.g. cuda.device_id=1), got '${entry}'`);
    const [, ep, name, value] = match;
    (raw[ep] ??= Object.create(null) as Record<string, string>)[name] = value;
  }
  return validateEpOptions(raw);
}

/** Options from any source (CLI text or app JSON), validated; throws one line naming the first problem. */
export function validateEpOptions(raw: unknown, eps?: readonly string[]): EpOptions {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) badRequest("'epOptions' must be an object of { EP: { option: value } }");
  const out: EpOptions = {};
  for (const [ep, options] of Object.entries(raw as Record<string, unknown>)) {
    known(ep);
    if (eps && !eps.includes(ep)) badRequest(`EP options given for '${ep}', which is not among the requested EPs (${eps.join(', ')})`);
    if (options === null || typeof options !== 'object' || Array.isArray(options)) badRequest(`'epOptions.${ep}' must be an object of option values`);
    const values: EpOptionValues = {};
    for (const [name, value] of Object.entries(options as Record<string, unknown>)) values[name] = coerce(ep, specFor(ep, name), value);
    out[ep] = values;
  }
  return out;
}

const WEBGPU_KEYS: Record<string, string> = {
  preferred_layout: 'preferredLayout',
  validation_mode: 'validationMode',
  enable_robustness: 'enableRobustness',
  force_cpu_node_names: 'forceCpuNodeNames',
  storage_buffer_cache_mode: 'storageBufferCacheMode',
  uniform_buffer_cache_mode: 'uniformBufferCacheMode',
  query_resolve_buffer_cache_mode: 'queryResolveBufferCacheMode',
  default_buffer_cache_mode: 'defaultBufferCacheMode',
};

function coreMlFlags(options: EpOptionValues): number {
  let flags = 0;
  if (options.compute_units === 'CPUOnly') flags |= COREML_FLAG.useCpuOnly;
  if (options.compute_units === 'CPUAndGPU') flags |= COREML_FLAG.useCpuAndGpu;
  if (options.model_format === 'MLProgram') flags |= COREML_FLAG.createMlProgram;
  if (options.require_ane === true) flags |= COREML_FLAG.onlyEnableDeviceWithAne;
  if (options.enable_on_subgraph === true) flags |= COREML_FLAG.enableOnSubgraph;
  if (options.static_input_shapes === true) flags |= COREML_FLAG.onlyAllowStaticInputShapes;
  return flags;
}

export type OrtProviderEntry = string | ({ name: string } & Record<string, unknown>);

/** The `executionProviders` entry for one EP: its bare name when no options are set. */
export function ortProviderEntry(ep: string, options: EpOptionValues | undefined): OrtProviderEntry {
  if (!options || Object.keys(options).length === 0) return ep;
  switch (ep) {
    case 'cuda':
    case 'tensorrt':
    case 'dml':
      return { name: ep, deviceId: options.device_id };
    case 'coreml':
      return { name: ep, coreMlFlags: coreMlFlags(options) };
    case 'webgpu':
      return { name: ep, ...Object.fromEntries(Object.entries(options).map(([k, v]) => [WEBGPU_KEYS[k], v])) };
    default:
      badRequest(`execution provider '${ep}' takes no options`);
  }
}

/** Every EP's options, for `edgescope backends --json` and the docs. */
export function listEpOptions(ep: string): EpOptionSpec[] {
  return [...(EP_OPTION_SPECS[ep] ?? [])];
}
