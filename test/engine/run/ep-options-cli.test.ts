/**
 * EP options on the command line (node bin/edgescope.js): `backends --json` lists each EP's
 * options, and a bad --ep-option is one line naming it, before anything runs or is written.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT, tempDir } from '../../helpers';

const dir = tempDir('ep-options-cli');

function cli(args: string[]) {
  const result = spawnSync(process.execPath, [join(REPO_ROOT, 'bin/edgescope.js'), ...args], {
    encoding: 'utf8',
    env: { ...process.env, EDGESCOPE_CACHE_DIR: join(dir, 'cache') },
    timeout: 120_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('EP options on the CLI', () => {
  it('backends --json lists every EP with its options', () => {
    const r = cli(['backends', '--json']);
    expect(r.code).toBe(0);
    const list = JSON.parse(r.stdout) as { ep: string; options: { name: string; kind: string; values?: string[] }[] }[];
    const names = (ep: string) => list.find((b) => b.ep === ep)!.options.map((o) => o.name);
    expect(names('cpu')).toEqual([]);
    expect(names('cuda')).toEqual(['device_id']);
    expect(names('coreml')).toEqual(['compute_units', 'model_format', 'require_ane', 'enable_on_subgraph', 'static_input_shapes']);
    expect(list.find((b) => b.ep === 'webgpu')!.options.find((o) => o.name === 'preferred_layout')).toMatchObject({ kind: 'enum', values: ['NCHW', 'NHWC'] });
  });

  it('a bad --ep-option: one line naming it, nothing written', () => {
    const out = join(dir, 'out');
    const cases: [string[], string][] = [
      [['--ep', 'webgpu', '--ep-option', 'webgpu.preferred_layout=NWHC'], 'EP option webgpu.preferred_layout must be one of NCHW, NHWC, got "NWHC"'],
      [['--ep-option', 'cpu.threads=2'], 'unknown EP option cpu.threads (cpu takes: no options)'],
      [['--ep-option', 'cuda.device_id=1'], "EP options given for 'cuda', which is not among the requested EPs (cpu)"],
      [['--ep', 'cuda', '--ep-option', 'cuda.gpu_mem_limit=2147483648'], 'EP option cuda.gpu_mem_limit is not passed on by onnxruntime-node 1.30 (its cuda binding reads only device_id)'],
    ];
    for (const [args, message] of cases) {
      const r = cli(['profile', '--out', out, ...args]);
      expect(r.stderr).toBe(`edgescope: error: ${message}\n`);
      expect(r.code).toBe(2);
    }
    expect(existsSync(out)).toBe(false);
  });
});
