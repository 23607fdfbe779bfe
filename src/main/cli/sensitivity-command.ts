/**
 * `edgescope sensitivity MODEL [--granularity element|filter] [--data FILE] [--budget B]
 * [--out DIR] [--json]`: each layer pruned alone at 0..90%, the metric per point, and with
 * --budget the per-layer targets it allows. --out writes sensitivity.{json,csv,svg}.
 */
import { join, resolve } from 'node:path';
import { engineEnv, resolveModelPath } from '../engine/engine';
import {
  analyzeSensitivity,
  proposeTargets,
  sensitivityCsv,
  sensitivitySvg,
  type LayerTargetProposal,
  type SensitivityResult,
} from '../engine/analysis/sensitivity';
import { writeFileAtomic } from '../engine/files/write-atomic';
import { readInputSet } from '../engine/model/input-set';
import { readModel } from '../engine/model/onnx-io';
import { summarizeModel } from '../engine/model/summary';
import type { SensitivityCommand } from './args';
import { progressPrinter } from './progress';
import { table } from './summary-table';

/** The --json document: the issue's {layers [{name, points [{sparsity, metric}]}], metric} and context. */
export interface SensitivityJson extends SensitivityResult {
  dataPath?: string;
  budget?: number;
  targets?: LayerTargetProposal[];
}

export async function sensitivity(cmd: SensitivityCommand): Promise<number> {
  const env = engineEnv();
  const modelPath = await resolveModelPath(cmd.model, env.demoDirs);
  const loaded = readModel(modelPath);
  const inputs = summarizeModel(loaded).inputs;
  // Bad data fails here, before any run or output.
  const dataPath = cmd.dataPath ? resolve(cmd.dataPath) : undefined;
  const inputSet = dataPath ? readInputSet(dataPath, inputs) : undefined;

  const controller = new AbortController();
  const onSignal = () => controller.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const progress = progressPrinter();
  let result: SensitivityResult;
  try {
    result = await analyzeSensitivity(loaded.proto, inputs, {
      workerScriptPath: env.workerScriptPath,
      granularity: cmd.granularity,
      inputSet,
      seed: cmd.seed,
      threads: cmd.threads,
      signal: controller.signal,
      onProgress: cmd.json ? undefined : (done, total, message) => progress.update('sensitivity', done / total, message),
    });
  } finally {
    progress.done();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }

  const targets = cmd.budget !== undefined ? proposeTargets(result, cmd.budget) : undefined;
  const doc: SensitivityJson = {
    ...result,
    ...(dataPath ? { dataPath } : {}),
    ...(targets ? { budget: cmd.budget, targets } : {}),
  };
  const written: string[] = [];
  if (cmd.outDir) {
    const dir = resolve(cmd.outDir);
    const files: [string, string][] = [
      ['sensitivity.json', `${JSON.stringify(doc, null, 2)}\n`],
      ['sensitivity.csv', sensitivityCsv(result)],
      ['sensitivity.svg', sensitivitySvg(result)],
    ];
    for (const [name, text] of files) {
      await writeFileAtomic(join(dir, name), text);
      written.push(join(dir, name));
    }
  }
  process.stdout.write(cmd.json ? `${JSON.stringify(doc)}\n` : `${formatSensitivity(doc, written)}\n`);
  return 0;
}

export function formatSensitivity(doc: SensitivityJson, written: string[] = []): string {
  const sparsities = doc.layers[0]?.points.map((p) => p.sparsity) ?? [];
  const metricName = doc.metric === 'accuracy' ? 'accuracy' : 'top-1 agreement with dense';
  const lines = [
    `${metricName} per layer pruned alone (${doc.granularity} granularity, ${doc.samples} ${doc.inputs === 'input-set' ? 'samples' : 'random samples'}; dense: ${doc.baseline.toFixed(4)})`,
    table(
      ['layer', ...sparsities.map((s) => `${Math.round(s * 100)}%`)],
      doc.layers.map((l) => [l.name, ...l.points.map((p) => p.metric.toFixed(4))]),
      sparsities.map((_, i) => i + 1),
    ),
  ];
  if (doc.targets) {
    lines.push('', `targets for a budget of ${doc.budget} (largest sparsity before the metric first falls more than the budget):`);
    lines.push(table(['layer', 'sparsity', doc.metric], doc.targets.map((t) => [t.name, `${Math.round(t.sparsity * 100)}%`, t.metric.toFixed(4)]), [1, 2]));
  }
  for (const path of written) lines.push(`wrote ${path}`);
  return lines.join('\n');
}
