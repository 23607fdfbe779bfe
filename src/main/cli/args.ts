/**
 * Command-line parsing for `edgescope` (node:util parseArgs), turned into typed
 * requests. Every malformed value is a one-line E_BAD_REQUEST naming the flag.
 */
import { parseArgs } from 'node:util';
import type { ProfileRequest } from '../../shared/api';
import { validateProfileRequest } from '../../shared/api-validate';
import { EdgescopeError } from '../../shared/errors';
import type { GraphOptimizationLevel } from '../../shared/report';
import { DEMO_MODELS } from '../engine/model/demo-models';
import { KNOWN_EPS } from '../engine/run/ep-names';

export interface ProfileCommand {
  command: 'profile';
  model?: string;
  /** A demo model id (--demo); generated on first use when it is not bundled. */
  demo?: string;
  request: Omit<ProfileRequest, 'modelPath'>;
  outDir: string;
  json: boolean;
}

export const REPORT_FORMATS = ['html', 'pdf', 'csv', 'md', 'tex', 'trace'] as const;
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
  json: boolean;
}

export type Command =
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
  inspect MODEL.onnx     per-layer sparsity and storage cost: dense, CSR, relative indexing, Huffman
                         [--index-bits N] [--share-bits N] [--json]
  report DIR|REPORT.json re-export a report: --format html,pdf,csv,md,tex,trace (default html) [--out DIR]
  sweep FILE --out DIR   profile every cell of a sweep file (models x variants x EPs x batches x threads);
                         resumes where it stopped [--json] [--retry-failed] [--restart] (docs/sweeps.md)
  help, version

profile options:
  --demo ID              a demo model instead of MODEL: ${DEMO_MODELS.map((d) => d.id).join(', ')}
  --ep EP[,EP...]        execution providers (cpu, webgpu, cuda, tensorrt, dml, coreml); default cpu
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
  --opt-level LEVEL      graph optimization: disabled, basic, extended, all (default all)
  --seed N               seed of the generated inputs (default 42)
  --out DIR              output folder (default ./edgescope-out)
  --json                 print the report JSON on stdout instead of the summary table
