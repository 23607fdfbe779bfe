/**
 * `edgescope import` and the app's importVendorReport: a vendor tool's output (recorded, or
 * produced now by launching the tool) -> VendorProfile -> Report -> report.json/html/trace.json,
 * written all or nothing, then recorded in the workspace's run history (backend e.g.
 * `openvino:MYRIAD`) so it lists and compares with ORT runs. Every check on user input runs
 * before anything is written.
 */
import { existsSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { HistorySource } from '../../../shared/api';
import { badRequest } from '../../../shared/errors';
import type { Ceilings, Report } from '../../../shared/report';
import { ceilingsFor } from '../machine/ceilings';
import { lastLevelCacheBytes, machineInventory, type MachineInventory } from '../machine/machine-info';
import { readModel } from '../model/onnx-io';
import { summarizeModel } from '../model/summary';
import type { EngineEnv } from '../profile-job';
import { recordInHistory } from '../history/record';
import { writeReportFiles } from '../report/report-writer';
import { RunWorker } from '../run/runner';
import { launchVendorTool, requireVendorTool } from './launch';
import { modelOpCosts } from './model-op-costs';
import { readOpenVino } from './openvino';
import { readTflite } from './tflite';
import { vendorProfileToReport, type ImportContext } from './to-report';
import type { VendorFormat, VendorProfile } from './vendor-profile';

export const VENDOR_FORMATS: readonly VendorFormat[] = ['openvino', 'tflite'];

export interface ImportRequest {
  format: VendorFormat;
  /** A recorded output file; absent with `run`. */
  file?: string;
  /** Launch the vendor tool on `model` instead of reading a file. */
  run?: boolean;
  /** The ONNX model for op FLOPs/bytes; with `run`, the model the tool runs (.xml, .onnx, .tflite). */
  model?: string;
  device?: string;
  /** Inferences the launched tool times (default 100). */
  iterations?: number;
  outDir: string;
}

export interface ImportResult {
  report: Report;
  files: { report: string; html: string; trace: string };
  /** The run's id in the history (env.workspaceDir set and recording succeeded)... */
  historyId?: string;
  /** ...or why it could not be recorded (the import itself stands). */
  historyError?: string;
}

export interface ImportHooks {
  commandLine?: string[];
  signal?: AbortSignal;
  /** Who imports, for the history (default: 'cli' with a command line, else 'app'). */
  historySource?: HistorySource;
}


function requireFile(path: string, what: string): string {
  const full = resolve(path);
  if (!existsSync(full) || !statSync(full).isFile()) badRequest(`${what} '${path}' does not exist or is not a file`);
  return full;
}

function readProfile(format: VendorFormat, path: string): VendorProfile {
  return format === 'openvino' ? readOpenVino(path) : readTflite(path);
}

export async function runImportJob(env: EngineEnv, req: ImportRequest, hooks: ImportHooks = {}): Promise<ImportResult> {
  if (!VENDOR_FORMATS.includes(req.format)) badRequest(`--format must be one of ${VENDOR_FORMATS.join(', ')}, got '${req.format}'`);
  const model = req.model ? requireFile(req.model, 'model') : undefined;
  // The ONNX model prices the ops; a launched .xml or .tflite model cannot.
  const onnxModel = model?.toLowerCase().endsWith('.onnx') ? model : undefined;
  if (model && !req.run && !onnxModel) badRequest(`--model must be the ONNX model the vendor model was made from (.onnx), got '${req.model}'`);

  let workDir: string | null = null;
  try {
    let file: string;
    if (req.run) {
      if (!model) badRequest(`--run ${req.format} needs --model (the model the tool runs)`);
      if (!req.device) badRequest(`--run ${req.format} needs --device (e.g. ${req.format === 'openvino' ? 'MYRIAD' : 'edgetpu'})`);
      const tool = requireVendorTool(req.format);
      workDir = await mkdtemp(join(tmpdir(), 'edgescope-vendor-'));
      file = await launchVendorTool(req.format, tool, { model, device: req.device, workDir, iterations: req.iterations ?? 100, signal: hooks.signal });
    } else {
      if (!req.file) badRequest('import needs a FILE (a vendor tool output) or --run openvino|tflite');
      file = requireFile(req.file, `${req.format} output`);
    }
    const profile = readProfile(req.format, file);
    if (req.run) profile.notes.push(`${profile.tool} wrote into a temporary folder, removed after the import: the files named in source.files are not kept`);
    const device = req.device ?? profile.device ?? undefined;
    if (!device) badRequest(`${file} does not name the device it ran on: give --device (e.g. ${req.format === 'openvino' ? 'MYRIAD' : 'edgetpu'})`);

    let modelPart: ImportContext['model'];
    if (onnxModel) {
      const loaded = readModel(onnxModel);
      const info = { ...summarizeModel(loaded), path: onnxModel };
      modelPart = { info, costs: await modelOpCosts(env.workerScriptPath, loaded, info, 1) };
    }

    const machine = await machineInventory();
    const ceilings = await cpuCeilings(env, machine);
    const report = vendorProfileToReport(profile, {
      machine,
      ceilings,
      toolVersion: env.toolVersion,
      onnxruntimeVersion: onnxruntimeVersion(),
      commandLine: hooks.commandLine,
      device,
      model: modelPart,
      launched: req.run === true,
    });
    const files = await writeReportFiles(req.outDir, report);
    return { report, files, ...(await recordImport(env, req.outDir, report, hooks)) };
  } finally {
    if (workDir) await rm(workDir, { recursive: true, force: true });
  }
}

/** A finished import into the workspace's history; a failure there is reported, never the import's failure. */
async function recordImport(env: EngineEnv, outDir: string, report: Report, hooks: ImportHooks): Promise<Pick<ImportResult, 'historyId' | 'historyError'>> {
  if (!env.workspaceDir) return {};
  try {
    const entry = await recordInHistory(env.workspaceDir, outDir, report, hooks.historySource ?? (hooks.commandLine ? 'cli' : 'app'));
    return { historyId: entry.id };
  } catch (err) {
    return { historyError: err instanceof Error ? err.message : String(err) };
  }
}

/**
 * This machine's CPU ceilings (cached, else measured in a run worker): the schema requires
 * ceilings on every run; imported ops do not use them.
 */
async function cpuCeilings(env: EngineEnv, machine: MachineInventory): Promise<Ceilings> {
  const started: RunWorker[] = [];
  try {
    return await ceilingsFor(
      {
        worker: async () => started[0] ?? (started[0] = await RunWorker.start(env.workerScriptPath)),
        cacheDir: env.cacheDir,
        fingerprint: machine.fingerprint,
        lastLevelCacheBytes: lastLevelCacheBytes(machine.caches),
        clockOriginNs: process.hrtime.bigint(),
      },
      'cpu',
      machine.cores,
    );
  } finally {
    await started[0]?.dispose();
  }
}

function onnxruntimeVersion(): string {
  try {
    return (require('onnxruntime-node/package.json') as { version: string }).version;
  } catch {
    return 'unknown';
  }
}
