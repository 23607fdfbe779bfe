/**
 * `edgescope` on the command line: parses arguments, calls the engine directly (no
 * app, no IPC), prints a summary or JSON. Every failure is one line on stderr and a
 * non-zero exit; onnxruntime's own logging stays inside the run worker.
 */
import { resolve } from 'node:path';
import { EdgescopeError, toApiError } from '../../shared/errors';
import type { BackendStatus } from '../../shared/report';
import { DEFAULT_DEMO_MODEL_ID, DEMO_MODELS } from '../engine/model/demo-models';
import { readModel } from '../engine/model/onnx-io';
import { summarizeModel } from '../engine/model/summary';
import { engineEnv, resolveModelPath, toolVersion } from '../engine/engine';
import { runProfileJob } from '../engine/profile-job';
import { collectDeviceInventory } from '../engine/devices/inventory';
import { probeBackendsInNewWorker } from '../engine/run/backends';
import { KNOWN_EPS } from '../engine/run/ep-names';
import { listEpOptions } from '../engine/run/ep-options';
import { demoModelPath } from '../engine/model/demo-models';
import { compress } from './compress-command';
import { exportReport } from './report-command';
import { importVendor } from './import-command';
import { inspect } from './inspect-command';
import { progressPrinter } from './progress';
import { runBenchCommand } from './bench-command';
import { sweep } from './sweep-command';
import { sensitivity } from './sensitivity-command';
import { history } from './history-command';
import { parseCommand, USAGE, type MachineCommand, type ProfileCommand } from './args';
import { characterizeMachine, formatMachine } from './machine-command';
import { formatDeviceInventory, formatModelSummary, formatProfileSummary, table } from './summary-table';

const EXIT_ERROR = 1;
const EXIT_USAGE = 2;
const EXIT_INTERRUPTED = 130;

function printError(err: unknown): number {
  const { code, message } = toApiError(err);
  process.stderr.write(`edgescope: error: ${message}\n`);
  if (process.env.EDGESCOPE_DEBUG && err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
  return code === 'E_BAD_REQUEST' ? EXIT_USAGE : code === 'E_CANCELLED' ? EXIT_INTERRUPTED : EXIT_ERROR;
}

async function profile(cmd: ProfileCommand, argv: string[]): Promise<number> {
  const env = engineEnv();
  const spec = DEMO_MODELS.find((d) => d.id === (cmd.demo ?? DEFAULT_DEMO_MODEL_ID))!;
  const modelPath = await resolveModelPath(cmd.model ? resolve(cmd.model) : demoModelPath(spec, env.demoDirs), env.demoDirs);
  const controller = new AbortController();
  const onSignal = () => controller.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const progress = progressPrinter();
  try {
    const result = await runProfileJob(env, { ...cmd.request, modelPath }, resolve(cmd.outDir), {
      signal: controller.signal,
      onProgress: cmd.json ? undefined : progress.update,
      commandLine: ['edgescope', ...argv],
    });
    progress.done();
    if (result.historyError) process.stderr.write(`edgescope: warning: the run was not recorded in the history: ${result.historyError}\n`);
    process.stdout.write(cmd.json ? `${JSON.stringify(result.report)}\n` : `${formatProfileSummary(result.report, result.files)}\n`);
    return 0;
  } catch (err) {
    progress.done();
    if (controller.signal.aborted) return printError(new EdgescopeError('E_CANCELLED', 'interrupted; nothing was written'));
    return printError(err);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/** The backend probe, in a run worker started for it and stopped after. */
function probeInWorker(): Promise<BackendStatus[]> {
  const env = engineEnv();
  return probeBackendsInNewWorker(env.workerScriptPath, env.cacheDir);
}

async function backends(json: boolean): Promise<number> {
  const list = await probeInWorker();
  process.stdout.write(
    json
      ? `${JSON.stringify(list.map((b) => ({ ...b, options: listEpOptions(b.ep) })))}\n`
      : `${table(['ep', 'available', 'reason'], list.map((b) => [b.ep, b.available ? 'yes' : 'no', b.reason ?? '']))}\n`,
  );
  return 0;
}

/**
 * The hardware is worth listing even when onnxruntime-node cannot load: then every EP is
 * unavailable with the probe's error as the reason.
 */
async function devices(json: boolean): Promise<number> {
  let statuses: BackendStatus[];
  try {
    statuses = await probeInWorker();
  } catch (err) {
    const reason = `could not probe onnxruntime-node: ${toApiError(err).message}`;
    statuses = KNOWN_EPS.map((e) => ({ ep: e.name, available: false, reason, bundled: false }));
  }
  const inventory = await collectDeviceInventory({ backends: statuses });
  process.stdout.write(json ? `${JSON.stringify(inventory)}\n` : `${formatDeviceInventory(inventory)}\n`);
  return 0;
}

async function machine(cmd: MachineCommand): Promise<number> {
  const progress = progressPrinter();
  try {
    const result = await characterizeMachine(cmd, cmd.json ? undefined : (fraction, message) => progress.update('machine', fraction, message));
    progress.done();
    process.stdout.write(cmd.json ? `${JSON.stringify(result)}\n` : `${formatMachine(result)}\n`);
    return 0;
  } catch (err) {
    progress.done();
    throw err;
  }
}

export async function runCli(argv: string[]): Promise<number> {
  try {
    // compress parses its own flags (compress-command.ts).
    if (argv[0] === 'compress') return await compress(argv.slice(1));
    // bench parses its own flags (bench-command.ts).
    if (argv[0] === 'bench') return await runBenchCommand(argv.slice(1));
    const cmd = parseCommand(argv);
    switch (cmd.command) {
      case 'help':
        process.stdout.write(USAGE);
        return 0;
      case 'version':
        process.stdout.write(`edgescope ${toolVersion()}\n`);
        return 0;
      case 'summary': {
        const env = engineEnv();
        const model = summarizeModel(readModel(await resolveModelPath(cmd.model, env.demoDirs)));
        process.stdout.write(cmd.json ? `${JSON.stringify(model)}\n` : `${formatModelSummary(model)}\n`);
        return 0;
      }
      case 'backends':
        return await backends(cmd.json);
      case 'devices':
        return await devices(cmd.json);
      case 'machine':
        return await machine(cmd);
      case 'inspect':
        return await inspect(cmd, argv);
      case 'report':
        for (const path of await exportReport(cmd)) process.stdout.write(`wrote ${path}\n`);
        return 0;
      case 'profile':
        return await profile(cmd, argv);
      case 'sweep':
        return await sweep(cmd, argv);
      case 'sensitivity':
        return await sensitivity(cmd);
      case 'import':
        return await importVendor(cmd, argv);
      case 'history':
        process.stdout.write(`${await history(cmd)}\n`);
        return 0;
    }
  } catch (err) {
    return printError(err);
  }
}