`;

function bad(message: string): never {
  throw new EdgescopeError('E_BAD_REQUEST', message);
}

function positiveInt(flag: string, value: string | undefined, min = 1): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value.trim()) || Number(value) < min) bad(`--${flag} must be an integer >= ${min}, got '${value}'`);
  return Number(value);
}

function keyValues(flag: string, values: string[] | undefined): [string, string][] {
  return (values ?? []).map((entry) => {
    const eq = entry.indexOf('=');
    if (eq <= 0 || eq === entry.length - 1) bad(`--${flag} expects NAME=VALUE, got '${entry}'`);
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
    ...JSON_OPTION,
  },
  summary: JSON_OPTION,
  backends: JSON_OPTION,
  devices: JSON_OPTION,
  machine: { ep: { type: 'string' }, threads: { type: 'string' }, recalibrate: { type: 'boolean' }, ...JSON_OPTION },
  report: { format: { type: 'string', multiple: true }, out: { type: 'string' } },
  inspect: { 'index-bits': { type: 'string' }, 'share-bits': { type: 'string' }, ...JSON_OPTION },
  sweep: { out: { type: 'string' }, restart: { type: 'boolean' }, 'retry-failed': { type: 'boolean' }, ...JSON_OPTION },
} as const;

type CommandName = keyof typeof OPTIONS;

function parseFor<C extends CommandName>(command: C, args: string[]) {
  try {
    return parseArgs({ args, allowPositionals: true, strict: true, options: OPTIONS[command] });
  } catch (err) {
    // node's message goes on with advice about '--'; the first sentence is the problem.
    bad(`${command}: ${(err as Error).message.split('\n')[0].replace(/\. To specify a positional.*$/, '')}`);
  }
}

export function parseCommand(argv: string[]): Command {
  const [command, ...rest] = argv;
  if (command === undefined || command === 'help' || command === '--help' || command === '-h') return { command: 'help' };
  if (command === 'version' || command === '--version') return { command: 'version' };
  if (!(command in OPTIONS)) bad(`unknown command '${command}' (commands: ${Object.keys(OPTIONS).join(', ')}, help, version)`);

  switch (command as CommandName) {
    case 'summary': {
      const { values, positionals } = parseFor('summary', rest);
      if (positionals.length !== 1) bad('summary needs exactly one model path: edgescope summary MODEL.onnx');
      return { command: 'summary', model: positionals[0], json: values.json === true };
    }
    case 'backends':
    case 'devices': {
      const name = command as 'backends' | 'devices';
      const { values, positionals } = parseFor(name, rest);
      if (positionals.length > 0) bad(`${name} takes no arguments, got '${positionals[0]}'`);
      return { command: name, json: values.json === true };
    }
    case 'report':
      return parseReportCommand(rest);
    case 'inspect': {
      const { values, positionals } = parseFor('inspect', rest);
      if (positionals.length !== 1) bad('inspect needs exactly one model path: edgescope inspect MODEL.onnx');
      const bits = (flag: string, value: string | undefined, min: number, max: number) => {
        const n = positiveInt(flag, value, min);
        if (n !== undefined && n > max) bad(`--${flag} must be an integer in [${min}, ${max}], got '${value}'`);
        return n;
      };
      return {
        command: 'inspect',
        model: positionals[0],
        indexBits: bits('index-bits', values['index-bits'], 1, 16),
        shareBits: bits('share-bits', values['share-bits'], 2, 8),
        json: values.json === true,
      };
    }
    case 'machine':
      return parseMachineCommand(rest);
    case 'sweep':
      return parseSweepCommand(rest);
    case 'profile':
      break;
  }
  const { values: v, positionals } = parseFor('profile', rest);
  if (positionals.length > 1) bad(`expected at most one model path, got ${positionals.length}: ${positionals.join(' ')}`);
  const json = v.json === true;

  const dims: Record<string, number> = {};
  for (const [name, value] of keyValues('dim', v.dim)) dims[name] = positiveInt(`dim ${name}`, value)!;
  const shapes: Record<string, number[]> = {};
  for (const [name, value] of keyValues('shape', v.shape)) {
    shapes[name] = value.split(',').map((d) => {
      if (!/^\d+$/.test(d.trim())) bad(`--shape ${name} expects comma-separated non-negative integers, got '${value}'`);
      return Number(d);
    });
  }
  const inputValues: Record<string, number> = {};
  for (const [name, value] of keyValues('input', v.input)) {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n)) bad(`--input ${name} expects a number, got '${value}'`);
    inputValues[name] = n;
  }
  const prune = list(v.prune).map((s) => {
    const n = Number(s);
    if (!Number.isFinite(n) || !(n >= 0 && n < 1)) bad(`--prune sparsity must be in [0, 1), got '${s}'`);
    return n;
  });
  const optLevel = v['opt-level'] as GraphOptimizationLevel | undefined;
  const request: Omit<ProfileRequest, 'modelPath'> = {
    eps: v.ep ? list(v.ep) : undefined,
    threads: positiveInt('threads', v.threads),
    batch: positiveInt('batch', v.batch),
    dims,
    shapes,
    inputValues,
    warmup: positiveInt('warmup', v.warmup, 0),
    runs: positiveInt('runs', v.runs),
    minTimeMs: positiveInt('min-time', v['min-time'], 0),
    profiledRuns: positiveInt('profiled-runs', v['profiled-runs'], 0),
    prune,
    pruneScope: v['prune-scope'] as ProfileRequest['pruneScope'],
    graphOptimizationLevel: optLevel,
    seed: positiveInt('seed', v.seed, 0),
  };
  // The same validation the app's requests get (ranges, EP names, levels).
  const { modelPath: _placeholder, ...validated } = validateProfileRequest({ modelPath: 'model.onnx', ...stripUndefined(request) }, 'profile');
  if (v.demo !== undefined) {
    if (positionals[0]) bad('give either a model path or --demo, not both');
    if (!DEMO_MODELS.some((d) => d.id === v.demo)) bad(`unknown demo model '${v.demo}' (demos: ${DEMO_MODELS.map((d) => d.id).join(', ')})`);
  }
  return { command: 'profile', model: positionals[0], demo: v.demo, request: validated, outDir: v.out ?? 'edgescope-out', json };
}

function parseMachineCommand(args: string[]): MachineCommand {
  const { values, positionals } = parseFor('machine', args);
  if (positionals.length > 0) bad(`machine takes no arguments, got '${positionals[0]}'`);
  const ep = values.ep?.trim() ?? 'cpu';
  if (!KNOWN_EPS.some((e) => e.name === ep)) bad(`--ep '${ep}' is not one of ${KNOWN_EPS.map((e) => e.name).join(', ')} (machine takes one EP)`);
  const threads = positiveInt('threads', values.threads);
  if (threads !== undefined && threads > 1024) bad(`--threads must be at most 1024, got '${values.threads}'`);
  return { command: 'machine', json: values.json === true, recalibrate: values.recalibrate === true, ep, threads };
}

function parseSweepCommand(args: string[]): SweepCommand {
  const { values, positionals } = parseFor('sweep', args);
  if (positionals.length !== 1) bad('sweep needs one sweep file: edgescope sweep SWEEP.json --out DIR');
  if (values.out === undefined || values.out.trim() === '') bad('sweep needs --out DIR (where results.json and the cell reports go)');
  if (values.restart === true && values['retry-failed'] === true) bad('give either --restart or --retry-failed, not both');
  return {
    command: 'sweep',
    file: positionals[0],
    outDir: values.out,
    json: values.json === true,
    restart: values.restart === true,
    retryFailed: values['retry-failed'] === true,
  };
}

function parseReportCommand(args: string[]): ReportCommand {
  const { values, positionals } = parseFor('report', args);
  if (positionals.length !== 1) bad('report needs one report.json or the folder that holds it: edgescope report DIR --format html,pdf');
  const formats = list(values.format);
  for (const f of formats) {
    if (!REPORT_FORMATS.includes(f as ReportFormat)) bad(`--format '${f}' is not one of ${REPORT_FORMATS.join(', ')}`);
  }
  return { command: 'report', source: positionals[0], formats: formats.length > 0 ? [...new Set(formats as ReportFormat[])] : ['html'], outDir: values.out };
}

function stripUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, value]) => value !== undefined)) as T;
}
