/**
 * Command-line parsing for `edgescope` (node:util parseArgs), turned into typed
 * requests. Every malformed value is a one-line E_BAD_REQUEST naming the flag.
 */
import type { HistoryFilter, ProfileRequest } from '../../shared/api';
import { validateProfileRequest } from '../../shared/api-validate';
import { badRequest } from '../../shared/errors';
import { integerFlag, parseFlags } from './flags';
import type { GraphOptimizationLevel } from '../../shared/report';
import { DEMO_MODELS } from '../engine/model/demo-models';
import { KNOWN_EPS } from '../engine/run/ep-names';
import { parseEpOptionArgs, validateEpOptions } from '../engine/run/ep-options';

export interface ProfileCommand {
  command: 'profile';
  model?: string;
  /** A demo model id (--demo); generated on first use when it is not bundled. */
  demo?: string;
  request: Omit<ProfileRequest, 'modelPath'>;
  outDir: string;
  json: boolean;
}

export const REPORT_FORMATS = ['html', 'pdf', 'csv', 'md', 'tex', 'trace', 'svg', 'png'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

export interface ReportCommand {
  command: 'report';
  /** A report.json, or the folder that holds one. */
  source: string;
  formats: ReportFormat[];
  /** Default: the folder of the report. */
  outDir?: string;
}

export interface MachineCommand {
  command: 'machine';
  json: boolean;
  recalibrate: boolean;
  /** Default cpu. */
  ep: string;
  /** Default: physical cores. */
  threads?: number;
}

export interface SweepCommand {
  command: 'sweep';
  /** The sweep file (JSON). */
  file: string;
  outDir: string;
  json: boolean;
  /** Delete earlier output of this folder's sweep and start over. */
  restart: boolean;
  /** Rerun cells that failed in an earlier run. */
  retryFailed: boolean;
}

export interface InspectCommand {
  command: 'inspect';
  model: string;
  /** Bits per relative-index gap (default: 8 for conv layers, 5 for fully connected ones, as in Deep Compression). */
  indexBits?: number;
  /** Weight-sharing bits, 2..8 (same defaults). */
  shareBits?: number;
  /** Write each layer's zero-pattern heat map and weight histogram as DIR/charts/<layer>-{zeros,histogram}.{svg,png}. */
  outDir?: string;
  /** The dense model MODEL was made from: the histograms compare its weights (before) with MODEL's (after). */
  baseline?: string;
  json: boolean;
}

export type HistoryCommand =
  | { command: 'history'; action: 'list'; json: boolean; filter: HistoryFilter }
  | { command: 'history'; action: 'rm'; id: string };

export interface ImportCommand {
  command: 'import';
  /** A vendor tool's output; absent with --run. */
  file?: string;
  format: string;
  /** --run: launch the vendor tool instead of reading FILE. */
  run: boolean;
  model?: string;
  device?: string;
  iterations?: number;
  outDir: string;
  json: boolean;
}

export interface SensitivityCommand {
  command: 'sensitivity';
  model: string;
  granularity: 'element' | 'filter';
  /** An input-set file (docs/verification.md); with labels the metric is accuracy. */
  dataPath?: string;
  /** Write sensitivity.csv, sensitivity.svg and sensitivity.json here. */
  outDir?: string;
  /** Propose per-layer sparsities whose metric drops at most this much. */
  budget?: number;
  threads?: number;
  seed?: number;
  json: boolean;
}

export type Command =
  | SensitivityCommand
  | ImportCommand
  | HistoryCommand
  | ProfileCommand
  | SweepCommand
  | MachineCommand
  | { command: 'summary'; model: string; json: boolean }
  | { command: 'backends'; json: boolean }
  | { command: 'devices'; json: boolean }
  | ReportCommand
  | InspectCommand
  | { command: 'help' }
  | { command: 'version' };

export const USAGE = `usage: edgescope <command> [options]

commands:
  profile [MODEL.onnx]   profile a model (default: the bundled demo model) and write a report
  summary MODEL.onnx     print a model's inputs, outputs, ops, parameters and sparsity
  backends               list the execution providers and why any is unavailable
  devices                list the CPU, memory, GPUs and accelerators, and which EPs could drive each
                         (--json for JSON; EDGESCOPE_SYSFS_ROOT reads another sysfs tree than /sys)
  machine                this machine's bandwidth per cache level and DRAM, peak fp32/int8, t0 (cached)
                         [--json] [--recalibrate] [--ep EP] [--threads N]
  compress MODEL.onnx --out OUT.onnx
                         prune (any granularity) / thin / share / quantize one variant, verified against
                         MODEL: [--prune S --granularity G [--norm l1|l2]] [--recipe FILE] [--thin]
                         [--share-weights BITS] [--quantize MODE] [--calibration FILE] [--json] (docs/compression.md)
  inspect MODEL.onnx     per-layer sparsity and storage cost: dense, CSR, relative indexing, Huffman
                         [--index-bits N] [--share-bits N] [--json]; --out DIR also writes each layer's
                         zero-pattern heat map and weight histogram (before/after with --baseline DENSE.onnx)
  import FILE --format openvino|tflite --out DIR
                         import OpenVINO benchmark_app counters (.csv/.json) or TFLite benchmark_model
                         op profiling output as a report [--model MODEL.onnx] [--device D] [--json];
                         or --run openvino|tflite --model M --device D: launch the installed tool
  report DIR|REPORT.json re-export a report: --format html,pdf,csv,md,tex,trace,svg,png (default html) [--out DIR];
                         SWEEPDIR/results.json: the sweep's dataset views (html, svg, png)
  history                the workspace's runs (EDGESCOPE_WORKSPACE), newest first [--json] [--model TEXT]
                         [--variant ID] [--backend EP] [--from DATE] [--to DATE]; history rm ID deletes one
  sweep FILE --out DIR   profile every cell of a sweep file (models x variants x EPs x batches x threads);
                         resumes where it stopped [--json] [--retry-failed] [--restart] (docs/sweeps.md)
  sensitivity MODEL.onnx prune each layer alone at 0..90% and measure accuracy (--data with labels) or top-1
                         agreement with dense [--granularity element|filter] [--data FILE] [--budget B]
                         [--out DIR: CSV + SVG chart] [--threads N] [--seed N] [--json] (docs/verification.md)
  bench eie              EIE's nine layers: onnxruntime dense vs the native sparse kernels, beside EIE's CPU
                         speedups [--batch 1,64] [--threads N] [--json] (docs/sparse-kernels.md)
  bench break-even       density below which the sparse kernels beat onnxruntime dense, per shape and batch
                         (cached) [--shape RxC,...] [--batch 1,8,64] [--threads N] [--recalibrate] [--json]
  help, version

profile options:
  --demo ID              a demo model instead of MODEL: ${DEMO_MODELS.map((d) => d.id).join(', ')}
  --ep EP[,EP...]        execution providers (cpu, webgpu, cuda, tensorrt, dml, coreml); default cpu
  --ep-option EP.NAME=V  an EP option, e.g. cuda.device_id=1, webgpu.preferred_layout=NHWC (repeatable;
                         'edgescope backends --json' lists each EP's options; docs/accelerators.md)
  --threads N            intra-op threads (default: physical cores)
  --batch N              batch size for the batch dimension (default 1)
  --dim NAME=N           value of a named symbolic dimension (repeatable)
  --shape INPUT=D1,D2,.. whole shape of one input (repeatable)
  --input INPUT=VALUE    fill an input with a constant (repeatable)
  --warmup N             warm-up runs before timing (default 5)
  --runs N               timed runs (default 30)
  --min-time MS          keep timing for at least this long (default 0)
  --profiled-runs N      runs with onnxruntime's profiler for the op timeline (default 10)
  --prune S[,S...]       also profile magnitude-pruned variants at these sparsities in [0, 1)
  --prune-scope SCOPE    layer (default: each layer reaches the sparsity) or global (one threshold)
  --sparse               also run each pruned variant on ORT + sparse kernels (pruned-S+sparse; needs --prune)
  --sparse-layer NODE=sparse|dense  force one layer's hybrid choice over the measured policy (repeatable)
  --sparse-cache MODE    use (default: cached layer timings and the break-even table), recalibrate, or off
  --cold-cache           flush the last-level cache before each timed run; per op cold and warm times and
                         the DRAM share cold - warm (docs/attribution.md)
  --opt-level LEVEL      graph optimization: disabled, basic, extended, all (default all)
  --seed N               seed of the generated inputs (default 42)
  --data FILE            verify the variants on this input set (samples, optional labels) instead of random inputs
  --variant FILE.onnx    also profile this compressed model next to dense (repeatable; id: the file name)
  --recipe FILE          also profile a variant built from this compression recipe (docs/compression.md)
  --out DIR              output folder (default ./edgescope-out)
  --json                 print the report JSON on stdout instead of the summary table
`;



function keyValues(flag: string, values: string[] | undefined): [string, string][] {
  return (values ?? []).map((entry) => {
    const eq = entry.indexOf('=');
    if (eq <= 0 || eq === entry.length - 1) badRequest(`--${flag} expects NAME=VALUE, got '${entry}'`);
    return [entry.slice(0, eq), entry.slice(eq + 1)];
  });
}

function list(values: string[] | undefined): string[] {
  return (values ?? []).flatMap((v) => v.split(',')).map((v) => v.trim()).filter((v) => v.length > 0);
}

const JSON_OPTION = { json: { type: 'boolean' } } as const;

/** Each command accepts only its own flags, so a flag given to the wrong command is an error, not ignored. */
const OPTIONS = {
  profile: {
    ep: { type: 'string', multiple: true },
    threads: { type: 'string' },
    batch: { type: 'string' },
    dim: { type: 'string', multiple: true },
    shape: { type: 'string', multiple: true },
    input: { type: 'string', multiple: true },
    warmup: { type: 'string' },
    runs: { type: 'string' },
    'min-time': { type: 'string' },
    'profiled-runs': { type: 'string' },
    prune: { type: 'string', multiple: true },
    'prune-scope': { type: 'string' },
    'opt-level': { type: 'string' },
    seed: { type: 'string' },
    out: { type: 'string' },
    demo: { type: 'string' },
    'ep-option': { type: 'string', multiple: true },
    sparse: { type: 'boolean' },
    'sparse-layer': { type: 'string', multiple: true },
    'sparse-cache': { type: 'string' },
    'cold-cache': { type: 'boolean' },
    data: { type: 'string' },
    variant: { type: 'string', multiple: true },
    recipe: { type: 'string' },
    ...JSON_OPTION,
  },
  sensitivity: {
    granularity: { type: 'string' },
    data: { type: 'string' },
    out: { type: 'string' },
    budget: { type: 'string' },
    threads: { type: 'string' },
    seed: { type: 'string' },
    ...JSON_OPTION,
  },
  summary: JSON_OPTION,
  backends: JSON_OPTION,
  devices: JSON_OPTION,
  machine: { ep: { type: 'string' }, threads: { type: 'string' }, recalibrate: { type: 'boolean' }, ...JSON_OPTION },
  report: { format: { type: 'string', multiple: true }, out: { type: 'string' } },
  inspect: { 'index-bits': { type: 'string' }, 'share-bits': { type: 'string' }, out: { type: 'string' }, baseline: { type: 'string' }, ...JSON_OPTION },
  sweep: { out: { type: 'string' }, restart: { type: 'boolean' }, 'retry-failed': { type: 'boolean' }, ...JSON_OPTION },
  history: {
    model: { type: 'string' },
    variant: { type: 'string' },
    backend: { type: 'string' },
    from: { type: 'string' },
    to: { type: 'string' },
    ...JSON_OPTION,
  },
  import: {
    format: { type: 'string' },
    run: { type: 'string' },
    model: { type: 'string' },
    device: { type: 'string' },
    iterations: { type: 'string' },
    out: { type: 'string' },
    ...JSON_OPTION,
  },
} as const;

type CommandName = keyof typeof OPTIONS;

function parseFor<C extends CommandName>(command: C, args: string[]) {
  return parseFlags(command, args, OPTIONS[command]);
}

export function parseCommand(argv: string[]): Command {
  const [command, ...rest] = argv;
  if (command === undefined || command === 'help' || command === '--help' || command === '-h') return { command: 'help' };
  if (command === 'version' || command === '--version') return { command: 'version' };
  if (!(command in OPTIONS)) {
    // compress and bench parse their own flags (cli/index.ts hands them over before this parser).
    badRequest(`unknown command '${command}' (commands: ${[...Object.keys(OPTIONS), 'compress', 'bench'].join(', ')}, help, version)`);
  }

  switch (command as CommandName) {
    case 'summary': {
      const { values, positionals } = parseFor('summary', rest);
      if (positionals.length !== 1) badRequest('summary needs exactly one model path: edgescope summary MODEL.onnx');
      return { command: 'summary', model: positionals[0], json: values.json === true };
    }
    case 'backends':
    case 'devices': {
      const name = command as 'backends' | 'devices';
      const { values, positionals } = parseFor(name, rest);
      if (positionals.length > 0) badRequest(`${name} takes no arguments, got '${positionals[0]}'`);
      return { command: name, json: values.json === true };
    }
    case 'report':
      return parseReportCommand(rest);
    case 'inspect': {
      const { values, positionals } = parseFor('inspect', rest);
      if (positionals.length !== 1) badRequest('inspect needs exactly one model path: edgescope inspect MODEL.onnx');
      if (values.baseline !== undefined && values.out === undefined) badRequest('inspect --baseline needs --out DIR: it only changes the histograms written there');
      return {
        command: 'inspect',
        model: positionals[0],
        indexBits: integerFlag('index-bits', values['index-bits'], 1, 16),
        shareBits: integerFlag('share-bits', values['share-bits'], 2, 8),
        ...(values.out !== undefined ? { outDir: values.out } : {}),
        ...(values.baseline !== undefined ? { baseline: values.baseline } : {}),
        json: values.json === true,
      };
    }
    case 'machine':
      return parseMachineCommand(rest);
    case 'sweep':
      return parseSweepCommand(rest);
    case 'history':
      return parseHistoryCommand(rest);
    case 'import':
      return parseImportCommand(rest);
    case 'sensitivity':
      return parseSensitivityCommand(rest);
    case 'profile':
      break;
  }
  const { values: v, positionals } = parseFor('profile', rest);
  if (positionals.length > 1) badRequest(`expected at most one model path, got ${positionals.length}: ${positionals.join(' ')}`);
  const json = v.json === true;

  const dims: Record<string, number> = {};
  for (const [name, value] of keyValues('dim', v.dim)) dims[name] = integerFlag(`dim ${name}`, value, 1)!;
  const shapes: Record<string, number[]> = {};
  for (const [name, value] of keyValues('shape', v.shape)) {
    shapes[name] = value.split(',').map((d) => {
      if (!/^\d+$/.test(d.trim())) badRequest(`--shape ${name} expects comma-separated non-negative integers, got '${value}'`);
      return Number(d);
    });
  }
  const inputValues: Record<string, number> = {};
  for (const [name, value] of keyValues('input', v.input)) {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n)) badRequest(`--input ${name} expects a number, got '${value}'`);
    inputValues[name] = n;
  }
  const prune = list(v.prune).map((s) => {
    const n = Number(s);
    if (!Number.isFinite(n) || !(n >= 0 && n < 1)) badRequest(`--prune sparsity must be in [0, 1), got '${s}'`);
    return n;
  });
  const optLevel = v['opt-level'] as GraphOptimizationLevel | undefined;
  const request: Omit<ProfileRequest, 'modelPath'> = {
    eps: v.ep ? list(v.ep) : undefined,
    threads: integerFlag('threads', v.threads, 1),
    batch: integerFlag('batch', v.batch, 1),
    dims,
    shapes,
    inputValues,
    warmup: integerFlag('warmup', v.warmup, 0),
    runs: integerFlag('runs', v.runs, 1),
    minTimeMs: integerFlag('min-time', v['min-time'], 0),
    profiledRuns: integerFlag('profiled-runs', v['profiled-runs'], 0),
    prune,
    pruneScope: v['prune-scope'] as ProfileRequest['pruneScope'],
    graphOptimizationLevel: optLevel,
    seed: integerFlag('seed', v.seed, 0),
    sparse: v.sparse,
    sparseLayers: sparseLayers(v['sparse-layer'], v.sparse === true),
    sparseCache: sparseCacheMode(v['sparse-cache'], v.sparse === true),
    dataPath: v.data,
    variantPaths: v.variant,
    recipePath: v.recipe,
    coldCache: v['cold-cache'],
    epOptions: v['ep-option'] ? validateEpOptions(parseEpOptionArgs(v['ep-option']), v.ep ? list(v.ep) : ['cpu']) : undefined,
  };
  // The same validation the app's requests get (ranges, EP names, levels).
  const { modelPath: _placeholder, ...validated } = validateProfileRequest({ modelPath: 'model.onnx', ...stripUndefined(request) }, 'profile');
  if (v.demo !== undefined) {
    if (positionals[0]) badRequest('give either a model path or --demo, not both');
    if (!DEMO_MODELS.some((d) => d.id === v.demo)) badRequest(`unknown demo model '${v.demo}' (demos: ${DEMO_MODELS.map((d) => d.id).join(', ')})`);
  }
  return { command: 'profile', model: positionals[0], demo: v.demo, request: validated, outDir: v.out ?? 'edgescope-out', json };
}

