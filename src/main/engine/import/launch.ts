/**
 * Launching a vendor tool when it is installed: OpenVINO's benchmark_app (NCS2 via MYRIAD
 * needs OpenVINO 2022.3 or older) or TFLite's benchmark_model (Coral via libedgetpu).
 * The tool runs as a child process writing into a temp folder; its output is then imported
 * like a recorded file. Found through an environment variable or on PATH, never downloaded.
 */
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { EdgescopeError } from '../../../shared/errors';
import { findExecutable } from '../files/find-executable';
import type { VendorFormat } from './vendor-profile';

interface VendorTool {
  executable: string;
  envVar: string;
  install: string;
}

export const VENDOR_TOOLS: Record<VendorFormat, VendorTool> = {
  openvino: {
    executable: 'benchmark_app',
    envVar: 'EDGESCOPE_BENCHMARK_APP',
    install: 'install OpenVINO 2022.3 (the last release with MYRIAD/NCS2 support) and source its setupvars, or set EDGESCOPE_BENCHMARK_APP to the binary',
  },
  tflite: {
    executable: 'benchmark_model',
    envVar: 'EDGESCOPE_BENCHMARK_MODEL',
    install: "download TFLite's prebuilt benchmark_model for your platform (and libedgetpu for Coral) and put it on PATH, or set EDGESCOPE_BENCHMARK_MODEL to the binary",
  },
};


/** The tool's path: the env var's file if set, else the first match on PATH; null when absent. */
export function findVendorTool(format: VendorFormat, env: NodeJS.ProcessEnv = process.env): string | null {
  const tool = VENDOR_TOOLS[format];
  const names = process.platform === 'win32' ? [`${tool.executable}.exe`, tool.executable] : [tool.executable];
  return findExecutable(names, env, env[tool.envVar]);
}

export function requireVendorTool(format: VendorFormat, env: NodeJS.ProcessEnv = process.env): string {
  const found = findVendorTool(format, env);
  if (found) return found;
  const tool = VENDOR_TOOLS[format];
  const where = env[tool.envVar] ? `${tool.envVar}=${env[tool.envVar]} is not an executable file` : `${tool.executable} not found on PATH`;
  throw new EdgescopeError('E_BACKEND_UNAVAILABLE', `unavailable: ${where} (${tool.install})`);
}

export interface LaunchOptions {
  model: string;
  device: string;
  /** Where the tool writes its reports (a temp folder). */
  workDir: string;
  /** Inferences to time. */
  iterations: number;
  signal?: AbortSignal;
}

/** benchmark_app flags: per-layer averages and the run summary as JSON into workDir. */
export function openvinoArgs(o: LaunchOptions): string[] {
  return ['-m', o.model, '-d', o.device, '-niter', String(o.iterations), '-report_type', 'average_counters', '-report_folder', o.workDir, '-json_stats'];
}

/** benchmark_model flags: op profiling on; the Edge TPU through libedgetpu as an external delegate. */
export function tfliteArgs(o: LaunchOptions, env: NodeJS.ProcessEnv = process.env): string[] {
  const args = [`--graph=${o.model}`, '--enable_op_profiling=true', `--num_runs=${o.iterations}`];
  if (o.device === 'edgetpu') args.push(`--external_delegate_path=${env.EDGESCOPE_EDGETPU_DELEGATE ?? 'libedgetpu.so.1'}`);
  else if (o.device === 'gpu') args.push('--use_gpu=true');
  else if (o.device === 'nnapi') args.push('--use_nnapi=true');
  else if (o.device !== 'cpu') throw new EdgescopeError('E_BAD_REQUEST', `--device '${o.device}' is not one benchmark_model can target (cpu, gpu, nnapi, edgetpu)`);
  return args;
}

function runTool(path: string, args: string[], signal?: AbortSignal): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(path, args, { stdio: ['ignore', 'pipe', 'pipe'], signal });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('error', (err) => reject(new EdgescopeError('E_RUN_FAILED', `could not start ${path}: ${err.message}`)));
    child.on('close', (code) => resolve({ code, output }));
  });
}

/**
 * Runs the tool and returns the file to import: benchmark_app's counters JSON, or
 * benchmark_model's captured output (it logs its tables to stderr).
 */
export async function launchVendorTool(format: VendorFormat, toolPath: string, o: LaunchOptions): Promise<string> {
  const args = format === 'openvino' ? openvinoArgs(o) : tfliteArgs(o);
  const { code, output } = await runTool(toolPath, args, o.signal);
  const logPath = join(o.workDir, `${VENDOR_TOOLS[format].executable}.log`);
  await writeFile(logPath, output);
  if (code !== 0) {
    const last = output.trim().split('\n').filter((l) => l.trim() !== '').pop() ?? '';
    throw new EdgescopeError('E_RUN_FAILED', `${VENDOR_TOOLS[format].executable} exited with ${code}${last ? `: ${last.trim()}` : ''}`);
  }
  return format === 'openvino' ? join(o.workDir, 'benchmark_average_counters_report.json') : logPath;
}
