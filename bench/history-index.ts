/**
 * Benchmark: the run-history index at scale. N recorded runs (small reports), then the time of
 * recording one more, of listing with a valid index, of a filtered list, and of a full rebuild
 * from the run folders after the index was deleted.
 *
 *   npm run build:node && node dist/node/bench/history-index.js [N=1000]
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RunHistory } from '../src/main/engine/history/index';
import { buildSampleReport } from '../test/fixtures/reports/sample-report';

const elapsedMs = (start: bigint): string => (Number(process.hrtime.bigint() - start) / 1e6).toFixed(1);

async function main(): Promise<void> {
  const n = Number(process.argv[2] ?? 1000);
  const workspace = mkdtempSync(join(tmpdir(), 'edgescope-bench-history-'));
  const history = new RunHistory(workspace);
  const sample = buildSampleReport();
  const record = async (i: number): Promise<void> => {
    const id = `r${String(i).padStart(6, '0')}`;
    const report = { ...sample, generatedAt: new Date(Date.UTC(2026, 0, 1) + i * 60_000).toISOString() };
    mkdirSync(history.runDir(id), { recursive: true });
    writeFileSync(join(history.runDir(id), 'report.json'), JSON.stringify(report));
    await history.record(id, report, 'cli');
  };
  try {
    for (let i = 0; i < n; i++) await record(i);
    let t = process.hrtime.bigint();
    await record(n);
    console.log(`record run #${n + 1}: ${elapsedMs(t)} ms`);
    t = process.hrtime.bigint();
    const all = await history.list();
    console.log(`list (index valid): ${elapsedMs(t)} ms, ${all.length} runs`);
    t = process.hrtime.bigint();
    await history.list({ model: 'x', from: '2026-01-01', to: '2026-01-01' });
    console.log(`filtered list: ${elapsedMs(t)} ms`);
    rmSync(join(workspace, 'history', 'index.json'));
    t = process.hrtime.bigint();
    await history.list();
    console.log(`list after the index was deleted (rebuild): ${elapsedMs(t)} ms`);
  } finally {
    rmSync(workspace, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