/** --sparse-layer NODE=sparse|dense, repeatable; only meaningful with --sparse. */
function sparseCacheMode(value: string | undefined, sparse: boolean): ProfileRequest['sparseCache'] {
  if (value === undefined) return undefined;
  if (!sparse) badRequest('--sparse-cache needs --sparse');
  if (value !== 'use' && value !== 'recalibrate' && value !== 'off') badRequest(`--sparse-cache expects use, recalibrate or off, got '${value}'`);
  return value;
}

function sparseLayers(values: string[] | undefined, sparse: boolean): Record<string, 'sparse' | 'dense'> | undefined {
  if (!values) return undefined;
  if (!sparse) badRequest('--sparse-layer needs --sparse');
  const layers: Record<string, 'sparse' | 'dense'> = {};
  for (const [node, choice] of keyValues('sparse-layer', values)) {
    if (choice !== 'sparse' && choice !== 'dense') badRequest(`--sparse-layer ${node} expects sparse or dense, got '${choice}'`);
    layers[node] = choice;
  }
  return layers;
}

function parseMachineCommand(args: string[]): MachineCommand {
  const { values, positionals } = parseFor('machine', args);
  if (positionals.length > 0) badRequest(`machine takes no arguments, got '${positionals[0]}'`);
  const ep = values.ep?.trim() ?? 'cpu';
  if (!KNOWN_EPS.some((e) => e.name === ep)) badRequest(`--ep '${ep}' is not one of ${KNOWN_EPS.map((e) => e.name).join(', ')} (machine takes one EP)`);
  const threads = integerFlag('threads', values.threads, 1);
  if (threads !== undefined && threads > 1024) badRequest(`--threads must be at most 1024, got '${values.threads}'`);
  return { command: 'machine', json: values.json === true, recalibrate: values.recalibrate === true, ep, threads };
}

