/**
 * `edgescope inspect MODEL --out DIR [--baseline DENSE.onnx]` (cli/inspect-command.ts's inspect, run in
 * process): the JSON keeps its fields and lists the charts; each layer gets a well-formed zero-pattern
 * heat map and histogram (and PNGs when Chromium is there); a bad baseline is one line and writes nothing.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { parseCommand, type InspectCommand } from '../../../src/main/cli/args';
import { inspect, type InspectResult } from '../../../src/main/cli/inspect-command';
import { compressFloatStages } from '../../../src/main/engine/compress/preview';
import { buildCnnSmall, buildLenet300100 } from '../../../src/main/engine/model/demo-models';
import { writeModel } from '../../../src/main/engine/model/onnx-io';
import { pngBrowser } from '../../../src/main/engine/report/charts/png';
import { tempDir } from '../../helpers';
import { checkXml } from '../report/charts-xml';

const LAYERS = ['conv1.weight', 'conv2.weight', 'fc1.weight', 'fc2.weight'];

async function run(argv: string[]): Promise<{ result: InspectResult; notes: string[] }> {
  const cmd = parseCommand(argv) as InspectCommand;
  const out: string[] = [];
  const notes: string[] = [];
  const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => (out.push(String(chunk)), true));
  try {
    expect(await inspect(cmd, argv, (line) => notes.push(line))).toBe(0);
  } finally {
    write.mockRestore();
  }
  return { result: JSON.parse(out.join('')) as InspectResult, notes };
}

describe('inspect --out', () => {
  let dir: string;
  let dense: string;
  let pruned: string;

  beforeAll(async () => {
    dir = tempDir('views-inspect');
    dense = join(dir, 'cnn-small.onnx');
    pruned = join(dir, 'cnn-small.filter50.onnx');
    await writeModel(dense, buildCnnSmall());
    await writeModel(pruned, (await compressFloatStages(dense, { default: { sparsity: 0.5, granularity: 'filter' } })).compressed.model);
  });

  afterEach(() => vi.restoreAllMocks());

  it('writes a heat map and a before/after histogram per layer; the JSON keeps its fields and lists them', async () => {
    const out = join(dir, 'out');
    const { result, notes } = await run(['inspect', pruned, '--baseline', dense, '--out', out, '--json']);
    expect(Object.keys(result)).toEqual(['model', 'layers', 'totals', 'sparsityTable', 'charts']);
    expect(result.layers.map((l) => l.sparsity)).toEqual([0.5, 0.5, 0.5, 0.5]);
    const svgs = LAYERS.flatMap((l) => [`${l}-zeros.svg`, `${l}-histogram.svg`]);
    const pngs = pngBrowser() ? svgs.map((s) => s.replace(/\.svg$/, '.png')) : [];
    expect(result.charts).toEqual([...svgs, ...pngs].map((f) => join(out, 'charts', f)));
    expect(readdirSync(join(out, 'charts')).sort()).toEqual([...svgs, ...pngs].sort());
    if (!pngBrowser()) expect(notes.join('\n')).toContain('PNG charts need Chromium');
    for (const f of pngs) expect([...readFileSync(join(out, 'charts', f)).subarray(1, 4)]).toEqual([0x50, 0x4e, 0x47]);

    const zeros = readFileSync(join(out, 'charts', 'conv1.weight-zeros.svg'), 'utf8');
    expect(checkXml(zeros).problems).toEqual([]);
    // conv1 is 16 filters x 25 weights, drawn unscaled: 8 whole rows pruned.
    expect(zeros).toContain('data-rows="16" data-cols="25" data-cell-rows="16" data-cell-cols="25" data-empty-cell-rows="8"');
    expect(zeros).toContain(`sha256`);
    const hist = readFileSync(join(out, 'charts', 'fc1.weight-histogram.svg'), 'utf8');
    expect(checkXml(hist).problems).toEqual([]);
    expect(hist).toContain('data-series="baseline (dense)" data-zeros="0"');
    expect(hist).toContain(`data-series="this model" data-zeros="${(512 * 1568) / 2}"`);
  }, 60_000);

  it('without a baseline draws the model\'s own weights', async () => {
    const out = join(dir, 'alone');
    await run(['inspect', pruned, '--out', out, '--json']);
    const hist = readFileSync(join(out, 'charts', 'conv2.weight-histogram.svg'), 'utf8');
    expect(hist).toContain(`data-series="weights" data-zeros="${(32 * 16 * 25) / 2}"`);
    expect(hist).not.toContain('this model');
  }, 60_000);

  it('refuses a baseline without the model\'s layers, or without --out, and writes nothing', async () => {
    const lenet = join(dir, 'lenet.onnx');
    await writeModel(lenet, buildLenet300100());
    const out = join(dir, 'refused');
    await expect(inspect(parseCommand(['inspect', pruned, '--baseline', lenet, '--out', out]) as InspectCommand)).rejects.toThrow(
      `the baseline ${lenet} has no prunable weight named 'conv1.weight'`,
    );
    expect(existsSync(out)).toBe(false);
    expect(() => parseCommand(['inspect', pruned, '--baseline', dense])).toThrow('inspect --baseline needs --out DIR');
  });
});