function parseImportCommand(args: string[]): ImportCommand {
  const { values, positionals } = parseFor('import', args);
  const run = values.run;
  if (run !== undefined && positionals.length > 0) badRequest(`give either a FILE to import or --run ${run}, not both`);
  if (run === undefined && positionals.length !== 1) badRequest('import needs one vendor tool output: edgescope import FILE --format openvino|tflite --out DIR');
  if (run !== undefined && values.format !== undefined && values.format !== run) badRequest(`--format ${values.format} and --run ${run} disagree`);
  const format = run ?? values.format;
  if (format === undefined) badRequest('import needs --format openvino|tflite');
  if (format !== 'openvino' && format !== 'tflite') badRequest(`--format must be openvino or tflite, got '${format}'`);
  if (values.out === undefined || values.out.trim() === '') badRequest('import needs --out DIR (where report.json goes)');
  if (values.device !== undefined && !/^[A-Za-z0-9_.:-]{1,64}$/.test(values.device)) badRequest(`--device '${values.device}' is not a device name (e.g. MYRIAD, edgetpu)`);
  return {
    command: 'import',
    file: positionals[0],
    format,
    run: run !== undefined,
    model: values.model,
    device: values.device,
    iterations: integerFlag('iterations', values.iterations, 1),
    outDir: values.out,
    json: values.json === true,
  };
}

function parseSensitivityCommand(args: string[]): SensitivityCommand {
  const { values, positionals } = parseFor('sensitivity', args);
  if (positionals.length !== 1) badRequest('sensitivity needs exactly one model path: edgescope sensitivity MODEL.onnx');
  const granularity = values.granularity ?? 'element';
  if (granularity !== 'element' && granularity !== 'filter') badRequest(`--granularity must be element or filter for sensitivity, got '${granularity}'`);
  let budget: number | undefined;
  if (values.budget !== undefined) {
    budget = Number(values.budget);
    if (values.budget.trim() === '' || !(budget >= 0 && budget <= 1)) badRequest(`--budget must be a number in [0, 1] (e.g. 0.01 for one point of accuracy), got '${values.budget}'`);
  }
  if (values.data !== undefined && values.data.trim() === '') badRequest('--data needs an input-set file');
  if (values.out !== undefined && values.out.trim() === '') badRequest('--out needs a folder');
  return {
    command: 'sensitivity',
    model: positionals[0],
    granularity,
    dataPath: values.data,
    outDir: values.out,
    budget,
    threads: integerFlag('threads', values.threads, 1),
    seed: integerFlag('seed', values.seed, 0),
    json: values.json === true,
  };
}

function parseSweepCommand(args: string[]): SweepCommand {
  const { values, positionals } = parseFor('sweep', args);
  if (positionals.length !== 1) badRequest('sweep needs one sweep file: edgescope sweep SWEEP.json --out DIR');
  if (values.out === undefined || values.out.trim() === '') badRequest('sweep needs --out DIR (where results.json and the cell reports go)');
  if (values.restart === true && values['retry-failed'] === true) badRequest('give either --restart or --retry-failed, not both');
  return {
    command: 'sweep',
    file: positionals[0],
    outDir: values.out,
    json: values.json === true,
    restart: values.restart === true,
    retryFailed: values['retry-failed'] === true,
  };
}

function parseHistoryCommand(args: string[]): HistoryCommand {
  const { values, positionals } = parseFor('history', args);
  if (positionals[0] === 'rm') {
    if (positionals.length !== 2) badRequest('history rm needs one run id: edgescope history rm ID');
    const filters = Object.keys(values).filter((k) => k !== 'json');
    if (filters.length > 0) badRequest(`history rm takes no --${filters[0]}`);
    if (!/^[A-Za-z0-9_-]+$/.test(positionals[1])) badRequest(`'${positionals[1]}' is not a run id (edgescope history lists them)`);
    return { command: 'history', action: 'rm', id: positionals[1] };
  }
  if (positionals.length > 0) badRequest(`history takes no arguments but 'rm ID', got '${positionals[0]}'`);
  const filter: HistoryFilter = {};
  for (const key of ['model', 'variant', 'backend', 'from', 'to'] as const) {
    const value = values[key]?.trim();
    if (value === undefined) continue;
    if (value === '') badRequest(`--${key} needs a value`);
    if ((key === 'from' || key === 'to') && Number.isNaN(Date.parse(value))) badRequest(`--${key} must be a date like 2026-01-31, got '${value}'`);
    filter[key] = value;
  }
  return { command: 'history', action: 'list', json: values.json === true, filter };
}

function parseReportCommand(args: string[]): ReportCommand {
  const { values, positionals } = parseFor('report', args);
  if (positionals.length !== 1) badRequest('report needs one report.json or the folder that holds it: edgescope report DIR --format html,pdf');
  const formats = list(values.format);
  for (const f of formats) {
    if (!REPORT_FORMATS.includes(f as ReportFormat)) badRequest(`--format '${f}' is not one of ${REPORT_FORMATS.join(', ')}`);
  }
  return { command: 'report', source: positionals[0], formats: formats.length > 0 ? [...new Set(formats as ReportFormat[])] : ['html'], outDir: values.out };
}

function stripUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, value]) => value !== undefined)) as T;
}
